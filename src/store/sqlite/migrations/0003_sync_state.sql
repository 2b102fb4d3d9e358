-- Per-device EAS sync state (src/store/sync-state.ts): one row per (device, collection), replaced
-- by compare-and-set on sync_key. Deleting the device deletes its states. data/previous_data are
-- the command's documents, stored verbatim as text (not json-checked: the store does not own them).

CREATE TABLE sync_states (
  device_id          TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  collection_id      TEXT NOT NULL,
  sync_key           TEXT NOT NULL,
  data               TEXT NOT NULL,
  previous_sync_key  TEXT,
  previous_data      TEXT,
  updated_at         TEXT NOT NULL,
  PRIMARY KEY (device_id, collection_id)
);
