// Message operations on one leased connection. Message ids are UIDs as decimal strings; a UID is
// only meaningful with its folder's UIDVALIDITY, which is part of the folder checkpoint.
import type { Readable } from 'node:stream';
import type { FetchMessageObject, ImapFlow, MailboxObject, SearchObject } from 'imapflow';
import { foldTerms, inDateRange, windowOf } from '../search.js';
import {
  MAIL_SEARCH_WINDOW,
  MailBackendError,
  type FolderListing,
  type MailSearchHit,
  type MailSearchQuery,
  type MailSearchResult,
  type MessageBodies,
  type MessageEntry,
  type MessageFlags,
  type MessageHeaders,
} from '../types.js';
import { makeCheckpoint } from './checkpoint.js';
import {
  attachmentsOf,
  bodyParts,
  findAttachment,
  importanceOf,
  parseUid,
  toAddresses,
  toSequenceSet,
} from './structure.js';

/** download() chunk: bounded memory per stream, few enough round trips for large attachments. */
export const DOWNLOAD_CHUNK = 256 * 1024;

const FLAG = {
  read: '\\Seen',
  flagged: '\\Flagged',
  answered: '\\Answered',
  forwarded: '$Forwarded',
} as const;

const IMPORTANCE_HEADERS = ['importance', 'x-priority', 'priority', 'x-msmail-priority'];

/** Selects the folder unless this connection already has it open read-write; `fresh` always re-SELECTs. */
export async function select(c: ImapFlow, folderId: string, fresh = false): Promise<MailboxObject> {
  const open = c.mailbox;
  if (!fresh && open && open.path === folderId && !open.readOnly) return open;
  return c.mailboxOpen(folderId);
}

function uidsOf(ids: readonly string[]): number[] {
  return ids.map(parseUid).filter((u): u is number => u !== null);
}

function toDate(v: Date | string | undefined, fallback: Date): Date {
  if (v === undefined) return fallback;
  const d = v instanceof Date ? v : new Date(v);
  return Number.isNaN(d.getTime()) ? fallback : d;
}

function flagsOf(flags: Set<string> | undefined): MessageFlags {
  const has = (f: string): boolean => {
    for (const x of flags ?? []) if (x.toLowerCase() === f.toLowerCase()) return true;
    return false;
  };
  return {
    read: has(FLAG.read),
    flagged: has(FLAG.flagged),
    answered: has(FLAG.answered),
    forwarded: has(FLAG.forwarded),
  };
}

function isDeleted(flags: Set<string> | undefined): boolean {
  return [...(flags ?? [])].some((f) => f.toLowerCase() === '\\deleted');
}

function entryOf(m: FetchMessageObject): MessageEntry {
  return { id: String(m.uid), receivedAt: toDate(m.internalDate, new Date(0)), flags: flagsOf(m.flags) };
}

/**
 * A fresh SELECT gives the checkpoint (taken before the listing, so a change racing the listing
 * makes the next checkpoint differ, never hides). SEARCH SINCE compares dates only, in the
 * server's time zone, so we search from a day earlier and filter INTERNALDATE exactly.
 * Messages flagged \Deleted but not yet expunged (by another client) are left out.
 */
export async function listMessages(
  c: ImapFlow,
  folderId: string,
  since: Date | null,
): Promise<FolderListing> {
  const mb = await select(c, folderId, true);
  const condstore = c.enabled.has('CONDSTORE') && mb.highestModseq !== undefined && !mb.noModseq;
  const state = {
    uidValidity: mb.uidValidity,
    uidNext: mb.uidNext,
    exists: mb.exists,
    highestModseq: condstore ? (mb.highestModseq ?? null) : null,
  };
  let range: string | null = mb.exists > 0 ? '1:*' : null;
  if (range && since) {
    const uids = await c.search({ since: new Date(since.getTime() - 86_400_000) }, { uid: true });
    if (!Array.isArray(uids)) throw new MailBackendError('imap: SEARCH SINCE failed');
    range = uids.length ? toSequenceSet(uids) : null;
  }
  const entries: MessageEntry[] = [];
  if (range) {
    for await (const m of c.fetch(range, { uid: true, flags: true, internalDate: true }, { uid: true })) {
      if (isDeleted(m.flags)) continue;
      const e = entryOf(m);
      if (since && e.receivedAt < since) continue;
      entries.push(e);
    }
  }
  entries.sort((a, b) => b.receivedAt.getTime() - a.receivedAt.getTime() || Number(b.id) - Number(a.id));
  return { checkpoint: makeCheckpoint(state, entries), entries };
}

