// MailSession over a MemoryMailbox. Reads copy data out (callers cannot change the store), streams
// come from the stored bytes in bounded chunks, and send() is delegated to the backend.
import type { Readable } from 'node:stream';
import {
  MailBackendError,
  type FolderListing,
  type MailFolder,
  type MailSession,
  type MessageBodies,
  type MessageFlags,
  type MessageHeaders,
  type SendOptions,
} from '../types.js';
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

  async close(): Promise<void> {
    this.closed = true;
  }
}
