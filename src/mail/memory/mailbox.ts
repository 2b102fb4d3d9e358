// One user's mailbox held in memory: folders with roles, messages with UID-like ids that only
// grow within a folder, a modification sequence per folder for checkpoints, and the change
// events the backend fans out. Used by the memory backend and (read-only) the quarantine view.
import {
  MailBackendError,
  MailFolderExistsError,
  MailNotFoundError,
  type FolderListing,
  type FolderRole,
  type MailChangeEvent,
  type MailFolder,
  type MessageEntry,
  type MessageFlags,
} from '../types.js';
import type { StoredMessage } from './message.js';
import { readMessage } from './message.js';

/** The folders every new mailbox has; ids are fixed so they are stable and readable in logs. */
export const STANDARD_FOLDERS: ReadonlyArray<{ id: string; name: string; role: FolderRole }> = [
  { id: 'inbox', name: 'Inbox', role: 'inbox' },
  { id: 'drafts', name: 'Drafts', role: 'drafts' },
  { id: 'deleted', name: 'Deleted Items', role: 'deleted' },
  { id: 'sent', name: 'Sent Items', role: 'sent' },
  { id: 'outbox', name: 'Outbox', role: 'outbox' },
  { id: 'junk', name: 'Junk Email', role: 'junk' },
];

export const NO_FLAGS: MessageFlags = { read: false, flagged: false, answered: false, forwarded: false };

interface FolderRecord {
  folder: MailFolder;
  uidNext: number;
  /** Bumped on every change to the folder's messages or their flags. */
  modseq: number;
  messages: Map<number, StoredMessage>;
}

export type EmitChange = (folderId: string, kind: MailChangeEvent['kind']) => void;

/** Message ids are decimal UIDs; anything else names no message. */
export function parseUid(id: string): number | null {
  return /^[1-9][0-9]{0,14}$/.test(id) ? Number(id) : null;
}

export class MemoryMailbox {
  private readonly folders = new Map<string, FolderRecord>();
  private nextFolder = 1;
  /** Part of every checkpoint, so a recreated mailbox never repeats an old one. */
  private readonly epoch = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

  constructor(
    private readonly emit: EmitChange,
    private readonly clock: () => Date,
    standard: ReadonlyArray<{ id: string; name: string; role: FolderRole }> = STANDARD_FOLDERS,
  ) {
    for (const f of standard) this.addFolder({ id: f.id, parentId: null, name: f.name, role: f.role });
  }

  private addFolder(folder: MailFolder): FolderRecord {
    const rec: FolderRecord = { folder, uidNext: 1, modseq: 1, messages: new Map() };
    this.folders.set(folder.id, rec);
    return rec;
  }

  private get(folderId: string): FolderRecord {
    const rec = this.folders.get(folderId);
    if (!rec) throw new MailNotFoundError(`memory: no folder ${folderId}`);
    return rec;
  }

  private message(rec: FolderRecord, id: string): StoredMessage | undefined {
    const uid = parseUid(id);
    return uid === null ? undefined : rec.messages.get(uid);
  }

  // --- folders --------------------------------------------------------------------------------

  listFolders(): MailFolder[] {
    return [...this.folders.values()].map((r) => ({ ...r.folder }));
  }

  folderByRole(role: FolderRole): MailFolder | null {
    for (const r of this.folders.values()) if (r.folder.role === role) return { ...r.folder };
    return null;
  }

  private checkName(parentId: string | null, name: string, except?: string): void {
    if (!name.trim() || [...name].some((c) => c.charCodeAt(0) < 0x20)) {
      throw new MailBackendError(`memory: invalid folder name ${JSON.stringify(name)}`);
    }
    // Sibling names are unique case-insensitively, as in Exchange.
    for (const r of this.folders.values()) {
      if (
        r.folder.id !== except &&
        r.folder.parentId === parentId &&
        r.folder.name.toLowerCase() === name.toLowerCase()
      ) {
        throw new MailFolderExistsError('memory: the folder already exists');
      }
    }
  }

  createFolder(parentId: string | null, name: string): MailFolder {
    if (parentId !== null) this.get(parentId);
    this.checkName(parentId, name);
    const rec = this.addFolder({ id: `f${this.nextFolder++}`, parentId, name, role: null });
    this.emit(rec.folder.id, 'folders');
    return { ...rec.folder };
  }

  private isBelow(id: string, ancestor: string): boolean {
    for (let cur = this.folders.get(id)?.folder.parentId ?? null; cur !== null;) {
      if (cur === ancestor) return true;
      cur = this.folders.get(cur)?.folder.parentId ?? null;
    }
    return false;
  }