export async function getHeaders(
  c: ImapFlow,
  folderId: string,
  ids: readonly string[],
): Promise<MessageHeaders[]> {
  await select(c, folderId);
  const uids = uidsOf(ids);
  if (uids.length === 0) return [];
  const byUid = new Map<number, MessageHeaders>();
  const query = {
    uid: true,
    flags: true,
    internalDate: true,
    envelope: true,
    bodyStructure: true,
    size: true,
    headers: IMPORTANCE_HEADERS,
  };
  for await (const m of c.fetch(toSequenceSet(uids), query, { uid: true })) {
    const entry = entryOf(m);
    const env = m.envelope ?? {};
    byUid.set(m.uid, {
      ...entry,
      folderId,
      messageId: env.messageId ?? null,
      subject: env.subject ?? '',
      from: toAddresses(env.from),
      to: toAddresses(env.to),
      cc: toAddresses(env.cc),
      replyTo: toAddresses(env.replyTo),
      date: toDate(env.date, entry.receivedAt),
      importance: importanceOf(m.headers),
      size: m.size ?? 0,
      attachments: attachmentsOf(m.bodyStructure),
    });
  }
  const out: MessageHeaders[] = [];
  for (const u of new Set(uids)) {
    const h = byUid.get(u);
    if (h) out.push(h);
  }
  return out;
}

async function readText(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks).toString('utf8');
}

/** imapflow's download() removes the transfer encoding and converts text parts to UTF-8. */
export async function getBodies(c: ImapFlow, folderId: string, id: string): Promise<MessageBodies | null> {
  const uid = parseUid(id);
  await select(c, folderId);
  if (uid === null) return null;
  const m = await c.fetchOne(String(uid), { uid: true, bodyStructure: true }, { uid: true });
  if (!m) return null;
  const parts = bodyParts(m.bodyStructure);
  const fetchPart = async (partId: string | undefined): Promise<string | null> => {
    if (partId === undefined) return null;
    const dl = await c.download(String(uid), partId, { uid: true, chunkSize: DOWNLOAD_CHUNK });
    return dl.content ? readText(dl.content) : null;
  };
  const text = await fetchPart(parts.text?.partId);
  const html = await fetchPart(parts.html?.partId);
  return { text, html };
}

export interface OpenedStream {
  size: number;
  stream: Readable;
  contentType: string;
  fileName: string;
}

/** The whole message, streamed in DOWNLOAD_CHUNK pieces; null when the UID is gone. */
export async function openMime(c: ImapFlow, folderId: string, id: string): Promise<OpenedStream | null> {
  const uid = parseUid(id);
  await select(c, folderId);
  if (uid === null) return null;
  const m = await c.fetchOne(String(uid), { uid: true, size: true }, { uid: true });
  if (!m) return null;
  const dl = await c.download(String(uid), undefined, { uid: true, chunkSize: DOWNLOAD_CHUNK });
  if (!dl.content) return null;
  return { size: m.size ?? 0, stream: dl.content, contentType: 'message/rfc822', fileName: `${uid}.eml` };
}

/** One attachment, transfer encoding removed, bytes as sent (text attachments are not re-encoded). */
export async function openAttachment(
  c: ImapFlow,
  folderId: string,
  id: string,
  partId: string,
): Promise<OpenedStream | null> {
  const uid = parseUid(id);
  await select(c, folderId);
  if (uid === null) return null;
  const m = await c.fetchOne(String(uid), { uid: true, bodyStructure: true }, { uid: true });
  if (!m) return null;
  const att = findAttachment(m.bodyStructure, partId);
  if (!att) return null;
  const dl = await c.download(String(uid), partId, {
    uid: true,
    chunkSize: DOWNLOAD_CHUNK,
    decodeText: false,
  });
  if (!dl.content) return null;
  return { size: att.size, stream: dl.content, contentType: att.contentType, fileName: att.fileName };
}

export function flagNames(flags: Partial<MessageFlags>): { add: string[]; remove: string[] } {
  const add: string[] = [];
  const remove: string[] = [];
  for (const key of Object.keys(FLAG) as Array<keyof MessageFlags>) {
    const v = flags[key];
    if (v === true) add.push(FLAG[key]);
    else if (v === false) remove.push(FLAG[key]);
  }
  return { add, remove };
}

export async function setFlags(
  c: ImapFlow,
  folderId: string,
  ids: readonly string[],
  flags: Partial<MessageFlags>,
): Promise<boolean> {
  await select(c, folderId);
  const uids = uidsOf(ids);
  const { add, remove } = flagNames(flags);
  if (uids.length === 0 || add.length + remove.length === 0) return false;
  const range = toSequenceSet(uids);
  if (add.length && !(await c.messageFlagsAdd(range, add, { uid: true }))) {
    throw new MailBackendError('imap: STORE +FLAGS failed');
  }
  if (remove.length && !(await c.messageFlagsRemove(range, remove, { uid: true }))) {
    throw new MailBackendError('imap: STORE -FLAGS failed');
  }
  return true;
}

/** \Deleted + UID EXPUNGE (UIDPLUS), else EXPUNGE (which also removes others' \Deleted messages). */
export async function deleteMessages(
  c: ImapFlow,
  folderId: string,
  ids: readonly string[],
): Promise<boolean> {
  await select(c, folderId);
  const uids = uidsOf(ids);
  if (uids.length === 0) return false;
  if (!(await c.messageDelete(toSequenceSet(uids), { uid: true }))) {
    throw new MailBackendError('imap: delete (STORE \\Deleted, EXPUNGE) failed');
  }
  return true;
}

