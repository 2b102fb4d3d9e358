// The IMAP + SMTP mail backend: a MailBackend over any IMAP4rev1 server (imapflow) and an SMTP
// submission server (nodemailer), passing the device's EAS credentials through. Nothing is
// written to disk; per-user connections and credentials live in memory for `sessionTtlMs`.
//
// Ids: a folder id is the mailbox path ("INBOX", "Archive/2024"); a message id is its UID as a
// decimal string; a checkpoint is described in checkpoint.ts.
import type { ImapFlow } from 'imapflow';
import { MailAuthError } from '../types.js';
import type { MailBackend, MailChangeEvent, MailCredentials, MailSession } from '../types.js';
import { connectImap, type ImapServerOptions } from './client.js';
import { describeError, type MailLog } from './log.js';
import { ConnectionPool, type UserPool } from './pool.js';
import { ImapSession, type SessionUser } from './session.js';
import type { SmtpServerOptions } from './smtp.js';
import { FolderWatcher } from './watcher.js';

export type { ImapServerOptions } from './client.js';
export type { MailLog } from './log.js';
export type { SmtpServerOptions } from './smtp.js';
export { parseCheckpoint } from './checkpoint.js';

export interface ImapBackendOptions {
  imap: ImapServerOptions;
  smtp: SmtpServerOptions;
  /**
   * Forget a user (log out, drop the in-memory credentials and the watch connection) this long
   * after the last call, once no session is open. Default 10 minutes.
   */
  sessionTtlMs?: number;
  /** Command connections per user (the watch connection is one more). Default 4. */
  maxConnectionsPerUser?: number;
  log: MailLog;
  /** A free command connection is logged out after this long. Default min(sessionTtlMs, 4 min). */
  connectionIdleMs?: number;
  /** How often the watcher polls LIST-STATUS for folders other than INBOX. Default 30 s. */
  watchPollMs?: number;
  /** How long a call waits for a connection when the user is at the cap. Default 30 s. */
  acquireTimeoutMs?: number;
  /** How long the first open() of a user waits for the watcher to have INBOX selected. Default 2 s. */
  watchReadyWaitMs?: number;
}

/** An open session pins its user at most this long after its last call: above EAS's longest Ping (3540 s). */
const MAX_PIN_MS = 65 * 60_000;

export function createImapBackend(
  opts: ImapBackendOptions,
): MailBackend & { verifyLogin(credentials: MailCredentials): Promise<boolean> } {
  return new ImapBackend(opts);
}

class ImapBackend implements MailBackend {
  readonly kind = 'imap';
  private readonly listeners = new Set<(e: MailChangeEvent) => void>();
  private readonly watchers = new Map<string, FolderWatcher>();
  private readonly pool: ConnectionPool<ImapFlow>;
  private closed = false;

  constructor(private readonly opts: ImapBackendOptions) {
    const ttl = opts.sessionTtlMs ?? 10 * 60_000;
    this.pool = new ConnectionPool<ImapFlow>({
      connect: (credentials) => this.connect(credentials, 'command'),
      sessionTtlMs: ttl,
      connectionIdleMs: opts.connectionIdleMs ?? Math.min(ttl, 4 * 60_000),
      maxConnectionsPerUser: Math.max(1, opts.maxConnectionsPerUser ?? 4),
      acquireTimeoutMs: opts.acquireTimeoutMs ?? 30_000,
      maxPinMs: Math.max(ttl, MAX_PIN_MS),
      log: opts.log,
      onUserOpen: (u) => this.startWatcher(u),
      onUserCredentials: (u) => {
        void this.stopWatcher(u.userId).then(() => this.startWatcher(u));
      },
      onUserEvict: (u) => void this.stopWatcher(u.userId),
    });
  }

  private connect(credentials: MailCredentials, purpose: 'command' | 'watch'): Promise<ImapFlow> {
    return connectImap({
      server: this.opts.imap,
      credentials,
      purpose,
      log: this.opts.log,
      // IDLE must get going between two polls, or INBOX would only be seen by IDLE's absence.
      idleDelayMs: Math.max(10, Math.min(100, Math.floor(this.pollMs / 4))),
    });
  }

  private get pollMs(): number {
    return this.opts.watchPollMs ?? 30_000;
  }

  private emit(e: MailChangeEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch (err) {
        this.opts.log.warn({ err: describeError(err) }, 'mail: onChange listener threw');
      }
    }
  }

  /** At most one watcher per user, and only while someone listens. */
  private startWatcher(u: UserPool<ImapFlow>): void {
    if (this.closed || this.listeners.size === 0 || this.watchers.has(u.userId) || u.closed) return;
    const w = new FolderWatcher({
      userId: u.userId,
      connect: () => {
        const creds = u.credentials();
        if (!creds) return Promise.reject(new Error('user evicted'));
        return this.connect(creds, 'watch');
      },
      emit: (e) => this.emit(e),
      log: this.opts.log,
      pollMs: this.pollMs,
    });
    this.watchers.set(u.userId, w);
  }

  private async stopWatcher(userId: string): Promise<void> {
    const w = this.watchers.get(userId);
    if (!w) return;
    this.watchers.delete(userId);
    await w.stop();
  }

  async open(user: SessionUser, credentials: MailCredentials): Promise<MailSession> {
    const u = await this.pool.open(user.id, credentials);
    const w = this.watchers.get(user.id);
    if (w) {
      let timer: NodeJS.Timeout | undefined;
      const wait = new Promise<void>(
        (resolve) => (timer = setTimeout(resolve, this.opts.watchReadyWaitMs ?? 2000)),
      );
      await Promise.race([w.ready, wait]);
      clearTimeout(timer);
    }
    return new ImapSession(
      { pool: this.pool, smtp: this.opts.smtp, emit: (e) => this.emit(e), log: this.opts.log },
      user,
      { username: credentials.username, password: credentials.password },
      u,
    );
  }

  /**
   * Whether the IMAP server accepts these credentials (a LOGIN on a connection of its own, then
   * LOGOUT). False for refused credentials; throws MailBackendError when the server cannot be asked.
   */
  async verifyLogin(credentials: MailCredentials): Promise<boolean> {
    let client: ImapFlow;
    try {
      client = await this.connect(credentials, 'command');
    } catch (err) {
      if (err instanceof MailAuthError) return false;
      throw err;
    }
    await client.logout().catch(() => client.close());
    return true;
  }

  onChange(listener: (e: MailChangeEvent) => void): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) for (const u of this.pool.all()) this.startWatcher(u);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) for (const id of [...this.watchers.keys()]) void this.stopWatcher(id);
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.pool.close();
    await Promise.all([...this.watchers.keys()].map((id) => this.stopWatcher(id)));
  }
}
