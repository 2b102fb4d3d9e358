// Holds waiting Pings (and Sync with Wait) without a thread, poll, database or IMAP connection
// per device: each watch is a few objects in memory (a set of folder ids, at most one promise and
// one timer while it waits), woken by the mail backend's change events for its user. A newer watch
// from the same device key supersedes the old one. Not the protocol: the commands decide what a
// wake means (src/eas/commands/ping/hold.ts, src/eas/commands/sync.ts).
import type { MailChangeEvent } from '../mail/types.js';

export type WaitResult =
  /** `hierarchy`: the user's folder list changed (folderIds may then be empty). */
  | { kind: 'changed'; folderIds: string[]; hierarchy?: true }
  | { kind: 'timeout' }
  | { kind: 'superseded' }
  | { kind: 'closed' };

/** How long and how wide a held request may be; the commands answer out-of-range requests with these. */
export interface PushLimits {
  /** [MS-ASCMD] 2.2.3.88.1 Ping HeartbeatInterval bounds, seconds (Exchange: 60–3540). */
  minHeartbeatSeconds: number;
  maxHeartbeatSeconds: number;
  /** Folders one Ping may watch ([MS-ASCMD] 2.2.3.102 MaxFolders; Exchange's default is 300). */
  maxFolders: number;
}

export const DEFAULT_PUSH_LIMITS: Readonly<PushLimits> = {
  minHeartbeatSeconds: 60,
  maxHeartbeatSeconds: 3540,
  maxFolders: 300,
};

/**
 * Upper bound for any configured heartbeat: Exchange's own maximum. Longer holds outlive the idle
 * timeouts of the proxies and carrier NATs phones sit behind, so nothing is gained by allowing them.
 */
export const MAX_HEARTBEAT_SECONDS = 3540;

export interface WatchOptions {
  userId: string;
  /** One watch per key (a device's association id, prefixed by the command): a new watch ends the previous one. */
  deviceKey: string;
  /** Backend folder ids to watch. */
  folderIds: Iterable<string>;
  /** Wake on flag changes and deletes too (Sync+Wait), not only on arrivals (Ping). */
  anyChange?: boolean;
}

export interface WaitOptions extends WatchOptions {
  timeoutMs: number;
}

/** A registered interest in a user's folders, from before the caller's first look until close(). */
export interface PushWatch {
  /** Whether a change arrived that the next wait() will return at once. */
  readonly pending: boolean;
  /**
   * The next change, or timeout after `timeoutMs`. Changes that arrived since the watch began or
   * since the last wait() are returned at once, so nothing between a look and the wait is missed.
   * After 'superseded' or 'closed' every call returns that again.
   */
  wait(timeoutMs: number): Promise<WaitResult>;
  /** Stops watching; idempotent. A wait in progress resolves 'closed'. */
  close(): void;
}

class Watcher implements PushWatch {
  readonly folders: ReadonlySet<string>;
  readonly anyChange: boolean;
  private changedIds: Set<string> | null = null;
  private hierarchy = false;
  private final: WaitResult | null = null;
  private waiting: { resolve: (r: WaitResult) => void; timer: NodeJS.Timeout } | null = null;

  constructor(
    readonly userId: string,
    readonly deviceKey: string,
    o: WatchOptions,
    private readonly detach: (w: Watcher) => void,
  ) {
    this.folders = new Set(o.folderIds);
    this.anyChange = o.anyChange ?? false;
  }

  get pending(): boolean {
    return this.final === null && (this.changedIds !== null || this.hierarchy);
  }

  /** A matching event: `folderId` null for a hierarchy change. */
  notify(folderId: string | null): void {
    if (this.final) return;
    if (folderId === null) this.hierarchy = true;
    else (this.changedIds ??= new Set()).add(folderId);
    if (this.waiting) this.settle(this.takeChange());
  }

  /** Ends the watch for good (superseded, hub closed, owner closed). */
  end(r: WaitResult): void {
    if (this.final) return;
    this.final = r;
    this.detach(this);
    if (this.waiting) this.settle(r);
  }

  wait(timeoutMs: number): Promise<WaitResult> {
    if (this.final) return Promise.resolve(this.final);
    if (this.changedIds || this.hierarchy) return Promise.resolve(this.takeChange());
    // One wait at a time: a second call ends the first as a timeout (nothing changed for it).
    if (this.waiting) this.settle({ kind: 'timeout' });
    return new Promise<WaitResult>((resolve) => {
      const timer = setTimeout(() => this.settle({ kind: 'timeout' }), Math.max(0, timeoutMs));
      this.waiting = { resolve, timer };
    });
  }

