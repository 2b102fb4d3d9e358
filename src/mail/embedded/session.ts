// One user's mailbox over the MailStore (src/mail/types.ts MailSession). Ids on the wire are
// strings: a folder id is the store's UUID, a message id its per-folder number in decimal, a
// checkpoint the folder's change counter. Every call is scoped to the session's user by the store.
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { MailFlags, MailStore, StoredMailFolder, StoredMessage } from '../../store/mail-store.js';
import { StoreConflictError } from '../../store/types.js';
import {
  MailBackendError,
  MailFolderExistsError,
  MailNotFoundError,
  type FolderListing,
  type MailChangeEvent,
  type MailFolder,
  type MailSearchQuery,
  type MailSearchResult,
  type MailSession,
  type MessageBodies,
  type MessageFlags,
  type MessageHeaders,
  type SendOptions,
} from '../types.js';
import { attachmentStream, cleanBodies, keepableBodies, parseBodies } from './mime.js';
import { decodedStream } from './transfer-decode.js';

/** What a session needs from its backend. */
export interface SessionDeps {
  store: MailStore;
  userId: string;
  publish(folderId: string, kind: MailChangeEvent['kind']): void;
  /** Store a message into one of the user's folders; returns its id. */
  ingest(folderId: string, mime: Buffer, flags: MailFlags): Promise<number>;
  send(mime: Buffer, opts: SendOptions): Promise<void>;
}

const NO_FLAGS: MailFlags = { read: false, flagged: false, answered: false, forwarded: false };

/** A decimal message id as the store's number; null for anything that cannot name a message. */
export function parseMessageId(id: string): number | null {
  if (!/^[1-9][0-9]{0,15}$/.test(id)) return null;
  const n = Number(id);
  return Number.isSafeInteger(n) ? n : null;
}

function parseIds(ids: readonly string[]): number[] {
  const out: number[] = [];
  for (const id of ids) {
    const n = parseMessageId(id);
    if (n !== null) out.push(n);
  }
  return out;
}

function toFolder(f: StoredMailFolder): MailFolder {
  return { id: f.id, parentId: f.parentId, name: f.name, role: f.role };
}

function toHeaders(m: StoredMessage): MessageHeaders {
  const s = m.summary;
  return {
    id: String(m.id),
    receivedAt: m.receivedAt,
    flags: { ...m.flags },
    folderId: m.folderId,
    messageId: s.messageId,
    subject: s.subject,
    from: s.from,
    to: s.to,
    cc: s.cc,
    replyTo: s.replyTo,
    date: s.date === null ? m.receivedAt : new Date(s.date),
    importance: s.importance,
    size: m.size,
    // Without `encoded`: where a part lies in the stored message is this backend's business.
    attachments: s.attachments.map(({ encoded: _encoded, ...a }) => a),
  };
}

function notFound(folderId: string): MailNotFoundError {
  return new MailNotFoundError(`mail: folder ${folderId} not found`);
}

/** Folder names end up in FolderSync responses and paths: no control characters, not empty. */
function checkName(name: string): string {
  const trimmed = name.trim();
  // eslint-disable-next-line no-control-regex
  if (trimmed === '' || /[\u0000-\u001f\u007f]/.test(trimmed)) {
    throw new MailBackendError('mail: a folder name must be non-empty and free of control characters');
  }
  return trimmed;
}

export class EmbeddedSession implements MailSession {
  constructor(private readonly deps: SessionDeps) {}

  private get store(): MailStore {
    return this.deps.store;
  }

  private get userId(): string {
    return this.deps.userId;
  }

  private async folder(folderId: string): Promise<StoredMailFolder> {
    const f = await this.store.getMailFolder(this.userId, folderId);
    if (!f) throw notFound(folderId);
    return f;
  }

  async listFolders(): Promise<MailFolder[]> {
    return (await this.store.listMailFolders(this.userId)).map(toFolder);
  }

  async createFolder(parentId: string | null, name: string): Promise<MailFolder> {
    if (parentId !== null) await this.folder(parentId);
    try {
      const f = await this.store.createMailFolder({
        id: randomUUID(),
        userId: this.userId,
        parentId,
        name: checkName(name),
        role: null,
      });
      this.deps.publish(f.id, 'folders');
      return toFolder(f);
    } catch (err) {
      if (err instanceof StoreConflictError) {
        throw new MailFolderExistsError(`mail: a folder named "${name}" already exists there`, {
          cause: err,
        });
      }
      throw err;
    }
  }

  async renameFolder(folderId: string, parentId: string | null, name: string): Promise<MailFolder> {
    await this.folder(folderId);
    if (parentId !== null) await this.folder(parentId);
    let updated: StoredMailFolder | null;
    try {
      updated = await this.store.updateMailFolder(this.userId, folderId, { parentId, name: checkName(name) });
    } catch (err) {
      if (err instanceof StoreConflictError) {
        throw new MailFolderExistsError(`mail: a folder named "${name}" already exists there`, {
          cause: err,
        });
      }
      throw new MailBackendError(`mail: folder ${folderId} cannot be moved or renamed that way`, {
        cause: err,
      });
    }
    if (!updated) throw notFound(folderId);
    this.deps.publish(folderId, 'folders');
    return toFolder(updated);
  }

  async deleteFolder(folderId: string): Promise<void> {
    const f = await this.folder(folderId);
    // Exchange refuses to delete special folders ([MS-ASCMD] FolderDelete Status 3); the backend
    // needs its Inbox and Sent Items to deliver and file mail.
    if (f.role !== null)
      throw new MailBackendError(`mail: "${f.name}" is a special folder and cannot be deleted`);
    if (!(await this.store.deleteMailFolder(this.userId, folderId))) throw notFound(folderId);
    this.deps.publish(folderId, 'folders');
  }

