// The per-user IMAP connection pool: in memory only, time limited, capped. It holds a user's
// credentials (to open more connections) for as long as the user has open sessions or used them
// within `sessionTtlMs`; eviction logs the connections out and forgets the credentials.
// Generic over the connection so the unit tests can drive it without a server.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { MailBackendError, type MailCredentials } from '../types.js';
import type { MailLog } from './log.js';
import { describeError } from './log.js';

/** What the pool needs of a connection (imapflow's ImapFlow has all of it). */
export interface PoolConnection {
  readonly usable: boolean;
  logout(): Promise<void>;
  close(): void;
}

export interface PoolOptions<C extends PoolConnection> {
  /** Open and authenticate a connection; rejects with MailAuthError when the server refuses. */
  connect(credentials: MailCredentials): Promise<C>;
  /** A user is forgotten (connections logged out, credentials dropped) after this long unused. */
  sessionTtlMs: number;
  /** A free connection is logged out after this long unused (kept below server autologout). */
  connectionIdleMs: number;
  /** Command connections per user; callers beyond it wait for one to be released. */
  maxConnectionsPerUser: number;
  /** How long a caller waits for a connection when the user is at the cap. */
  acquireTimeoutMs: number;
  /** An open session keeps its user at most this long after the last use (a leaked session must not pin credentials forever). */
  maxPinMs: number;
  log: MailLog;
  now?: () => number;
  /** A user entry was created (first authenticated open). */
  onUserOpen?(user: UserPool<C>): void;
  /** The user's credentials changed (a new password authenticated). */
  onUserCredentials?(user: UserPool<C>): void;
  /** The user entry was evicted or the pool closed. */
  onUserEvict?(user: UserPool<C>): void;
}

interface Waiter<C> {
  resolve(conn: C): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/** One user's connections and (in memory) credentials. */
export class UserPool<C extends PoolConnection> {
  private creds: MailCredentials | null;
  private fingerprint: Buffer;
  private readonly free: Array<{ conn: C; since: number }> = [];
  private readonly busy = new Set<C>();
  private readonly generationOf = new WeakMap<C, number>();
  private readonly waiters: Array<Waiter<C>> = [];
  private generation = 0;
  private connecting = 0;
  private pins = 0;
  lastUsed: number;
  closed = false;

  constructor(
    readonly userId: string,
    credentials: MailCredentials,
    fingerprint: Buffer,
    first: C,
    private readonly opts: PoolOptions<C>,
    private readonly now: () => number,
  ) {
    this.creds = { username: credentials.username, password: credentials.password };
    this.fingerprint = fingerprint;
    this.lastUsed = now();
    this.generationOf.set(first, 0);
    this.free.push({ conn: first, since: this.lastUsed });
  }

  /** The current credentials (for the watcher's reconnects); null once evicted. */
  credentials(): MailCredentials | null {
    return this.creds;
  }

  matches(fingerprint: Buffer): boolean {
    return fingerprint.length === this.fingerprint.length && timingSafeEqual(fingerprint, this.fingerprint);
  }

  /** Counts for tests and metrics. */
  stats(): { free: number; busy: number; connecting: number; waiting: number; pins: number } {
    return {
      free: this.free.length,
      busy: this.busy.size,
      connecting: this.connecting,
      waiting: this.waiters.length,
      pins: this.pins,
    };
  }

  /** An open session pins the user until it is closed; returns the unpin function. */
  pin(): () => void {
    this.pins++;
    this.lastUsed = this.now();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.pins--;
      this.lastUsed = this.now();
    };
  }

  /** A new password authenticated `conn`: older connections are retired as they come back. */
  replaceCredentials(credentials: MailCredentials, fingerprint: Buffer, conn: C): void {
    this.creds = { username: credentials.username, password: credentials.password };
    this.fingerprint = fingerprint;
    this.generation++;
    for (const f of this.free.splice(0)) this.dispose(f.conn);
    this.generationOf.set(conn, this.generation);
    this.give(conn);
  }

