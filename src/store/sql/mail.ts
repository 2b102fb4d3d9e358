// Shared by the SQL mail stores (src/store/mail-store.ts): cutting a byte stream into chunk rows,
// reading them back as a stream, id-list checks, the folder and message rows and their decoding.
// No driver imports.
import { Readable } from 'node:stream';
import type {
  ByteRange,
  MailFlags,
  MailFolderRole,
  MailSearch,
  MessageSummary,
  StoredMailFolder,
  StoredMessage,
  StoredMessageEntry,
} from '../mail-store.js';
import { MAIL_CHUNK_SIZE, MAIL_SEARCH_BODY_CHARS, MailContentTooLargeError } from '../mail-store.js';
import type { StoredBool, StoredDate } from './values.js';
import { jsonObject, toBool, toDate } from './values.js';

/**
 * The rows as read back. Counters, uids and sizes are bigint: numbers in SQLite, strings in
 * PostgreSQL (pg returns int8 as text); flags are 0/1 or boolean; the summary JSON text or jsonb.
 */
export interface FolderRow {
  id: string;
  user_id: string;
  parent_id: string | null;
  name: string;
  role: MailFolderRole | null;
  change_counter: number | string;
}

export interface EntryRow {
  uid: number | string;
  received_at: StoredDate;
  flag_read: StoredBool;
  flag_flagged: StoredBool;
  flag_answered: StoredBool;
  flag_forwarded: StoredBool;
}

export interface MessageRow extends EntryRow {
  folder_id: string;
  user_id: string;
  size: number | string;
  summary: unknown;
}

export const FLAG_COLUMNS = {
  read: 'flag_read',
  flagged: 'flag_flagged',
  answered: 'flag_answered',
  forwarded: 'flag_forwarded',
} as const satisfies Record<keyof MailFlags, string>;

export const FLAG_NAMES = Object.keys(FLAG_COLUMNS) as Array<keyof MailFlags>;

/** The flags a partial update sets, in a stable order, undefined values dropped. */
export function setFlags(flags: Partial<MailFlags>): Array<[column: string, value: boolean]> {
  const out: Array<[string, boolean]> = [];
  for (const name of FLAG_NAMES) {
    const value = flags[name];
    if (value !== undefined) out.push([FLAG_COLUMNS[name], value]);
  }
  return out;
}

/** Message ids that can exist (positive safe integers), deduplicated, ascending. */
export function validIds(ids: readonly number[]): number[] {
  return [...new Set(ids.filter((id) => Number.isSafeInteger(id) && id > 0))].sort((a, b) => a - b);
}

export function summaryFromColumn(value: unknown, what: string): MessageSummary {
  return jsonObject<MessageSummary>(value, what);
}

/**
 * The comparison form of search text and terms: NFC, lower case (all of Unicode, in JS, so both
 * backends fold alike; SQL lower() folds only ASCII in SQLite), U+0000 dropped (PostgreSQL text).
 */
export function mailSearchKey(s: string): string {
  const folded = s.normalize('NFC').toLowerCase();
  return folded.includes('\u0000') ? folded.replaceAll('\u0000', '') : folded;
}

/** The stored search text of a message: subject, names and addresses, then the leading body text. */
export function mailSearchText(summary: MessageSummary, bodyText: string | null | undefined): string {
  const parts = [summary.subject];
  for (const list of [summary.from, summary.to, summary.cc]) {
    for (const a of list ?? []) parts.push(a.name ?? '', a.address);
  }
  if (bodyText) parts.push(bodyText.slice(0, MAIL_SEARCH_BODY_CHARS));
  return mailSearchKey(parts.join('\n'));
}

/** A search's terms folded, empty and blank ones dropped, duplicates removed. */
export function searchTerms(search: Pick<MailSearch, 'terms'>): string[] {
  return [...new Set(search.terms.map(mailSearchKey).filter((t) => t.trim() !== ''))];
}

/** A search's window as non-negative integers. */
export function searchWindow(search: Pick<MailSearch, 'offset' | 'limit'>): {
  offset: number;
  limit: number;
} {
  const int = (n: number) => (Number.isFinite(n) ? Math.max(0, Math.floor(n)) : 0);
  return { offset: int(search.offset), limit: int(search.limit) };
}

