-- Embedded mail storage (src/store/mail-store.ts). A message's raw RFC 822 bytes live in
-- mail_chunks rows (256 KiB each) of a mail_contents row, written while the message streams in and
-- before its mail_messages row exists. Deleting a content deletes its chunks and its message;
-- deleting a folder deletes its subfolders and messages (the store deletes their contents first);
-- deleting the user deletes everything. A move only rewrites the message row.

CREATE TABLE mail_folders (
  id              text COLLATE "C" PRIMARY KEY,
  user_id         text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  parent_id       text COLLATE "C" REFERENCES mail_folders (id) ON DELETE CASCADE,
  name            text NOT NULL,
  -- Case-folded name (src/store/sql/values.ts nameKey): unique under one parent.
  name_key        text COLLATE "C" NOT NULL,
  role            text CHECK (role IN ('inbox', 'drafts', 'deleted', 'sent', 'outbox', 'junk', 'archive')),
  -- The id the next message added or moved in gets; ids are never reused in a folder.
  next_uid        bigint NOT NULL DEFAULT 1,
  change_counter  bigint NOT NULL DEFAULT 0,
  created_at      timestamptz NOT NULL
);
CREATE UNIQUE INDEX mail_folders_name ON mail_folders (user_id, coalesce(parent_id, ''), name_key);
CREATE UNIQUE INDEX mail_folders_role ON mail_folders (user_id, role) WHERE role IS NOT NULL;
CREATE INDEX mail_folders_parent ON mail_folders (parent_id);
CREATE INDEX mail_folders_list ON mail_folders (user_id, name_key, id);

-- size is NULL while the content is being written.
CREATE TABLE mail_contents (
  id          text COLLATE "C" PRIMARY KEY,
  user_id     text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  size        bigint,
  created_at  timestamptz NOT NULL
);
CREATE INDEX mail_contents_user ON mail_contents (user_id);
CREATE INDEX mail_contents_created ON mail_contents (created_at);

CREATE TABLE mail_chunks (
  content_id  text COLLATE "C" NOT NULL REFERENCES mail_contents (id) ON DELETE CASCADE,
  seq         integer NOT NULL,
  data        bytea NOT NULL,
  PRIMARY KEY (content_id, seq)
);

CREATE TABLE mail_messages (
  folder_id       text COLLATE "C" NOT NULL REFERENCES mail_folders (id) ON DELETE CASCADE,
  uid             bigint NOT NULL,
  user_id         text NOT NULL,
  content_id      text COLLATE "C" NOT NULL UNIQUE REFERENCES mail_contents (id) ON DELETE CASCADE,
  received_at     timestamptz NOT NULL,
  flag_read       boolean NOT NULL,
  flag_flagged    boolean NOT NULL,
  flag_answered   boolean NOT NULL,
  flag_forwarded  boolean NOT NULL,
  size            bigint NOT NULL,
  summary         jsonb NOT NULL CHECK (jsonb_typeof(summary) = 'object'),
  PRIMARY KEY (folder_id, uid)
);
-- Listing newest first with a since window.
CREATE INDEX mail_messages_received ON mail_messages (folder_id, received_at, uid);

-- Local recipients by address (findUserIdByEmail). Under COLLATE "C" lower() folds ASCII only,
-- as SQLite's does, so both backends match the same addresses.
CREATE INDEX users_email_lower ON users (lower(email COLLATE "C"));