/**
 * MOVE (RFC 6851) or, without it, COPY + \Deleted + EXPUNGE (imapflow does the fallback). New
 * UIDs come from COPYUID (UIDPLUS, RFC 4315); a server without UIDPLUS gets them looked up by
 * Message-ID in the destination.
 */
export async function moveMessages(
  c: ImapFlow,
  fromFolderId: string,
  ids: readonly string[],
  toFolderId: string,
): Promise<Map<string, string>> {
  await select(c, fromFolderId);
  const uids = uidsOf(ids);
  const out = new Map<string, string>();
  if (uids.length === 0) return out;
  const range = toSequenceSet(uids);
  const uidplus = c.capabilities.has('UIDPLUS');
  const messageIds = new Map<number, string>();
  if (!uidplus) {
    for await (const m of c.fetch(range, { uid: true, envelope: true }, { uid: true })) {
      if (m.envelope?.messageId) messageIds.set(m.uid, m.envelope.messageId);
    }
  }
  const res = await c.messageMove(range, toFolderId, { uid: true });
  if (!res) {
    // imapflow reports a refused MOVE as false; STATUS tells a missing destination (NotFound) apart.
    await c.status(toFolderId, { messages: true });
    throw new MailBackendError('imap: MOVE failed');
  }
  if (res.uidMap) {
    for (const [from, to] of res.uidMap) out.set(String(from), String(to));
    return out;
  }
  if (!uidplus && messageIds.size > 0) {
    await select(c, toFolderId, true);
    for (const [from, messageId] of messageIds) {
      const found = await c.search({ header: { 'message-id': messageId } }, { uid: true });
      const to = Array.isArray(found) ? Math.max(...found) : -Infinity;
      if (Number.isFinite(to)) out.set(String(from), String(to));
    }
  }
  return out;
}

export async function appendMessage(
  c: ImapFlow,
  folderId: string,
  mime: Buffer,
  flags: Partial<MessageFlags> | undefined,
): Promise<string> {
  // Selecting first checks the folder exists and lets imapflow find the UID by sequence number
  // when the server sends no APPENDUID.
  await select(c, folderId);
  const res = await c.append(folderId, mime, flags ? flagNames(flags).add : []);
  if (!res || !res.uid) throw new MailBackendError('imap: APPEND did not report the new UID');
  return String(res.uid);
}

/**
 * Matching UIDs per folder whose INTERNALDATE is fetched, newest (highest UID) first: enough for any
 * window a caller may ask for (MAIL_SEARCH_WINDOW), and a bound on what a one-letter term costs.
 */
export const SEARCH_DATES_PER_FOLDER = MAIL_SEARCH_WINDOW;

const DAY_MS = 86_400_000;

function intersect(a: readonly number[], b: readonly number[]): number[] {
  const keep = new Set(b);
  return a.filter((u) => keep.has(u));
}

/**
 * MailSession.search on one connection, folder by folder. Each term is one UID SEARCH TEXT (RFC
 * 3501: a case-insensitive substring of the headers or the body; Dovecot decodes transfer encodings
 * and charsets), the answers intersected here, \Deleted left out. SINCE/BEFORE (or WITHIN's
 * YOUNGER/OLDER) narrow by whole days in the server's time zone and clock, so they are widened by a
 * day and the exact bounds applied to the fetched INTERNALDATE. Only the newest
 * SEARCH_DATES_PER_FOLDER matches of a folder get their date fetched; older ones (a very common
 * word) still count in the total, their exact bounds unchecked (an estimate), and are never returned.
 */
export async function search(c: ImapFlow, q: MailSearchQuery): Promise<MailSearchResult> {
  const terms = foldTerms(q.terms);
  const base: SearchObject = { deleted: false };
  if (q.receivedAfter) base.since = new Date(q.receivedAfter.getTime() - DAY_MS);
  if (q.receivedBefore) base.before = new Date(q.receivedBefore.getTime() + DAY_MS);
  const hits: MailSearchHit[] = [];
  let uncounted = 0;
  for (const folderId of new Set(q.folderIds)) {
    const mb = await select(c, folderId);
    if (mb.exists === 0) continue;
    let uids: number[] | null = null;
    for (const term of terms.length ? terms : [null]) {
      const found = await c.search(term === null ? base : { ...base, text: term }, { uid: true });
      if (!Array.isArray(found)) throw new MailBackendError('imap: SEARCH failed');
      uids = uids === null ? found : intersect(uids, found);
      if (uids.length === 0) break;
    }
    if (!uids || uids.length === 0) continue;
    const newest = [...uids].sort((a, b) => b - a);
    const dated = newest.slice(0, SEARCH_DATES_PER_FOLDER);
    uncounted += newest.length - dated.length;
    const query = { uid: true, flags: true, internalDate: true };
    for await (const m of c.fetch(toSequenceSet(dated), query, { uid: true })) {
      if (isDeleted(m.flags)) continue;
      const e = entryOf(m);
      if (inDateRange(q, e.receivedAt)) hits.push({ folderId, id: e.id, receivedAt: e.receivedAt });
    }
  }
  return windowOf(hits, q, hits.length + uncounted);
}
