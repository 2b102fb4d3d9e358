// MailSession over a MemoryMailbox. Reads copy data out (callers cannot change the store), streams
// come from the stored bytes in bounded chunks, and send() is delegated to the backend.
import type { Readable } from 'node:stream';
import {
  MailBackendError,
  type FolderListing,
  type MailFolder,
  type MailSearchHit,
  type MailSearchQuery,
  type MailSearchResult,
  type MailSession,
  type MessageBodies,
  type MessageFlags,
  type MessageHeaders,
  type SendOptions,
} from '../types.js';
import {
  bodySearchText,
  foldTerms,
  foldText,
  headerText,
  inDateRange,
  matchesAll,
  windowOf,
} from '../search.js';
import { decodedChunks, rawChunks, streamOf } from './decode.js';
import type { MemoryMailbox } from './mailbox.js';
import { headersOf, readBodies } from './message.js';

export type Sender = (mime: Buffer, opts: SendOptions) => Promise<void>;

export class MemorySession implements MailSession {
  private closed = false;

  constructor(
    private readonly box: MemoryMailbox,
    private readonly sender: Sender,
  ) {}

  private open(): MemoryMailbox {
    if (this.closed) throw new MailBackendError('memory: session closed');
    return this.box;
  }

  async listFolders(): Promise<MailFolder[]> {
    return this.open().listFolders();
  }

  async createFolder(parentId: string | null, name: string): Promise<MailFolder> {
    return this.open().createFolder(parentId, name);
  }

  async renameFolder(folderId: string, parentId: string | null, name: string): Promise<MailFolder> {
    return this.open().renameFolder(folderId, parentId, name);
  }

  async deleteFolder(folderId: string): Promise<void> {
    this.open().deleteFolder(folderId);
  }

  async listMessages(folderId: string, opts?: { since?: Date | null }): Promise<FolderListing> {
    return this.open().listMessages(folderId, opts?.since ?? null);
  }

  async getHeaders(folderId: string, ids: string[]): Promise<MessageHeaders[]> {
    return this.open()
      .find(folderId, ids)
      .map((m) => headersOf(m, folderId));
  }

  async getBodies(folderId: string, id: string): Promise<MessageBodies | null> {
    const m = this.open().findOne(folderId, id);
    return m ? readBodies(m) : null;
  }

  async openMime(folderId: string, id: string): Promise<{ size: number; stream: Readable } | null> {
    const m = this.open().findOne(folderId, id);
    if (!m) return null;
    return { size: m.mime.length, stream: streamOf(rawChunks(m.mime, 0, m.mime.length)) };
  }

  async openAttachment(
    folderId: string,
    id: string,
    partId: string,
  ): Promise<{ size: number; contentType: string; fileName: string; stream: Readable } | null> {
    const m = this.open().findOne(folderId, id);
    const part = m?.meta.parts.get(partId);
    const info = m?.meta.attachments.find((a) => a.partId === partId);
    if (!m || !part || !info) return null;
    return {
      size: info.size,
      contentType: info.contentType,
      fileName: info.fileName,
      stream: streamOf(decodedChunks(m.mime, part.bodyStart, part.end, part.encoding)),
    };
  }

  async setFlags(folderId: string, ids: string[], flags: Partial<MessageFlags>): Promise<void> {
    this.open().setFlags(folderId, ids, flags);
  }

  async deleteMessages(folderId: string, ids: string[]): Promise<void> {
    this.open().deleteMessages(folderId, ids);
  }

  async moveMessages(fromFolderId: string, ids: string[], toFolderId: string): Promise<Map<string, string>> {
    return this.open().moveMessages(fromFolderId, ids, toFolderId);
  }

  async appendMessage(folderId: string, mime: Buffer, flags?: Partial<MessageFlags>): Promise<string> {
    return this.open().append(folderId, mime, flags ? { flags } : {});
  }

  async send(mime: Buffer, opts: SendOptions): Promise<void> {
    this.open();
    await this.sender(mime, opts);
  }

  /**
   * A scan of the folders: headers first, and a message's body is decoded only when the headers
   * alone do not hold every term (the memory backend serves tests and small installations).
   */
  async search(q: MailSearchQuery): Promise<MailSearchResult> {
    const box = this.open();
    const terms = foldTerms(q.terms);
    // Every folder is checked before any work, so an unknown one fails the whole call.
    const folders = [...new Set(q.folderIds)].map((id) => ({
      id,
      entries: box.listMessages(id, null).entries,
    }));
    const hits: MailSearchHit[] = [];
    for (const f of folders) {
      const inRange = f.entries.filter((e) => inDateRange(q, e.receivedAt));
      for (const m of box.find(
        f.id,
        inRange.map((e) => e.id),
      )) {
        const head = foldText(headerText(m.meta.subject, m.meta.from, m.meta.to, m.meta.cc));
        let found = matchesAll(terms, [head]);
        if (!found) {
          const b = await readBodies(m);
          found = matchesAll(terms, [head, foldText(bodySearchText(b.text, b.html))]);
        }
        if (found) hits.push({ folderId: f.id, id: String(m.uid), receivedAt: new Date(m.receivedAt) });
      }
    }
    return windowOf(hits, q);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
