// Autoblock: an in-memory, per-device tracker of misbehaviour (user-agent churn, identical commands,
// Sync storms). It only says when a threshold is crossed; the caller persists the block, and
// evaluateAccess enforces it from AccessInput.autoblock. Memory is bounded (idle eviction, key cap).
import type { AutoblockRule, AutoblockSettings } from './types.js';

export type AutoblockReason = 'CommandFrequency' | 'UserAgentsChanges' | 'SyncCommands';

export interface AutoblockHit {
  reason: AutoblockReason;
  until: Date;
}

export interface RecordedRequest {
  /** EAS command name as on the wire: "Sync", "Ping", "FolderSync". */
  cmd: string;
  /**
   * A digest of the request body (e.g. SHA-1 hex), '' for an empty body. Undefined = not tracked: the
   * request then does not count towards CommandFrequency, since nothing says it is identical.
   */
  bodyDigest?: string;
  userAgent: string | null;
}

/**
 * Defaults. UserAgentsChanges is [MS-ASHTTP] 3.2.5.1.1: at most 2 changes per 24 h, then a 14 h block.
 * Exchange does not publish the others, so they are set where a healthy phone never reaches them:
 * - CommandFrequency: more than 100 identical requests in 10 min (one every 6 s, sustained). A phone that
 *   polls with Sync+Wait repeats its request at most once a minute (Wait/HeartbeatInterval are >= 60 s);
 *   a sync loop resends the same SyncKey many times a second. Ping is exempt (see PING_EXEMPT).
 * - SyncCommands: more than 3,000 Sync requests in 1 h (one every 1.2 s for an hour). An initial sync of a
 *   large mailbox at WindowSize 25-100 takes hundreds of Syncs, not thousands; steady use takes a few a minute.
 * Both block for 1 h: long enough to stop a loop hammering the server, short enough that a false positive
 * heals by itself.
 */
export const DEFAULT_AUTOBLOCK: AutoblockSettings = {
  commandFrequency: { enabled: true, limit: 100, windowSeconds: 10 * 60, blockSeconds: 60 * 60 },
  userAgentChanges: { enabled: true, limit: 2, windowSeconds: 24 * 60 * 60, blockSeconds: 14 * 60 * 60 },
  syncCommands: { enabled: true, limit: 3000, windowSeconds: 60 * 60, blockSeconds: 60 * 60 },
};

/**
 * Ping is exempt from CommandFrequency: a phone re-sends the very same Ping body after every heartbeat
 * and after every change notification, so on a busy mailbox identical Pings are normal.
 */
export const PING_EXEMPT: readonly string[] = ['Ping'];

export interface AutoblockTrackerOptions {
  settings?: AutoblockSettings;
  clock?: () => Date;
  /** Most devices tracked at once; the least recently seen is dropped beyond it. Default 50,000. */
  maxDevices?: number;
  /** Commands never counted as identical commands. Default PING_EXEMPT. */
  exemptCommands?: readonly string[];
}

export interface AutoblockTracker {
  /**
   * Records one request. Returns the new block on the request that crosses a threshold, else null.
   * While that block lasts requests are not counted and null is returned: the caller persists the block
   * and refuses the device through evaluateAccess. Counters start afresh after a block.
   */
  recordRequest(deviceKey: string, req: RecordedRequest): AutoblockHit | null;
  /** The block this tracker raised for the device, if still active. */
  activeBlock(deviceKey: string): AutoblockHit | null;
  /** Forget a device (an admin lifted its block, or the partnership was removed). */
  forget(deviceKey: string): void;
  /** Drop devices idle longer than every window; returns how many. Also runs whenever a new device arrives. */
  sweep(): number;
  /** Devices tracked now. */
  readonly size: number;
}

/** User-Agent characters compared and kept per device. */
const MAX_UA = 1024;
/** Identical-command keys kept per device: a loop repeats one or two requests, so a few suffice. */
const MAX_COMMAND_KEYS = 4;
/** Limits at or below this are counted exactly; above, in buckets (memory stays small at limit 3,000). */
const EXACT_MAX = 32;
/** Buckets per window for large limits: the window counted is between 11/12 of its length and all of it. */
const BUCKETS = 12;

/** Counts events in a sliding window; add() says whether more than `limit` are now inside it. */
interface WindowCounter {
  add(now: number): boolean;
}

class ExactCounter implements WindowCounter {
  private times: number[] = [];
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}
  add(now: number): boolean {
    const t = this.times;
    t.push(now);
    while (t.length > 0 && (t[0] ?? 0) <= now - this.windowMs) t.shift();
    if (t.length > this.limit + 1) t.shift();
    return t.length > this.limit;
  }
}

/** Counts per bucket of windowMs/BUCKETS; never counts an event older than the window. */
class BucketCounter implements WindowCounter {
  private readonly ids = new Float64Array(BUCKETS).fill(-Infinity);
  private readonly counts = new Uint32Array(BUCKETS);
  private readonly bucketMs: number;
  constructor(
    private readonly limit: number,
    windowMs: number,
  ) {
    this.bucketMs = windowMs / BUCKETS;
  }
  add(now: number): boolean {
    const id = Math.floor(now / this.bucketMs);
    const slot = ((id % BUCKETS) + BUCKETS) % BUCKETS;
    if (this.ids[slot] !== id) {
      this.ids[slot] = id;
      this.counts[slot] = 0;
    }
    this.counts[slot] = (this.counts[slot] ?? 0) + 1;
    let total = 0;
    for (let i = 0; i < BUCKETS; i++)
      if ((this.ids[i] ?? -Infinity) > id - BUCKETS) total += this.counts[i] ?? 0;
    return total > this.limit;
  }
}