  async listMessages(folderId: string, opts?: { since?: Date | null }): Promise<FolderListing> {
    const listing = await this.store.listMailMessages(this.userId, folderId, { since: opts?.since ?? null });
    if (!listing) throw notFound(folderId);
    return {
      checkpoint: String(listing.changeCounter),
      entries: listing.entries.map((e) => ({
        id: String(e.id),
        receivedAt: e.receivedAt,
        flags: { ...e.flags },
      })),
    };
  }

  async getHeaders(folderId: string, ids: string[]): Promise<MessageHeaders[]> {
    const found = await this.store.getMailMessages(this.userId, folderId, parseIds(ids));
    if (!found) throw notFound(folderId);
    const byId = new Map(found.map((m) => [String(m.id), m]));
    const out: MessageHeaders[] = [];
    // In the order asked for, each message once.
    for (const id of new Set(ids)) {
      const m = byId.get(id);
      if (m) out.push(toHeaders(m));
    }
    return out;
  }

  /**
   * The bodies kept at delivery; else (stored before schema version 6, over MAX_KEPT_BODY_BYTES, or
   * unparsable then) the message is parsed now, and bodies under the cap are kept for next time.
   */
  async getBodies(folderId: string, id: string): Promise<MessageBodies | null> {
    await this.folder(folderId);
    const n = parseMessageId(id);
    if (n === null) return null;
    const kept = await this.store.getMailBodies(this.userId, folderId, n);
    if (kept) return kept;
    const opened = await this.store.openMailContent(this.userId, folderId, n);
    if (!opened) return null;
    const bodies = cleanBodies(await parseBodies(opened.stream));
    const keep = keepableBodies(bodies);
    // Best effort: if the write fails, the next fetch parses again; the read has its answer.
    if (keep) await this.store.putMailBodies(this.userId, folderId, n, keep).catch(() => false);
    return bodies;
  }

  async openMime(folderId: string, id: string): Promise<{ size: number; stream: Readable } | null> {
    await this.folder(folderId);
    const n = parseMessageId(id);
    if (n === null) return null;
    return this.store.openMailContent(this.userId, folderId, n);
  }

  async openAttachment(
    folderId: string,
    id: string,
    partId: string,
  ): Promise<{ size: number; contentType: string; fileName: string; stream: Readable } | null> {
    const n = parseMessageId(id);
    const found = await this.store.getMailMessages(this.userId, folderId, n === null ? [] : [n]);
    if (!found) throw notFound(folderId);
    const message = found[0];
    const attachment = message?.summary.attachments.find((a) => a.partId === partId);
    if (!message || !attachment) return null;
    // A part whose range was recorded (and checked) at delivery: read and decode just that range.
    const range = attachment.encoded;
    const opened = await this.store.openMailContent(this.userId, folderId, message.id, range);
    if (!opened) return null;
    return {
      size: attachment.size,
      contentType: attachment.contentType,
      fileName: attachment.fileName,
      stream: range ? decodedStream(opened.stream, range.encoding) : attachmentStream(opened.stream, partId),
    };
  }

  async setFlags(folderId: string, ids: string[], flags: Partial<MessageFlags>): Promise<void> {
    const changed = await this.store.setMailFlags(this.userId, folderId, parseIds(ids), flags);
    if (!changed) throw notFound(folderId);
    if (changed.length > 0) this.deps.publish(folderId, 'change');
  }

  async deleteMessages(folderId: string, ids: string[]): Promise<void> {
    const deleted = await this.store.deleteMailMessages(this.userId, folderId, parseIds(ids));
    if (!deleted) throw notFound(folderId);
    if (deleted.length > 0) this.deps.publish(folderId, 'change');
  }

  async moveMessages(fromFolderId: string, ids: string[], toFolderId: string): Promise<Map<string, string>> {
    await this.folder(fromFolderId);
    await this.folder(toFolderId);
    const moved = await this.store.moveMailMessages(this.userId, fromFolderId, parseIds(ids), toFolderId);
    if (!moved) throw notFound(fromFolderId);
    const out = new Map<string, string>();
    for (const [from, to] of moved) out.set(String(from), String(to));
    if (out.size > 0 && fromFolderId !== toFolderId) {
      this.deps.publish(fromFolderId, 'change');
      this.deps.publish(toFolderId, 'add');
    }
    return out;
  }

  async appendMessage(folderId: string, mime: Buffer, flags?: Partial<MessageFlags>): Promise<string> {
    await this.folder(folderId);
    return String(await this.deps.ingest(folderId, mime, { ...NO_FLAGS, ...flags }));
  }

  async send(mime: Buffer, opts: SendOptions): Promise<void> {
    await this.deps.send(mime, opts);
  }

  /** One store query (MailStore.searchMailMessages), after one listing that checks every folder exists. */
  async search(q: MailSearchQuery): Promise<MailSearchResult> {
    const folderIds = [...new Set(q.folderIds)];
    if (folderIds.length > 0) {
      const mine = new Set((await this.store.listMailFolders(this.userId)).map((f) => f.id));
      const unknown = folderIds.find((id) => !mine.has(id));
      if (unknown !== undefined) throw notFound(unknown);
    }
    const page = await this.store.searchMailMessages(this.userId, {
      folderIds,
      terms: q.terms,
      receivedAfter: q.receivedAfter,
      receivedBefore: q.receivedBefore,
      offset: q.offset,
      limit: q.limit,
    });
    return {
      total: page.total,
      hits: page.hits.map((h) => ({ folderId: h.folderId, id: String(h.id), receivedAt: h.receivedAt })),
    };
  }

  async close(): Promise<void> {
    // Nothing is held per session.
  }
}
