// One user's MailSession over the pool: every call leases a connection for its duration (a
// stream holds it until the stream ends) and gives it back. Writes made here are announced to
// onChange listeners at once; the watcher reports the same changes made by other clients.
import { finished, type Readable } from 'node:stream';
import type { ImapFlow } from 'imapflow';
import {
  MailBackendError,
  type FolderListing,
  type MailChangeEvent,
  type MailCredentials,
  type MailFolder,
  type MailSearchQuery,
  type MailSearchResult,
  type MailSession,
  type MessageBodies,
  type MessageFlags,
  type MessageHeaders,
  type SendOptions,
} from '../types.js';
import { isConnectionError, toMailError } from './errors.js';
import * as folders from './folders.js';
import { describeError, type MailLog } from './log.js';
import * as messages from './messages.js';
import type { ConnectionPool, UserPool } from './pool.js';
import { submit, type SmtpServerOptions } from './smtp.js';

export interface SessionUser {
  id: string;
  username: string;
  email: string;
  displayName: string;
}

export interface SessionDeps {
  pool: ConnectionPool<ImapFlow>;
  smtp: SmtpServerOptions;
  emit(e: MailChangeEvent): void;
  log: MailLog;
}

export class ImapSession implements MailSession {
  private closed = false;
  private unpin: () => void;

  constructor(
    private readonly deps: SessionDeps,
    private readonly user: SessionUser,
    private readonly credentials: MailCredentials,
    private current: UserPool<ImapFlow>,
  ) {
    this.unpin = current.pin();
  }

  private get secrets(): string[] {
    return [this.credentials.password];
  }

  /** The user's pool; after an eviction (a long-unused session) it logs in again. */
  private async userPool(): Promise<UserPool<ImapFlow>> {
    if (this.closed) throw new MailBackendError('imap: session closed');
    if (!this.current.closed) return this.current;
    const next = await this.deps.pool.open(this.user.id, this.credentials);
    this.unpin();
    this.current = next;
    this.unpin = next.pin();
    return next;
  }

