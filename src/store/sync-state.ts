// Per-device EAS synchronisation state: what each device has been sent for each collection
// (and for the folder hierarchy), keyed by sync key so a retried request is answered the same way.

export interface SyncState {
  /** Device association id. */
  deviceId: string;
  /** Collection (folder) id, or 'hierarchy' for FolderSync. */
  collectionId: string;
  /** The sync key the device holds now (the last one we answered with). */
  syncKey: string;
  /** What the device knows at syncKey: a JSON document owned by the command (item ids, flags, ...). */
  data: string;
  /** The key and data before the last answer: a device that never got our answer retries with it. */
  previousSyncKey: string | null;
  previousData: string | null;
  updatedAt: Date;
}

export interface SyncStateStore {
  /** null if missing. */
  getSyncState(deviceId: string, collectionId: string): Promise<SyncState | null>;
  /**
   * Store the state if the stored syncKey still equals `expectedSyncKey` (null = no row yet);
   * returns false when another request moved it first (the caller answers with a retry/invalid key).
   * Atomic: of concurrent puts expecting the same key exactly one returns true, and a false
   * changes nothing. Every field (previousSyncKey/previousData, updatedAt too) is stored as given.
   * Throws (not false) if the device does not exist; its states are deleted with it.
   */
  putSyncState(state: SyncState, expectedSyncKey: string | null): Promise<boolean>;
  /** Every collection of a device (e.g. FolderSync with SyncKey 0 resets them); idempotent. */
  deleteSyncStates(deviceId: string, collectionId?: string): Promise<void>;
  /** The collection ids a device has state for, ordered by code point; [] for an unknown device. */
  listSyncCollections(deviceId: string): Promise<string[]>;
}
