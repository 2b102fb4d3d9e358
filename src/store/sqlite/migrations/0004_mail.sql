-- Embedded mail storage (src/store/mail-store.ts). A message's raw RFC 822 bytes live in
-- mail_chunks rows (256 KiB each) of a mail_contents row, written while the message streams in and
-- before its mail_messages row exists. Deleting a content deletes its chunks and its message;
-- deleting a folder deletes its subfolders and messages (the store deletes their contents first);
-- deleting the user deletes everything. A move only rewrites the message row.

CREATE TABLE mail_folders (
  id              TEXT PRIMARY KEY NOT NULL,
  user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  parent_id       TEXT REFERENCES mail_folders (id) ON DELETE CASCADE,
  name            TEXT NOT NULL,
  -- Case-folded name (src/store/sql/values.ts nameKey): unique under one parent.
  name_key        TEXT NOT NULL,
  role            TEXT CHECK (role IN ('inbox', 'drafts', 'deleted', 'sent', 'outbox', 'junk', 'archive')),
  -- The id the next message added or moved in gets; ids are never reused in a folder.
  next_uid        INTEGER NOT NULL DEFAULT 1,
  change_counter  INTEGER NOT NULL DEFAULT 0,
  created_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX mail_folders_name ON mail_folders (user_id, coalesce(parent_id, ''), name_key);
CREATE UNIQUE INDEX mail_folders_role ON mail_folders (user_id, role) WHERE role IS NOT NULL;
CREATE INDEX mail_folders_parent ON mail_folders (parent_id);
CREATE INDEX mail_folders_list ON mail_folders (user_id, name_key, id);

-- size is NULL while the content is being written.
CREATE TABLE mail_contents (
  id          TEXT PRIMARY KEY NOT NULL,
  user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  size        INTEGER,
  created_at  TEXT NOT NULL
);
CREATE INDEX mail_contents_user ON mail_contents (user_id);
CREATE INDEX mail_contents_created ON mail_contents (created_at);

-- A rowid table on purpose: SQLite keeps large rows out of WITHOUT ROWID b-tree pages badly.
CREATE TABLE mail_chunks (
  content_id  TEXT NOT NULL REFERENCES mail_contents (id) ON DELETE CASCADE,
  seq         INTEGER NOT NULL,
  data        BLOB NOT NULL
);
CREATE UNIQUE INDEX mail_chunks_key ON mail_chunks (content_id, seq);

CREATE TABLE mail_messages (
  folder_id       TEXT NOT NULL REFERENCES mail_folders (id) ON DELETE CASCADE,
  uid             INTEGER NOT NULL,
  user_id         TEXT NOT NULL,
  content_id      TEXT NOT NULL REFERENCES mail_contents (id) ON DELETE CASCADE,
  received_at     TEXT NOT NULL,
  flag_read       INTEGER NOT NULL CHECK (flag_read IN (0, 1)),
  flag_flagged    INTEGER NOT NULL CHECK (flag_flagged IN (0, 1)),
  flag_answered   INTEGER NOT NULL CHECK (flag_answered IN (0, 1)),
  flag_forwarded  INTEGER NOT NULL CHECK (flag_forwarded IN (0, 1)),
  size            INTEGER NOT NULL,
  summary         TEXT NOT NULL CHECK (json_valid(summary) AND json_type(summary) = 'object'),
  PRIMARY KEY (folder_id, uid)
);
CREATE UNIQUE INDEX mail_messages_content ON mail_messages (content_id);
-- Listing newest first with a since window.
CREATE INDEX mail_messages_received ON mail_messages (folder_id, received_at, uid);

-- Local recipients by address (findUserIdByEmail): lower() folds ASCII only, as in PostgreSQL below.
CREATE INDEX users_email_lower ON users (lower(email));
