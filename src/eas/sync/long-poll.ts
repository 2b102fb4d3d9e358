// Holding a Sync with Wait or HeartbeatInterval ([MS-ASCMD] 2.2.3.198 Wait, 2.2.3.88.2
// HeartbeatInterval): wake on the mail backend's change events for the user's synced folders,
// or give up at the deadline. One subscription and one timer per held request, nothing else.
import type { MailBackend, MailChangeEvent } from '../../mail/types.js';

export interface ChangeWatch {
  /** True once a matching event arrived since the watch started (or since the last wait). */
  readonly changed: boolean;
  /** Resolves true on a matching event, false when `ms` passed first. */
  wait(ms: number): Promise<boolean>;
  close(): void;
}

/**
 * Starts listening before the first look at the mailbox, so a change between that look and the
 * wait is not missed. Hierarchy changes ('folders') of the user always match: the device must
 * then be told to run FolderSync.
 */
export function watchChanges(
  backend: MailBackend,
  userId: string,
  folderIds: ReadonlySet<string>,
): ChangeWatch {
  let changed = false;
  let pending: { resolve: (v: boolean) => void; timer: NodeJS.Timeout } | null = null;
  const finish = (v: boolean): void => {
    if (!pending) return;
    const { resolve, timer } = pending;
    pending = null;
    clearTimeout(timer);
    resolve(v);
  };
  const off = backend.onChange((e: MailChangeEvent) => {
    if (e.userId !== userId) return;
    if (e.kind !== 'folders' && !folderIds.has(e.folderId)) return;
    if (pending) finish(true);
    else changed = true;
  });
  return {
    get changed() {
      return changed;
    },
    wait(ms) {
      if (changed) {
        changed = false;
        return Promise.resolve(true);
      }
      finish(false);
      return new Promise<boolean>((resolve) => {
        pending = { resolve, timer: setTimeout(() => finish(false), Math.max(0, ms)) };
      });
    },
    close() {
      off();
      finish(false);
    },
  };
}

/**
 * Looks, and while there is nothing to answer, waits for a change and looks again, until `holdMs`
 * has passed. A change that gives nothing to send (a flag outside the window) keeps the hold going.
 * Returns [] when the hold ended with nothing: the caller answers with an empty response.
 */
export async function lookUntilChange<T>(
  look: (again: boolean) => Promise<T[]>,
  watch: ChangeWatch | null,
  holdMs: number,
): Promise<T[]> {
  const deadline = Date.now() + holdMs;
  for (let again = false; ; again = true) {
    const found = await look(again);
    if (found.length) return found;
    const left = deadline - Date.now();
    if (!watch || left <= 0 || !(await watch.wait(left))) return [];
  }
}