  async acquire(): Promise<C> {
    if (this.closed) throw new MailBackendError('imap: session expired');
    this.lastUsed = this.now();
    for (let f = this.free.pop(); f; f = this.free.pop()) {
      if (f.conn.usable) {
        this.busy.add(f.conn);
        return f.conn;
      }
      this.dispose(f.conn);
    }
    if (this.busy.size + this.connecting < this.opts.maxConnectionsPerUser) return this.grow();
    return new Promise<C>((resolve, reject) => {
      const waiter: Waiter<C> = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(new MailBackendError('imap: timed out waiting for a free connection'));
        }, this.opts.acquireTimeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Give a connection back; `discard` (or a dead or retired connection) closes it instead. */
  release(conn: C, discard = false): void {
    this.busy.delete(conn);
    this.lastUsed = this.now();
    if (discard || this.closed || !conn.usable || this.generationOf.get(conn) !== this.generation) {
      this.dispose(conn);
      this.pump();
      return;
    }
    this.give(conn);
  }

  private give(conn: C): void {
    const w = this.waiters.shift();
    if (w) {
      clearTimeout(w.timer);
      this.busy.add(conn);
      w.resolve(conn);
      return;
    }
    this.free.push({ conn, since: this.now() });
  }

  private async grow(): Promise<C> {
    const creds = this.creds;
    if (!creds) throw new MailBackendError('imap: session expired');
    const generation = this.generation;
    this.connecting++;
    try {
      const conn = await this.opts.connect(creds);
      this.generationOf.set(conn, generation);
      if (this.closed) {
        this.dispose(conn);
        throw new MailBackendError('imap: session expired');
      }
      this.busy.add(conn);
      return conn;
    } finally {
      this.connecting--;
    }
  }

  /** A waiter whose connection was discarded gets a new one when there is room. */
  private pump(): void {
    if (this.waiters.length === 0 || this.closed) return;
    if (this.busy.size + this.connecting >= this.opts.maxConnectionsPerUser) return;
    const w = this.waiters.shift() as Waiter<C>;
    clearTimeout(w.timer);
    this.grow().then(w.resolve, (err: unknown) => {
      w.reject(err instanceof Error ? err : new MailBackendError('imap: connect failed'));
      this.pump();
    });
  }

  private dispose(conn: C): void {
    if (!conn.usable) {
      conn.close();
      return;
    }
    conn.logout().catch((err: unknown) => {
      this.opts.log.debug({ userId: this.userId, err: describeError(err) }, 'imap: logout failed');
      conn.close();
    });
  }

  /** Close free connections idle too long; true when the whole user should be evicted. */
  sweep(now: number): boolean {
    for (let i = this.free.length - 1; i >= 0; i--) {
      const f = this.free[i] as { conn: C; since: number };
      if (now - f.since >= this.opts.connectionIdleMs || !f.conn.usable) {
        this.free.splice(i, 1);
        this.dispose(f.conn);
      }
    }
    if (this.busy.size > 0 || this.connecting > 0 || this.waiters.length > 0) return false;
    const idle = now - this.lastUsed;
    return this.pins > 0 ? idle >= this.opts.maxPinMs : idle >= this.opts.sessionTtlMs;
  }

  /** Log everything out and forget the credentials. Busy connections close when released. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.creds = null;
    this.fingerprint = Buffer.alloc(0);
    for (const f of this.free.splice(0)) this.dispose(f.conn);
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new MailBackendError('imap: session expired'));
    }
  }
}

/** Every user's pool, plus the sweep timer. */
export class ConnectionPool<C extends PoolConnection> {
  private readonly users = new Map<string, UserPool<C>>();
  private readonly opening = new Map<string, Promise<UserPool<C>>>();
  /** Keys the credential fingerprints; random per process so they are useless anywhere else. */
  private readonly key = randomBytes(32);
  private readonly timer: NodeJS.Timeout;
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly opts: PoolOptions<C>) {
    this.now = opts.now ?? Date.now;
    const every = Math.max(
      20,
      Math.min(30_000, Math.floor(Math.min(opts.sessionTtlMs, opts.connectionIdleMs) / 4)),
    );
    this.timer = setInterval(() => this.sweep(), every);
    this.timer.unref();
  }

  private fingerprintOf(c: MailCredentials): Buffer {
    return createHmac('sha256', this.key).update(c.username).update('\0').update(c.password).digest();
  }

  /**
   * The user's pool, authenticating first unless these exact credentials already did: a request
   * with another password never rides on connections that an earlier password opened.
   */
  async open(userId: string, credentials: MailCredentials): Promise<UserPool<C>> {
    if (this.closed) throw new MailBackendError('imap: backend closed');
    const fp = this.fingerprintOf(credentials);
    for (;;) {
      const existing = this.users.get(userId);
      if (existing && !existing.closed && existing.matches(fp)) {
        existing.lastUsed = this.now();
        return existing;
      }
      const pending = this.opening.get(userId);
      if (!pending) break;
      await pending.catch(() => undefined);
    }
    const attempt = (async () => {
      const conn = await this.opts.connect(credentials);
      const current = this.users.get(userId);
      if (this.closed) {
        conn.close();
        throw new MailBackendError('imap: backend closed');
      }
      if (current && !current.closed) {
        current.replaceCredentials(credentials, fp, conn);
        this.opts.log.info({ userId }, 'imap: credentials changed, older connections retired');
        this.opts.onUserCredentials?.(current);
        return current;
      }
      const user = new UserPool<C>(userId, credentials, fp, conn, this.opts, this.now);
      this.users.set(userId, user);
      this.opts.log.debug({ userId }, 'imap: user pool opened');
      this.opts.onUserOpen?.(user);
      return user;
    })();
    this.opening.set(userId, attempt);
    try {
      return await attempt;
    } finally {
      if (this.opening.get(userId) === attempt) this.opening.delete(userId);
    }
  }

  get(userId: string): UserPool<C> | undefined {
    return this.users.get(userId);
  }

  all(): UserPool<C>[] {
    return [...this.users.values()];
  }

  sweep(): void {
    const now = this.now();
    for (const [id, user] of this.users) {
      if (user.sweep(now)) this.evict(id, user);
    }
  }

  private evict(id: string, user: UserPool<C>): void {
    this.users.delete(id);
    user.close();
    this.opts.log.debug({ userId: id }, 'imap: user pool evicted');
    this.opts.onUserEvict?.(user);
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    for (const [id, user] of this.users) this.evict(id, user);
  }
}