  /**
   * Runs `fn` on a leased connection. A dropped connection is discarded; `retry` operations
   * (reads) then run once more on a new one.
   */
  private async run<T>(what: string, fn: (c: ImapFlow) => Promise<T>, retry = false): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const pool = await this.userPool();
      const conn = await pool.acquire();
      try {
        const result = await fn(conn);
        pool.release(conn);
        return result;
      } catch (err) {
        const dead = !conn.usable || isConnectionError(err);
        pool.release(conn, dead);
        if (dead && retry && attempt === 0) {
          this.deps.log.debug(
            { userId: this.user.id, err: describeError(err, this.secrets) },
            `${what}: retrying`,
          );
          continue;
        }
        throw toMailError(err, what, this.secrets);
      }
    }
  }

  /**
   * Like run(), but the connection stays leased until the returned stream ends, fails or is
   * destroyed: callers must consume or destroy it (stream.pipeline does both).
   */
  private async stream<T extends { stream: Readable }>(
    what: string,
    fn: (c: ImapFlow) => Promise<T | null>,
  ): Promise<T | null> {
    const pool = await this.userPool();
    const conn = await pool.acquire();
    let result: T | null;
    try {
      result = await fn(conn);
    } catch (err) {
      pool.release(conn, !conn.usable || isConnectionError(err));
      throw toMailError(err, what, this.secrets);
    }
    if (!result) {
      pool.release(conn);
      return null;
    }
    let ended = false;
    result.stream.once('end', () => (ended = true));
    // A stream destroyed half-way may leave a chunk FETCH in flight: drop that connection.
    finished(result.stream, (err) => pool.release(conn, Boolean(err) || !ended));
    return result;
  }

  private emit(folderId: string, kind: MailChangeEvent['kind']): void {
    this.deps.emit({ userId: this.user.id, folderId, kind });
  }

  listFolders(): Promise<MailFolder[]> {
    return this.run('imap: list folders', (c) => folders.listFolders(c), true);
  }

  async createFolder(parentId: string | null, name: string): Promise<MailFolder> {
    const f = await this.run('imap: create folder', (c) => folders.createFolder(c, parentId, name));
    this.emit(f.id, 'folders');
    return f;
  }

  async renameFolder(folderId: string, parentId: string | null, name: string): Promise<MailFolder> {
    const f = await this.run('imap: rename folder', (c) => folders.renameFolder(c, folderId, parentId, name));
    this.emit(folderId, 'folders');
    return f;
  }

  async deleteFolder(folderId: string): Promise<void> {
    await this.run('imap: delete folder', (c) => folders.deleteFolder(c, folderId));
    this.emit(folderId, 'folders');
  }

  listMessages(folderId: string, opts?: { since?: Date | null }): Promise<FolderListing> {
    const since = opts?.since ?? null;
    return this.run('imap: list messages', (c) => messages.listMessages(c, folderId, since), true);
  }

  getHeaders(folderId: string, ids: string[]): Promise<MessageHeaders[]> {
    return this.run('imap: fetch headers', (c) => messages.getHeaders(c, folderId, ids), true);
  }

  getBodies(folderId: string, id: string): Promise<MessageBodies | null> {
    return this.run('imap: fetch bodies', (c) => messages.getBodies(c, folderId, id), true);
  }

  async openMime(folderId: string, id: string): Promise<{ size: number; stream: Readable } | null> {
    const r = await this.stream('imap: fetch message', (c) => messages.openMime(c, folderId, id));
    return r && { size: r.size, stream: r.stream };
  }

  openAttachment(
    folderId: string,
    id: string,
    partId: string,
  ): Promise<{ size: number; contentType: string; fileName: string; stream: Readable } | null> {
    return this.stream('imap: fetch attachment', (c) => messages.openAttachment(c, folderId, id, partId));
  }

  async setFlags(folderId: string, ids: string[], flags: Partial<MessageFlags>): Promise<void> {
    const changed = await this.run('imap: set flags', (c) => messages.setFlags(c, folderId, ids, flags));
    if (changed) this.emit(folderId, 'change');
  }

  async deleteMessages(folderId: string, ids: string[]): Promise<void> {
    const changed = await this.run('imap: delete messages', (c) => messages.deleteMessages(c, folderId, ids));
    if (changed) this.emit(folderId, 'change');
  }

  async moveMessages(fromFolderId: string, ids: string[], toFolderId: string): Promise<Map<string, string>> {
    const map = await this.run('imap: move messages', (c) =>
      messages.moveMessages(c, fromFolderId, ids, toFolderId),
    );
    if (map.size > 0) {
      this.emit(fromFolderId, 'change');
      this.emit(toFolderId, 'add');
    }
    return map;
  }

  /** UID SEARCH per folder on one leased connection (messages.ts search). */
  search(query: MailSearchQuery): Promise<MailSearchResult> {
    return this.run('imap: search', (c) => messages.search(c, query), true);
  }

  async appendMessage(folderId: string, mime: Buffer, flags?: Partial<MessageFlags>): Promise<string> {
    const id = await this.run('imap: append message', (c) =>
      messages.appendMessage(c, folderId, mime, flags),
    );
    this.emit(folderId, 'add');
    return id;
  }

  /**
   * Submits over SMTP as the user. saveInSent appends the message (Bcc kept, \Seen) to the Sent
   * folder, creating "Sent" when there is none, unless the SMTP server files it itself
   * (smtp.serverSavesSent). A failed Sent copy is logged, not thrown: the message is already on
   * its way, and a retry by the device would send it twice.
   */
  async send(mime: Buffer, opts: SendOptions): Promise<void> {
    if (this.closed) throw new MailBackendError('imap: session closed');
    await submit(this.deps.smtp, this.credentials, this.user.email, mime);
    if (!opts.saveInSent || this.deps.smtp.serverSavesSent) return;
    try {
      const sent = await this.run('imap: save in Sent', async (c) => {
        const all = await folders.listFolders(c);
        const folder = all.find((f) => f.role === 'sent') ?? (await folders.createFolder(c, null, 'Sent'));
        await messages.appendMessage(c, folder.id, mime, { read: true });
        return folder.id;
      });
      this.emit(sent, 'add');
    } catch (err) {
      this.deps.log.warn(
        { userId: this.user.id, err: describeError(err, this.secrets) },
        'imap: sent, but not saved in Sent',
      );
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unpin();
  }
}
