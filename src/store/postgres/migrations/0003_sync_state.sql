-- Per-device EAS sync state (src/store/sync-state.ts): one row per (device, collection), replaced
-- by compare-and-set on sync_key. Deleting the device deletes its states. data/previous_data are
-- the command's documents, stored verbatim as text (jsonb would reformat them; the store does not
-- own them). collection_id is COLLATE "C": listSyncCollections orders by code point, as in SQLite.

CREATE TABLE sync_states (
  device_id          text NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  collection_id      text COLLATE "C" NOT NULL,
  sync_key           text COLLATE "C" NOT NULL,
  data               text NOT NULL,
  previous_sync_key  text,
  previous_data      text,
  updated_at         timestamptz NOT NULL,
  PRIMARY KEY (device_id, collection_id)
);
