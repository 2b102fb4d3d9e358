-- Access control: per-user allowed/blocked DeviceId lists, each device's decision details, device
-- access rules, organisation settings, the audit log and admin API tokens. Existing users get empty
-- lists and existing devices NULL in the new columns.

ALTER TABLE users ADD COLUMN allowed_device_ids TEXT NOT NULL DEFAULT '[]'
  CHECK (json_valid(allowed_device_ids) AND json_type(allowed_device_ids) = 'array');
ALTER TABLE users ADD COLUMN blocked_device_ids TEXT NOT NULL DEFAULT '[]'
  CHECK (json_valid(blocked_device_ids) AND json_type(blocked_device_ids) = 'array');

ALTER TABLE devices ADD COLUMN access_explanation TEXT;
ALTER TABLE devices ADD COLUMN access_decided_at TEXT;
ALTER TABLE devices ADD COLUMN quarantined_at TEXT;
ALTER TABLE devices ADD COLUMN release_condition TEXT
  CHECK (release_condition IS NULL OR (json_valid(release_condition) AND json_type(release_condition) = 'object'));
ALTER TABLE devices ADD COLUMN autoblock_reason TEXT;
ALTER TABLE devices ADD COLUMN autoblock_until TEXT;

CREATE TABLE access_rules (
  id              TEXT PRIMARY KEY NOT NULL,
  name            TEXT NOT NULL,
  name_key        TEXT NOT NULL,
  characteristic  TEXT NOT NULL,
  query_string    TEXT NOT NULL,
  version_range   TEXT,
  -- [characteristic, lower-cased query string, version range] as JSON, computed by the store
  -- (src/store/sql/values.ts ruleMatchKey): one rule per characteristic value.
  match_key       TEXT NOT NULL,
  access_level    TEXT NOT NULL,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX access_rules_match_key ON access_rules (match_key);
CREATE INDEX access_rules_name_key ON access_rules (name_key, id);

-- A single row (id = 1) holding the whole OrgSettings document.
CREATE TABLE org_settings (
  id        INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
  settings  TEXT NOT NULL CHECK (json_valid(settings) AND json_type(settings) = 'object')
);

-- Append-only. before_state/after_state hold any JSON value, NULL when absent.
CREATE TABLE audit_log (
  id            TEXT PRIMARY KEY NOT NULL,
  at            TEXT NOT NULL,
  actor         TEXT NOT NULL,
  action        TEXT NOT NULL,
  target_type   TEXT,
  target_id     TEXT,
  before_state  TEXT CHECK (before_state IS NULL OR json_valid(before_state)),
  after_state   TEXT CHECK (after_state IS NULL OR json_valid(after_state)),
  reason        TEXT,
  source        TEXT
);
-- Newest-first listing, keyset paging and pruning; the others serve the common filters.
CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX audit_log_target ON audit_log (target_id, at, id);
CREATE INDEX audit_log_action ON audit_log (action, at, id);
CREATE INDEX audit_log_actor ON audit_log (actor, at, id);

CREATE TABLE admin_tokens (
  id            TEXT PRIMARY KEY NOT NULL,
  admin_id      TEXT NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
  name          TEXT NOT NULL,
  -- SHA-256 of the token; never the token itself.
  token_hash    TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  expires_at    TEXT,
  last_used_at  TEXT
);
CREATE UNIQUE INDEX admin_tokens_token_hash ON admin_tokens (token_hash);
CREATE INDEX admin_tokens_admin_id ON admin_tokens (admin_id, created_at, id);