  renameFolder(folderId: string, parentId: string | null, name: string): MailFolder {
    const rec = this.get(folderId);
    if (parentId !== null) this.get(parentId);
    if (rec.folder.role !== null) throw new MailBackendError('memory: a special folder cannot be renamed');
    if (parentId === folderId || (parentId !== null && this.isBelow(parentId, folderId))) {
      throw new MailBackendError('memory: a folder cannot move below itself');
    }
    this.checkName(parentId, name, folderId);
    rec.folder = { ...rec.folder, parentId, name };
    this.emit(folderId, 'folders');
    return { ...rec.folder };
  }

  deleteFolder(folderId: string): void {
    const rec = this.get(folderId);
    if (rec.folder.role !== null) throw new MailBackendError('memory: a special folder cannot be deleted');
    const doomed = [...this.folders.keys()].filter((id) => id === folderId || this.isBelow(id, folderId));
    for (const id of doomed) this.folders.delete(id);
    this.emit(folderId, 'folders');
  }

  // --- messages -------------------------------------------------------------------------------

  listMessages(folderId: string, since: Date | null): FolderListing {
    const rec = this.get(folderId);
    const entries: MessageEntry[] = [];
    for (const m of rec.messages.values()) {
      if (since && m.receivedAt < since) continue;
      entries.push({ id: String(m.uid), receivedAt: new Date(m.receivedAt), flags: { ...m.flags } });
    }
    entries.sort((a, b) => b.receivedAt.getTime() - a.receivedAt.getTime() || Number(b.id) - Number(a.id));
    return { checkpoint: `${this.epoch}.${rec.modseq}.${rec.uidNext}`, entries };
  }

  /** The stored messages for the ids, in request order, without duplicates; missing ids left out. */
  find(folderId: string, ids: readonly string[]): StoredMessage[] {
    const rec = this.get(folderId);
    const seen = new Set<number>();
    const out: StoredMessage[] = [];
    for (const id of ids) {
      const m = this.message(rec, id);
      if (m && !seen.has(m.uid)) {
        seen.add(m.uid);
        out.push(m);
      }
    }
    return out;
  }

  findOne(folderId: string, id: string): StoredMessage | null {
    return this.message(this.get(folderId), id) ?? null;
  }

  setFlags(folderId: string, ids: readonly string[], flags: Partial<MessageFlags>): void {
    const rec = this.get(folderId);
    let changed = false;
    for (const m of this.find(folderId, ids)) {
      for (const key of Object.keys(NO_FLAGS) as Array<keyof MessageFlags>) {
        const v = flags[key];
        if (typeof v === 'boolean' && m.flags[key] !== v) {
          m.flags = { ...m.flags, [key]: v };
          changed = true;
        }
      }
    }
    if (changed) {
      rec.modseq++;
      this.emit(folderId, 'change');
    }
  }

  deleteMessages(folderId: string, ids: readonly string[]): void {
    const rec = this.get(folderId);
    const doomed = this.find(folderId, ids);
    for (const m of doomed) rec.messages.delete(m.uid);
    if (doomed.length) {
      rec.modseq++;
      this.emit(folderId, 'change');
    }
  }

  moveMessages(fromFolderId: string, ids: readonly string[], toFolderId: string): Map<string, string> {
    const from = this.get(fromFolderId);
    const to = this.get(toFolderId);
    const out = new Map<string, string>();
    for (const m of this.find(fromFolderId, ids)) {
      from.messages.delete(m.uid);
      const moved: StoredMessage = { ...m, uid: to.uidNext++ };
      to.messages.set(moved.uid, moved);
      out.set(String(m.uid), String(moved.uid));
    }
    if (out.size) {
      from.modseq++;
      to.modseq++;
      this.emit(fromFolderId, 'change');
      this.emit(toFolderId, 'add');
    }
    return out;
  }

  /** Stores a message (parsed once here); returns its id. */
  async append(
    folderId: string,
    mime: Buffer,
    o: { flags?: Partial<MessageFlags>; receivedAt?: Date } = {},
  ): Promise<string> {
    this.get(folderId);
    const copy = Buffer.from(mime);
    let meta;
    try {
      meta = await readMessage(copy);
    } catch (err) {
      throw new MailBackendError('memory: the message cannot be parsed', { cause: err });
    }
    // Looked up again: the folder may have been deleted while the message was parsed.
    const rec = this.get(folderId);
    const m: StoredMessage = {
      uid: rec.uidNext++,
      mime: copy,
      receivedAt: new Date(o.receivedAt ?? this.clock()),
      flags: { ...NO_FLAGS, ...definedFlags(o.flags) },
      meta,
    };
    rec.messages.set(m.uid, m);
    rec.modseq++;
    this.emit(folderId, 'add');
    return String(m.uid);
  }
}

function definedFlags(flags: Partial<MessageFlags> | undefined): Partial<MessageFlags> {
  const out: Partial<MessageFlags> = {};
  for (const key of Object.keys(NO_FLAGS) as Array<keyof MessageFlags>) {
    const v = flags?.[key];
    if (typeof v === 'boolean') out[key] = v;
  }
  return out;
}
