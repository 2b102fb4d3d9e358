// Sync with Wait or HeartbeatInterval ([MS-ASCMD] 2.2.3.198 Wait, 2.2.3.88.2 HeartbeatInterval)
// on the PushHub, the one holding mechanism for Ping and Sync: a HubChangeWatch is the ChangeWatch
// that src/eas/sync/long-poll.ts's lookUntilChange waits on.
import type { PushHub } from './hub.js';

export interface HubChangeWatch {
  /** True once a matching event arrived since the watch started (or since the last wait). */
  readonly changed: boolean;
  /** Resolves true on a matching event (any change, hierarchy included), false at the deadline or when superseded. */
  wait(ms: number): Promise<boolean>;
  close(): void;
}

/**
 * Registers at once, before the caller's first look at the mailbox. The key is `sync:<device>`:
 * a newer Sync+Wait from the device ends this one (it answers what it has, usually nothing), while
 * the device's Ping, a different key, is left alone.
 */
export function watchSyncChanges(
  hub: PushHub,
  o: { userId: string; deviceId: string; folderIds: Iterable<string> },
): HubChangeWatch {
  const w = hub.watch({
    userId: o.userId,
    deviceKey: `sync:${o.deviceId}`,
    folderIds: o.folderIds,
    anyChange: true,
  });
  return {
    get changed() {
      return w.pending;
    },
    async wait(ms) {
      return (await w.wait(ms)).kind === 'changed';
    },
    close() {
      w.close();
    },
  };
}