interface DeviceState {
  lastSeen: number;
  blocked: AutoblockHit | null;
  lastUserAgent: string | null;
  uaChanges: WindowCounter | null;
  syncs: WindowCounter | null;
  commands: Map<string, WindowCounter>;
}

/** A rule is off when disabled or when any of its numbers is not positive (Exchange: limit 0 = off). */
function isOn(rule: AutoblockRule): boolean {
  return rule.enabled && rule.limit > 0 && rule.windowSeconds > 0 && rule.blockSeconds > 0;
}

function counterFor(rule: AutoblockRule): WindowCounter {
  const windowMs = rule.windowSeconds * 1000;
  return rule.limit <= EXACT_MAX
    ? new ExactCounter(rule.limit, windowMs)
    : new BucketCounter(rule.limit, windowMs);
}

export function createAutoblockTracker(options: AutoblockTrackerOptions = {}): AutoblockTracker {
  const settings = options.settings ?? DEFAULT_AUTOBLOCK;
  const clock = options.clock ?? (() => new Date());
  const maxDevices = Math.max(1, options.maxDevices ?? 50_000);
  const exempt = new Set(options.exemptCommands ?? PING_EXEMPT);
  const rules = [settings.userAgentChanges, settings.commandFrequency, settings.syncCommands];
  // A device idle for longer than every window has nothing left to count.
  const idleMs = Math.max(0, ...rules.filter(isOn).map((r) => r.windowSeconds * 1000));
  const devices = new Map<string, DeviceState>();

  // Map order is least-recently-seen first (stateFor re-inserts on every request), so the sweep stops at
  // the first device seen inside the idle window: cheap enough to run whenever a new device arrives.
  const sweepAt = (now: number): number => {
    let dropped = 0;
    for (const [key, st] of devices) {
      if (st.lastSeen > now - idleMs) break;
      if (!st.blocked || st.blocked.until.getTime() <= now) {
        devices.delete(key);
        dropped++;
      }
    }
    return dropped;
  };

  const block = (
    st: DeviceState,
    reason: AutoblockReason,
    rule: AutoblockRule,
    now: number,
  ): AutoblockHit => {
    const hit = { reason, until: new Date(now + rule.blockSeconds * 1000) };
    st.blocked = hit;
    st.uaChanges = null;
    st.syncs = null;
    st.commands.clear();
    return { ...hit };
  };

  const stateFor = (key: string, now: number): DeviceState => {
    let st = devices.get(key);
    if (st) {
      // Re-insert so Map order is least-recently-seen first.
      devices.delete(key);
    } else {
      sweepAt(now);
      while (devices.size >= maxDevices) {
        const oldest = devices.keys().next().value;
        if (oldest === undefined) break;
        devices.delete(oldest);
      }
      st = {
        lastSeen: now,
        blocked: null,
        lastUserAgent: null,
        uaChanges: null,
        syncs: null,
        commands: new Map(),
      };
    }
    devices.set(key, st);
    st.lastSeen = now;
    return st;
  };

  return {
    recordRequest(deviceKey, req) {
      const now = clock().getTime();
      const st = stateFor(deviceKey, now);
      if (st.blocked && st.blocked.until.getTime() > now) return null;
      st.blocked = null;

      const ua = settings.userAgentChanges;
      if (req.userAgent !== null && req.userAgent !== undefined) {
        // Compared on the first 1 KB (as parseUserAgent reads it), so memory per device stays bounded.
        const seen = req.userAgent.slice(0, MAX_UA);
        const changed = st.lastUserAgent !== null && st.lastUserAgent !== seen;
        st.lastUserAgent = seen;
        if (changed && isOn(ua) && (st.uaChanges ??= counterFor(ua)).add(now)) {
          return block(st, 'UserAgentsChanges', ua, now);
        }
      }

      const cf = settings.commandFrequency;
      if (req.bodyDigest !== undefined && isOn(cf) && !exempt.has(req.cmd)) {
        const key = `${req.cmd}\u0000${req.bodyDigest}`;
        let c = st.commands.get(key);
        if (c) st.commands.delete(key);
        else {
          c = counterFor(cf);
          if (st.commands.size >= MAX_COMMAND_KEYS) {
            const oldest = st.commands.keys().next().value;
            if (oldest !== undefined) st.commands.delete(oldest);
          }
        }
        st.commands.set(key, c);
        if (c.add(now)) return block(st, 'CommandFrequency', cf, now);
      }

      const sc = settings.syncCommands;
      if (req.cmd === 'Sync' && isOn(sc) && (st.syncs ??= counterFor(sc)).add(now)) {
        return block(st, 'SyncCommands', sc, now);
      }
      return null;
    },
    activeBlock(deviceKey) {
      const b = devices.get(deviceKey)?.blocked;
      return b && b.until.getTime() > clock().getTime() ? { ...b } : null;
    },
    forget(deviceKey) {
      devices.delete(deviceKey);
    },
    sweep() {
      return sweepAt(clock().getTime());
    },
    get size() {
      return devices.size;
    },
  };
}
