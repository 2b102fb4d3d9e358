-- Syncward state store, PostgreSQL dialect. *_key columns hold the case-folded name; ordered text
-- columns use COLLATE "C" so list order is by code point, as in SQLite, whatever the database locale.

CREATE TABLE policies (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  name_key    text COLLATE "C" NOT NULL,
  is_default  boolean NOT NULL,
  settings    jsonb NOT NULL CHECK (jsonb_typeof(settings) = 'object'),
  options     jsonb NOT NULL CHECK (jsonb_typeof(options) = 'object'),
  revision    integer NOT NULL,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL
);
CREATE UNIQUE INDEX policies_name_key ON policies (name_key);
-- At most one default; putPolicy clears the others first, this is the backstop.
CREATE UNIQUE INDEX policies_single_default ON policies (is_default) WHERE is_default;

CREATE TABLE users (
  id             text PRIMARY KEY,
  username       text NOT NULL,
  username_key   text COLLATE "C" NOT NULL,
  email          text NOT NULL,
  display_name   text NOT NULL,
  password_hash  text NOT NULL,
  eas_enabled    boolean NOT NULL,
  -- Deleting the policy falls the user back to the domain or default policy.
  policy_id      text REFERENCES policies (id) ON DELETE SET NULL,
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL
);
CREATE UNIQUE INDEX users_username_key ON users (username_key);
CREATE INDEX users_policy_id ON users (policy_id);

CREATE TABLE admins (
  id             text PRIMARY KEY,
  username       text NOT NULL,
  username_key   text COLLATE "C" NOT NULL,
  password_hash  text NOT NULL,
  created_at     timestamptz NOT NULL
);
CREATE UNIQUE INDEX admins_username_key ON admins (username_key);

CREATE TABLE domain_policies (
  domain     text COLLATE "C" PRIMARY KEY,
  policy_id  text NOT NULL REFERENCES policies (id) ON DELETE CASCADE
);
CREATE INDEX domain_policies_policy_id ON domain_policies (policy_id);

CREATE TABLE devices (
  id                              text PRIMARY KEY,
  user_id                         text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  broker_id                       text COLLATE "C" NOT NULL,
  device_id                       text COLLATE "C" NOT NULL,
  device_type                     text NOT NULL,
  user_agent                      text,
  model                           text,
  imei                            text,
  friendly_name                   text,
  os                              text,
  os_language                     text,
  phone_number                    text,
  mobile_operator                 text,
  enable_outbound_sms             boolean,
  protocol_version                text,
  app_family                      text,
  app_version                     text,
  first_sync_at                   timestamptz,
  last_sync_attempt_at            timestamptz,
  last_success_sync_at            timestamptz,
  last_policy_update_at           timestamptz,
  last_ping_heartbeat             integer,
  -- No foreign key: this records what the device applied, and outlives the policy row.
  policy_id                       text,
  policy_name                     text,
  policy_revision                 integer,
  policy_status                   text NOT NULL,
  policy_key                      text,
  pending_policy_key              text,
  access_state                    text NOT NULL,
  access_reason                   text NOT NULL,
  access_rule                     text,
  wipe_requested_at               timestamptz,
  wipe_requested_by               text,
  wipe_sent_at                    timestamptz,
  wipe_ack_at                     timestamptz,
  wipe_ack_status                 text,
  account_only_wipe_requested_at  timestamptz,
  account_only_wipe_requested_by  text,
  account_only_wipe_sent_at       timestamptz,
  account_only_wipe_ack_at        timestamptz,
  account_only_wipe_ack_status    text,
  created_at                      timestamptz NOT NULL,
  updated_at                      timestamptz NOT NULL
);
-- The association key; DeviceId is case-sensitive. Also serves the list order.
CREATE UNIQUE INDEX devices_key ON devices (user_id, broker_id, device_id);
CREATE INDEX devices_access_state ON devices (access_state);
