-- Access control: per-user allowed/blocked DeviceId lists, each device's decision details, device
-- access rules, organisation settings, the audit log and admin API tokens. Existing users get empty
-- lists and existing devices NULL in the new columns. Ordered or range-compared text is COLLATE "C".

ALTER TABLE users
  ADD COLUMN allowed_device_ids text[] NOT NULL DEFAULT '{}'
    CHECK (array_ndims(allowed_device_ids) IS NULL OR (array_ndims(allowed_device_ids) = 1
      AND array_position(allowed_device_ids, NULL) IS NULL)),
  ADD COLUMN blocked_device_ids text[] NOT NULL DEFAULT '{}'
    CHECK (array_ndims(blocked_device_ids) IS NULL OR (array_ndims(blocked_device_ids) = 1
      AND array_position(blocked_device_ids, NULL) IS NULL));

ALTER TABLE devices
  ADD COLUMN access_explanation text,
  ADD COLUMN access_decided_at timestamptz,
  ADD COLUMN quarantined_at timestamptz,
  ADD COLUMN release_condition jsonb CHECK (release_condition IS NULL OR jsonb_typeof(release_condition) = 'object'),
  ADD COLUMN autoblock_reason text,
  ADD COLUMN autoblock_until timestamptz;

CREATE TABLE access_rules (
  id              text COLLATE "C" PRIMARY KEY,
  name            text NOT NULL,
  name_key        text COLLATE "C" NOT NULL,
  characteristic  text NOT NULL,
  query_string    text NOT NULL,
  version_range   text,
  -- [characteristic, lower-cased query string, version range] as JSON, computed by the store
  -- (src/store/sql/values.ts ruleMatchKey): one rule per characteristic value.
  match_key       text NOT NULL,
  access_level    text NOT NULL,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL
);
CREATE UNIQUE INDEX access_rules_match_key ON access_rules (match_key);
CREATE INDEX access_rules_name_key ON access_rules (name_key, id);

-- A single row (id = 1) holding the whole OrgSettings document.
CREATE TABLE org_settings (
  id        integer PRIMARY KEY CHECK (id = 1),
  settings  jsonb NOT NULL CHECK (jsonb_typeof(settings) = 'object')
);

-- Append-only. before_state/after_state hold any JSON value, NULL when absent.
CREATE TABLE audit_log (
  id            text COLLATE "C" PRIMARY KEY,
  at            timestamptz NOT NULL,
  actor         text COLLATE "C" NOT NULL,
  action        text COLLATE "C" NOT NULL,
  target_type   text,
  target_id     text COLLATE "C",
  before_state  jsonb,
  after_state   jsonb,
  reason        text,
  source        text
);
-- Newest-first listing, keyset paging and pruning; the others serve the common filters.
CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX audit_log_target ON audit_log (target_id, at, id);
CREATE INDEX audit_log_action ON audit_log (action, at, id);
CREATE INDEX audit_log_actor ON audit_log (actor, at, id);

CREATE TABLE admin_tokens (
  id            text COLLATE "C" PRIMARY KEY,
  admin_id      text NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
  name          text NOT NULL,
  -- SHA-256 of the token; never the token itself.
  token_hash    text COLLATE "C" NOT NULL,
  created_at    timestamptz NOT NULL,
  expires_at    timestamptz,
  last_used_at  timestamptz
);
CREATE UNIQUE INDEX admin_tokens_token_hash ON admin_tokens (token_hash);
CREATE INDEX admin_tokens_admin_id ON admin_tokens (admin_id, created_at, id);