export function folderFromRow(r: FolderRow): StoredMailFolder {
  return {
    id: r.id,
    userId: r.user_id,
    parentId: r.parent_id,
    name: r.name,
    role: r.role,
    changeCounter: toNumber(r.change_counter, 'mail_folders.change_counter'),
  };
}

export function entryFromRow(r: EntryRow): StoredMessageEntry {
  return {
    id: toNumber(r.uid, 'mail_messages.uid'),
    receivedAt: toDate(r.received_at, 'mail_messages.received_at'),
    flags: {
      read: toBool(r.flag_read),
      flagged: toBool(r.flag_flagged),
      answered: toBool(r.flag_answered),
      forwarded: toBool(r.flag_forwarded),
    },
  };
}

export function messageFromRow(r: MessageRow): StoredMessage {
  return {
    ...entryFromRow(r),
    userId: r.user_id,
    folderId: r.folder_id,
    size: toNumber(r.size, 'mail_messages.size'),
    summary: summaryFromColumn(r.summary, 'mail_messages.summary'),
  };
}

/** A stored bigint (pg returns int8 as a string) or integer as a number. */
export function toNumber(value: unknown, what: string): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new Error(`store: ${what}: not an integer`);
  return n;
}

/**
 * Cut `source` into MAIL_CHUNK_SIZE pieces and hand each to `write` (awaited, so a slow database
 * slows the source down); the last piece may be shorter. Returns the byte count. Holds at most one
 * chunk plus one source piece. Throws MailContentTooLargeError as soon as `maxBytes` is passed.
 */
export async function writeChunks(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  maxBytes: number | undefined,
  write: (seq: number, data: Buffer) => Promise<void> | void,
): Promise<number> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let total = 0;
  let seq = 0;
  for await (const piece of source) {
    const buf = Buffer.isBuffer(piece)
      ? piece
      : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    total += buf.length;
    if (maxBytes !== undefined && total > maxBytes) throw new MailContentTooLargeError(maxBytes);
    pending.push(buf);
    pendingBytes += buf.length;
    while (pendingBytes >= MAIL_CHUNK_SIZE) {
      const all = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingBytes);
      await write(seq++, all.subarray(0, MAIL_CHUNK_SIZE));
      const rest = all.subarray(MAIL_CHUNK_SIZE);
      pending = rest.length > 0 ? [rest] : [];
      pendingBytes = rest.length;
    }
  }
  if (pendingBytes > 0) await write(seq, Buffer.concat(pending, pendingBytes));
  return total;
}

/**
 * A byte stream over pieces 0, 1, ... of a content until `size` bytes: each piece is fetched when
 * the consumer wants more, so at most about two are in memory. A piece is a whole chunk row unless
 * the backend reads rows in slices (`pieceSize`, a divisor of MAIL_CHUNK_SIZE). A missing piece
 * (the message was deleted meanwhile) ends the stream with an error. With `range`, only bytes
 * [start, end) (clamped to the content) are read: the pieces before it are never fetched.
 */
export function chunkReader(
  size: number,
  readPiece: (index: number) => Promise<Buffer | null> | Buffer | null,
  what: string,
  pieceSize = MAIL_CHUNK_SIZE,
  range?: ByteRange,
): Readable {
  const { start, end } = clampRange(size, range);
  async function* pieces(): AsyncGenerator<Buffer> {
    // Every piece but the last is exactly pieceSize, so piece i starts at byte i * pieceSize.
    let read = start - (start % pieceSize);
    for (let index = read / pieceSize; read < end; index++) {
      const piece = await readPiece(index);
      if (!piece || piece.length === 0) {
        throw new Error(`store: ${what}: chunk data at byte ${read} is missing (deleted while being read?)`);
      }
      const from = Math.max(start - read, 0);
      const to = Math.min(end - read, piece.length);
      read += piece.length;
      yield from === 0 && to === piece.length ? piece : piece.subarray(from, to);
    }
  }
  return Readable.from(pieces(), { objectMode: false, highWaterMark: pieceSize });
}

/** `range` within [0, size] as whole numbers; the whole content when absent. */
function clampRange(size: number, range: ByteRange | undefined): ByteRange {
  const int = (n: number, fallback: number): number =>
    Number.isFinite(n) ? Math.min(Math.max(Math.floor(n), 0), size) : fallback;
  const start = range ? int(range.start, 0) : 0;
  return { start, end: range ? Math.max(int(range.end, size), start) : size };
}
