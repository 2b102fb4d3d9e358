// Holds waiting Pings (and Sync with Wait) without a thread, poll, database or IMAP connection
// per device: each waiter is a promise, one timer and a set of folder ids in memory, woken by the
// mail backend's change events for its user. A newer wait from the same device supersedes the old.
import type { MailChangeEvent } from '../mail/types.js';

export type WaitResult =
  | { kind: 'changed'; folderIds: string[] }
  | { kind: 'timeout' }
  | { kind: 'superseded' }
  | { kind: 'closed' };

interface Waiter {
  userId: string;
  deviceKey: string;
  folders: ReadonlySet<string>;
  /** Wake on flag changes and deletes too (Sync+Wait), not only on arrivals (Ping). */
  anyChange: boolean;
  finish(r: WaitResult): void;
}

export interface WaitOptions {
  userId: string;
  /** One waiter per device (association id): a new wait ends the previous one. */
  deviceKey: string;
  /** Backend folder ids to watch. */
  folderIds: readonly string[];
  timeoutMs: number;
  anyChange?: boolean;
}

export class PushHub {
  private readonly byUser = new Map<string, Set<Waiter>>();
  private readonly byDevice = new Map<string, Waiter>();
  private closed = false;

  /** Feed it the mail backend's change events: `backend.onChange((e) => hub.publish(e))`. */
  publish(e: MailChangeEvent): void {
    const waiters = this.byUser.get(e.userId);
    if (!waiters) return;
    for (const w of [...waiters]) {
      if (e.kind === 'folders') {
        w.finish({ kind: 'changed', folderIds: [] });
        continue;
      }
      // [MS-ASCMD] 2.2.1.13: Ping SHOULD answer for additions only, not flag changes or deletions.
      if (e.kind === 'change' && !w.anyChange) continue;
      if (w.folders.has(e.folderId)) w.finish({ kind: 'changed', folderIds: [e.folderId] });
    }
  }

  wait(o: WaitOptions): Promise<WaitResult> {
    if (this.closed) return Promise.resolve({ kind: 'closed' });
    this.byDevice.get(o.deviceKey)?.finish({ kind: 'superseded' });
    return new Promise<WaitResult>((resolve) => {
      let done = false;
      const waiter: Waiter = {
        userId: o.userId,
        deviceKey: o.deviceKey,
        folders: new Set(o.folderIds),
        anyChange: o.anyChange ?? false,
        finish: (r) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          const set = this.byUser.get(o.userId);
          set?.delete(waiter);
          if (set && set.size === 0) this.byUser.delete(o.userId);
          if (this.byDevice.get(o.deviceKey) === waiter) this.byDevice.delete(o.deviceKey);
          resolve(r);
        },
      };
      const timer = setTimeout(() => waiter.finish({ kind: 'timeout' }), Math.max(0, o.timeoutMs));
      let set = this.byUser.get(o.userId);
      if (!set) this.byUser.set(o.userId, (set = new Set()));
      set.add(waiter);
      this.byDevice.set(o.deviceKey, waiter);
    });
  }

  /** Waiters held now. */
  get size(): number {
    return this.byDevice.size;
  }

  /** End every wait (server shutdown). */
  close(): void {
    this.closed = true;
    for (const w of [...this.byDevice.values()]) w.finish({ kind: 'closed' });
  }
}
