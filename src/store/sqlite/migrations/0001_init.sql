-- Syncward state store, SQLite dialect. Timestamps are ISO-8601 UTC text with milliseconds
-- (sortable, exact Date round-trip); booleans are 0/1; *_key columns hold the case-folded name.

CREATE TABLE policies (
  id          TEXT PRIMARY KEY NOT NULL,
  name        TEXT NOT NULL,
  name_key    TEXT NOT NULL,
  is_default  INTEGER NOT NULL CHECK (is_default IN (0, 1)),
  settings    TEXT NOT NULL CHECK (json_valid(settings)),
  options     TEXT NOT NULL CHECK (json_valid(options)),
  revision    INTEGER NOT NULL,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX policies_name_key ON policies (name_key);
-- At most one default; putPolicy clears the others first, this is the backstop.
CREATE UNIQUE INDEX policies_single_default ON policies (is_default) WHERE is_default = 1;

CREATE TABLE users (
  id             TEXT PRIMARY KEY NOT NULL,
  username       TEXT NOT NULL,
  username_key   TEXT NOT NULL,
  email          TEXT NOT NULL,
  display_name   TEXT NOT NULL,
  password_hash  TEXT NOT NULL,
  eas_enabled    INTEGER NOT NULL CHECK (eas_enabled IN (0, 1)),
  -- Deleting the policy falls the user back to the domain or default policy.
  policy_id      TEXT REFERENCES policies (id) ON DELETE SET NULL,
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL
);
CREATE UNIQUE INDEX users_username_key ON users (username_key);
CREATE INDEX users_policy_id ON users (policy_id);

CREATE TABLE admins (
  id             TEXT PRIMARY KEY NOT NULL,
  username       TEXT NOT NULL,
  username_key   TEXT NOT NULL,
  password_hash  TEXT NOT NULL,
  created_at     TEXT NOT NULL
);
CREATE UNIQUE INDEX admins_username_key ON admins (username_key);

CREATE TABLE domain_policies (
  domain     TEXT PRIMARY KEY NOT NULL,
  policy_id  TEXT NOT NULL REFERENCES policies (id) ON DELETE CASCADE
);
CREATE INDEX domain_policies_policy_id ON domain_policies (policy_id);

CREATE TABLE devices (
  id                              TEXT PRIMARY KEY NOT NULL,
  user_id                         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  broker_id                       TEXT NOT NULL,
  device_id                       TEXT NOT NULL,
  device_type                     TEXT NOT NULL,
  user_agent                      TEXT,
  model                           TEXT,
  imei                            TEXT,
  friendly_name                   TEXT,
  os                              TEXT,
  os_language                     TEXT,
  phone_number                    TEXT,
  mobile_operator                 TEXT,
  enable_outbound_sms             INTEGER CHECK (enable_outbound_sms IN (0, 1)),
  protocol_version                TEXT,
  app_family                      TEXT,
  app_version                     TEXT,
  first_sync_at                   TEXT,
  last_sync_attempt_at            TEXT,
  last_success_sync_at            TEXT,
  last_policy_update_at           TEXT,
  last_ping_heartbeat             INTEGER,
  -- No foreign key: this records what the device applied, and outlives the policy row.
  policy_id                       TEXT,
  policy_name                     TEXT,
  policy_revision                 INTEGER,
  policy_status                   TEXT NOT NULL,
  policy_key                      TEXT,
  pending_policy_key              TEXT,
  access_state                    TEXT NOT NULL,
  access_reason                   TEXT NOT NULL,
  access_rule                     TEXT,
  wipe_requested_at               TEXT,
  wipe_requested_by               TEXT,
  wipe_sent_at                    TEXT,
  wipe_ack_at                     TEXT,
  wipe_ack_status                 TEXT,
  account_only_wipe_requested_at  TEXT,
  account_only_wipe_requested_by  TEXT,
  account_only_wipe_sent_at       TEXT,
  account_only_wipe_ack_at        TEXT,
  account_only_wipe_ack_status    TEXT,
  created_at                      TEXT NOT NULL,
  updated_at                      TEXT NOT NULL
);
-- The association key; DeviceId is case-sensitive (BINARY collation). Also serves list order.
CREATE UNIQUE INDEX devices_key ON devices (user_id, broker_id, device_id);
CREATE INDEX devices_access_state ON devices (access_state);