  close(): void {
    this.end({ kind: 'closed' });
  }

  private takeChange(): WaitResult {
    const r: WaitResult = { kind: 'changed', folderIds: [...(this.changedIds ?? [])] };
    if (this.hierarchy) r.hierarchy = true;
    this.changedIds = null;
    this.hierarchy = false;
    return r;
  }

  private settle(r: WaitResult): void {
    const w = this.waiting;
    if (!w) return;
    this.waiting = null;
    clearTimeout(w.timer);
    w.resolve(r);
  }
}

/** Checks configured limits; throws a RangeError naming the bad one. */
export function resolvePushLimits(partial: Partial<PushLimits> = {}): PushLimits {
  const l = { ...DEFAULT_PUSH_LIMITS, ...partial };
  const whole = (n: number) => Number.isSafeInteger(n) && n >= 1;
  if (!whole(l.minHeartbeatSeconds) || l.minHeartbeatSeconds > MAX_HEARTBEAT_SECONDS) {
    throw new RangeError(`push: minHeartbeatSeconds must be 1..${MAX_HEARTBEAT_SECONDS}`);
  }
  if (
    !whole(l.maxHeartbeatSeconds) ||
    l.maxHeartbeatSeconds > MAX_HEARTBEAT_SECONDS ||
    l.maxHeartbeatSeconds < l.minHeartbeatSeconds
  ) {
    throw new RangeError(`push: maxHeartbeatSeconds must be minHeartbeatSeconds..${MAX_HEARTBEAT_SECONDS}`);
  }
  if (!whole(l.maxFolders) || l.maxFolders > 10_000)
    throw new RangeError('push: maxFolders must be 1..10000');
  return l;
}

export class PushHub {
  readonly limits: Readonly<PushLimits>;
  private readonly byUser = new Map<string, Set<Watcher>>();
  private readonly byDevice = new Map<string, Watcher>();
  private closed = false;

  constructor(o: { limits?: Partial<PushLimits> } = {}) {
    this.limits = Object.freeze(resolvePushLimits(o.limits));
  }

  /** Feed it the mail backend's change events: `backend.onChange((e) => hub.publish(e))`. */
  publish(e: MailChangeEvent): void {
    const watchers = this.byUser.get(e.userId);
    if (!watchers) return;
    for (const w of [...watchers]) {
      if (e.kind === 'folders') {
        w.notify(null);
        continue;
      }
      // [MS-ASCMD] 2.2.1.13: Ping SHOULD answer for additions only, not flag changes or deletions.
      if (e.kind === 'change' && !w.anyChange) continue;
      if (w.folders.has(e.folderId)) w.notify(e.folderId);
    }
  }

  /** Starts watching now (superseding the key's previous watch); see PushWatch. */
  watch(o: WatchOptions): PushWatch {
    const w = new Watcher(o.userId, o.deviceKey, o, (x) => this.detach(x));
    if (this.closed) {
      w.end({ kind: 'closed' });
      return w;
    }
    this.byDevice.get(o.deviceKey)?.end({ kind: 'superseded' });
    let set = this.byUser.get(o.userId);
    if (!set) this.byUser.set(o.userId, (set = new Set()));
    set.add(w);
    this.byDevice.set(o.deviceKey, w);
    return w;
  }

  /** One-shot: watch, wait for the first result, stop watching. */
  async wait(o: WaitOptions): Promise<WaitResult> {
    const w = this.watch(o);
    try {
      return await w.wait(o.timeoutMs);
    } finally {
      w.close();
    }
  }

  /** Watches held now. */
  get size(): number {
    return this.byDevice.size;
  }

  /** End every watch (server shutdown); later watches end at once. */
  close(): void {
    this.closed = true;
    for (const w of [...this.byDevice.values()]) w.end({ kind: 'closed' });
  }

  private detach(w: Watcher): void {
    const set = this.byUser.get(w.userId);
    set?.delete(w);
    if (set && set.size === 0) this.byUser.delete(w.userId);
    if (this.byDevice.get(w.deviceKey) === w) this.byDevice.delete(w.deviceKey);
  }
}
