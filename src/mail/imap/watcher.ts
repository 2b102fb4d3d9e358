// Change notifications for one user: a single connection that IDLEs on INBOX (RFC 2177) and polls
// LIST-STATUS for every other folder every `pollMs`. Without IDLE, the poll covers INBOX too. It
// reconnects with back-off when the connection drops and gives up when the password is refused.
import type { ImapFlow } from 'imapflow';
import { MailAuthError, type MailChangeEvent } from '../types.js';
import { describeError, type MailLog } from './log.js';

export interface WatcherDeps {
  userId: string;
  /** A watch connection with the user's current credentials. */
  connect(): Promise<ImapFlow>;
  emit(e: MailChangeEvent): void;
  log: MailLog;
  pollMs: number;
  /** Reconnect back-off: first delay, doubled up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

interface FolderState {
  uidValidity: string;
  uidNext: number;
  messages: number;
  highestModseq: string;
}

const INBOX = 'INBOX';

export class FolderWatcher {
  /** Resolves once INBOX is selected and the first snapshot taken (or the first attempt failed). */
  readonly ready: Promise<void>;
  private markReady!: () => void;
  private stopped = false;
  private wake!: () => void;
  private readonly stopSignal: Promise<void>;
  private client: ImapFlow | null = null;
  private snapshot = new Map<string, FolderState>();
  private hadSnapshot = false;
  private idle = false;
  private polling = false;
  private readonly done: Promise<void>;

  constructor(private readonly deps: WatcherDeps) {
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.stopSignal = new Promise((resolve) => (this.wake = resolve));
    this.done = this.run();
  }

  /** True while a connection is up (for tests). */
  get connected(): boolean {
    return this.client?.usable ?? false;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.done;
  }

  private emit(folderId: string, kind: MailChangeEvent['kind']): void {
    this.deps.emit({ userId: this.deps.userId, folderId, kind });
  }

  private async run(): Promise<void> {
    const first = this.deps.backoffMs ?? 1000;
    let backoff = first;
    while (!this.stopped) {
      let client: ImapFlow | null = null;
      try {
        client = await this.deps.connect();
        if (this.stopped) break;
        this.client = client;
        const c = client;
        const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
        c.on('exists', (e: { path: string; count: number; prevCount: number }) => {
          if (e.count > e.prevCount) this.emit(e.path, 'add');
        });
        c.on('expunge', (e: { path: string }) => this.emit(e.path, 'change'));
        c.on('flags', (e: { path: string }) => this.emit(e.path, 'change'));
        await c.mailboxOpen(INBOX);
        this.idle = c.capabilities.has('IDLE');
        const fresh = await this.statusAll(c);
        // After a reconnect, report what changed while nobody was watching (INBOX included).
        if (this.hadSnapshot) this.diff(this.snapshot, fresh, false);
        this.snapshot = fresh;
        this.hadSnapshot = true;
        this.markReady();
        backoff = first;
        const timer = setInterval(() => void this.poll(c), this.deps.pollMs);
        timer.unref();
        try {
          await Promise.race([closed, this.stopSignal]);
        } finally {
          clearInterval(timer);
        }
        if (!this.stopped)
          this.deps.log.info({ userId: this.deps.userId }, 'imap: watch connection closed, reconnecting');
      } catch (err) {
        this.markReady();
        if (err instanceof MailAuthError) {
          this.deps.log.warn(
            { userId: this.deps.userId },
            'imap: watch login refused, not watching this user',
          );
          break;
        }
        if (!this.stopped) {
          this.deps.log.warn(
            { userId: this.deps.userId, err: describeError(err) },
            'imap: watch connection failed',
          );
        }
      } finally {
        this.client = null;
        if (client) await closeQuietly(client);
      }
      if (this.stopped) break;
      await Promise.race([sleep(backoff), this.stopSignal]);
      backoff = Math.min(backoff * 2, this.deps.maxBackoffMs ?? 60_000);
    }
    this.markReady();
  }

  private async statusAll(c: ImapFlow): Promise<Map<string, FolderState>> {
    const condstore = c.enabled.has('CONDSTORE') || c.capabilities.has('CONDSTORE');
    const list = await c.list({
      statusQuery: {
        messages: true,
        uidNext: true,
        uidValidity: true,
        ...(condstore ? { highestModseq: true } : {}),
      },
    });
    const out = new Map<string, FolderState>();
    for (const f of list) {
      const s = f.status;
      out.set(f.path, {
        uidValidity: String(s?.uidValidity ?? ''),
        uidNext: s?.uidNext ?? 0,
        messages: s?.messages ?? 0,
        highestModseq: String(s?.highestModseq ?? ''),
      });
    }
    return out;
  }

  /** Emits what changed between two LIST-STATUS snapshots; INBOX is skipped when IDLE covers it. */
  private diff(before: Map<string, FolderState>, after: Map<string, FolderState>, skipInbox: boolean): void {
    for (const [path, now] of after) {
      const was = before.get(path);
      if (!was) this.emit(path, 'folders');
      else if (path === INBOX && skipInbox) continue;
      else if (now.uidValidity !== was.uidValidity) this.emit(path, 'change');
      else if (now.uidNext > was.uidNext) this.emit(path, 'add');
      else if (now.messages !== was.messages || now.highestModseq !== was.highestModseq)
        this.emit(path, 'change');
    }
    for (const path of before.keys()) if (!after.has(path)) this.emit(path, 'folders');
  }

  /** Compares a fresh LIST-STATUS with the last one. */
  private async poll(c: ImapFlow): Promise<void> {
    if (this.polling || this.stopped || !c.usable) return;
    this.polling = true;
    try {
      const next = await this.statusAll(c);
      this.diff(this.snapshot, next, this.idle);
      this.snapshot = next;
    } catch (err) {
      this.deps.log.debug({ userId: this.deps.userId, err: describeError(err) }, 'imap: watch poll failed');
    } finally {
      this.polling = false;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

async function closeQuietly(c: ImapFlow): Promise<void> {
  if (!c.usable) {
    c.close();
    return;
  }
  const timeout = sleep(2000).then(() => c.close());
  await Promise.race([c.logout().catch(() => c.close()), timeout]);
}
