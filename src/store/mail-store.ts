// Storage of the embedded mail backend (src/mail/embedded): per-user folders, messages with a
// parsed header summary for fast listing, and the raw RFC 822 bytes in fixed-size chunk rows, so a
// 25 MB message is written and read as a stream, never held as one buffer. No MIME parsing here.
import type { Readable } from 'node:stream';

/** Bytes per stored chunk row; every chunk of a content but its last has exactly this size. */
export const MAIL_CHUNK_SIZE = 256 * 1024;

export type MailFolderRole = 'inbox' | 'drafts' | 'deleted' | 'sent' | 'outbox' | 'junk' | 'archive';

export interface StoredMailFolder {
  /** Chosen by the caller at creation (a UUID); never changes. */
  id: string;
  userId: string;
  /** null = top level. */
  parentId: string | null;
  name: string;
  role: MailFolderRole | null;
  /**
   * Moves forward on every change to the folder's messages (added, moved in or out, flags changed,
   * deleted) and only then; never moves back. The embedded backend's checkpoint.
   */
  changeCounter: number;
}

/** A folder to create. */
export type NewMailFolder = Omit<StoredMailFolder, 'changeCounter'>;

export interface StoredMailAddress {
  name: string | null;
  address: string;
}

export interface StoredAttachment {
  /** IMAP-style MIME part path ("2", "1.2"); "1" for a message that is a single non-text part. */
  partId: string;
  fileName: string;
  contentType: string;
  /** Decoded size in bytes. */
  size: number;
  contentId: string | null;
  inline: boolean;
  /**
   * Where the part's encoded body lies in the raw message and how to decode it, when the mail
   * backend could check at delivery that this gives the same bytes as parsing; absent otherwise
   * (then the part is found by parsing). Not shown to devices.
   */
  encoded?: EncodedRange;
}

/** Content-Transfer-Encoding of a part; 'binary' also stands for 7bit, 8bit and none. */
export type AttachmentEncoding = 'base64' | 'quoted-printable' | 'binary';

/** A part's body within the raw message: bytes [start, end), in `encoding`. */
export interface EncodedRange extends ByteRange {
  encoding: AttachmentEncoding;
}

/** The headers a listing shows, parsed once at delivery; stored as JSON, returned as given. */
export interface MessageSummary {
  subject: string;
  from: StoredMailAddress[];
  to: StoredMailAddress[];
  cc: StoredMailAddress[];
  replyTo: StoredMailAddress[];
  /** The Date header as ISO-8601; null when absent or unparsable. */
  date: string | null;
  messageId: string | null;
  importance: 'low' | 'normal' | 'high';
  attachments: StoredAttachment[];
}

export interface MailFlags {
  read: boolean;
  flagged: boolean;
  answered: boolean;
  forwarded: boolean;
}

export interface StoredMessageEntry {
  /** Unique within the folder and increasing: a message gets the folder's next id when it arrives or moves in. */
  id: number;
  receivedAt: Date;
  flags: MailFlags;
}

export interface StoredMessage extends StoredMessageEntry {
  userId: string;
  folderId: string;
  /** Size of the raw message in bytes. */
  size: number;
  summary: MessageSummary;
}

export interface MailListing {
  /** The folder's changeCounter read in the same snapshot as the entries. */
  changeCounter: number;
  /** Newest first: by receivedAt, then id, descending. */
  entries: StoredMessageEntry[];
}

/** Bytes [start, end) of a raw message: offsets from its first byte, end exclusive. */
export interface ByteRange {
  start: number;
  end: number;
}

/** Raw message bytes written with writeMailContent and not yet (or no longer) part of a message. */
export interface MailContent {
  id: string;
  size: number;
}

export interface NewMailMessage {
  userId: string;
  folderId: string;
  /** From writeMailContent, for the same user; a content belongs to one message. */
  contentId: string;
  receivedAt: Date;
  flags: MailFlags;
  summary: MessageSummary;
  /**
   * The body as text (the plain part, or the text of the HTML part), for searchMailMessages. The
   * store keeps its first MAIL_SEARCH_BODY_CHARS characters (U+0000 dropped); absent or null: the
   * message is searchable by its subject and addresses only.
   */
  bodyText?: string | null;
  /**
   * The rendered bodies getMailBodies returns, kept so a body fetch need not re-read the whole
   * message. Absent or null: none are kept (getMailBodies gives null). No U+0000 (the caller
   * replaces it, as in the summary).
   */
  bodies?: StoredMailBodies | null;
}

/** A message's rendered text and HTML bodies, as the mail backend produced them; returned as given. */
export interface StoredMailBodies {
  text: string | null;
  html: string | null;
}

/** Leading body characters searchMailMessages looks at (the mail backends promise at least as many). */
export const MAIL_SEARCH_BODY_CHARS = 8000;

/** A search of one user's messages (searchMailMessages). */
export interface MailSearch {
  /** Folders to search, each on its own; ids that are not the user's folders match nothing. */
  folderIds: string[];
  /** Every term must occur in the search text, compared after mailSearchKey folding (src/store/sql/mail.ts). */
  terms: string[];
  /** Exclusive receivedAt bounds; null = none. */
  receivedAfter: Date | null;
  receivedBefore: Date | null;
  /** Zero-based index of the first match returned, and the most returned. */
  offset: number;
  limit: number;
}

export interface MailSearchPage {
  /** Every match, not only the page. */
  total: number;
  /** receivedAt descending, then folderId ascending (code points), then id descending. */
  hits: Array<{ folderId: string; id: number; receivedAt: Date }>;
}

/** writeMailContent got more than `maxBytes`; nothing was kept. */
export class MailContentTooLargeError extends RangeError {
  readonly code = 'EAS_ERR_STORE_MAIL_TOO_LARGE';
  constructor(readonly maxBytes: number) {
    super(`store: message content exceeds ${maxBytes} bytes`);
    this.name = 'MailContentTooLargeError';
  }
}

/**
 * Every method is scoped to one user: a folder or message of another user is treated as missing.
 * Methods on a folder return null when the folder is missing; messages missing from an existing
 * folder are left out of results.
 */
export interface MailStore {
  /** The user's folders, ordered by name (case-folded), then id; [] for an unknown user. */
  listMailFolders(userId: string): Promise<StoredMailFolder[]>;
  /** null if missing. */
  getMailFolder(userId: string, folderId: string): Promise<StoredMailFolder | null>;
  /**
   * Insert a folder (changeCounter 0). Throws StoreConflictError when the user already has a folder
   * with that name under that parent (names compare case-insensitively, as in Exchange) or a folder
   * with that role; an Error when the parent is not one of the user's folders.
   */
  createMailFolder(folder: NewMailFolder): Promise<StoredMailFolder>;
  /**
   * Create those of `folders` (one user's, top level or under earlier ones) whose name and role are
   * still free, skipping the others; idempotent and safe to run concurrently (first open of a mailbox).
   */
  ensureMailFolders(folders: NewMailFolder[]): Promise<void>;
  /**
   * Rename and/or move a folder (its subfolders and messages go with it; message ids are kept).
   * null if missing; StoreConflictError on a taken name; an Error when the new parent is not one of
   * the user's folders, or is the folder itself or one of its subfolders.
   */
  updateMailFolder(
    userId: string,
    folderId: string,
    change: { parentId: string | null; name: string },
  ): Promise<StoredMailFolder | null>;
  /** Delete the folder, its subfolders, their messages and content. false if it was missing. */
  deleteMailFolder(userId: string, folderId: string): Promise<boolean>;

  /**
   * Store raw message bytes as they arrive, in MAIL_CHUNK_SIZE rows; at most one chunk is held in
   * memory. If the source fails, or exceeds `maxBytes` (MailContentTooLargeError; the rest of the
   * source is not read), what was written is deleted and the error thrown. The content is invisible
   * until addMailMessage; call deleteMailContent if the message is not added after all.
   */
  writeMailContent(
    userId: string,
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    opts?: { maxBytes?: number },
  ): Promise<MailContent>;
  /** Delete a content that is not part of a message; a content that is, or a missing id, is left alone. */
  deleteMailContent(userId: string, contentId: string): Promise<void>;
  /**
   * Delete contents created before `olderThan` that no message uses (writes interrupted by a crash);
   * returns how many.
   */
  pruneMailContent(olderThan: Date): Promise<number>;

  /**
   * Add a message over a written content: it gets the folder's next id and the folder's
   * changeCounter moves. null if the folder is missing; an Error when the content is not the
   * user's, unfinished or already part of a message.
   */
  addMailMessage(message: NewMailMessage): Promise<StoredMessage | null>;
  /** Entries received at or after `since` (all when null/absent), newest first. null if the folder is missing. */
  listMailMessages(
    userId: string,
    folderId: string,
    opts?: { since?: Date | null },
  ): Promise<MailListing | null>;
  /** The given messages, ordered by id; missing ids left out. null if the folder is missing. */
  getMailMessages(userId: string, folderId: string, ids: number[]): Promise<StoredMessage[] | null>;
  /**
   * Set the given flags (others unchanged). Returns the ids whose flags actually changed (the
   * changeCounter moves once if any did), null if the folder is missing.
   */
  setMailFlags(
    userId: string,
    folderId: string,
    ids: number[],
    flags: Partial<MailFlags>,
  ): Promise<number[] | null>;
  /** Delete messages and their content; returns the ids deleted, null if the folder is missing. */
  deleteMailMessages(userId: string, folderId: string, ids: number[]): Promise<number[] | null>;
  /**
   * Move messages: each gets the target folder's next id (in the order of their old ids); flags,
   * receivedAt and content go along without copying the data. Both counters move. Returns old id ->
   * new id for the messages moved, null if either folder is missing. A move into the same folder
   * changes nothing and maps each existing id to itself.
   */
  moveMailMessages(
    userId: string,
    fromFolderId: string,
    ids: number[],
    toFolderId: string,
  ): Promise<Map<number, number> | null>;
  /**
   * The raw message, read one chunk at a time as the stream is consumed; null if missing. A message
   * deleted while it is being read ends the stream with an error; one moved meanwhile reads on.
   * With `range`, the stream gives only bytes [start, end) of it (clamped to the message; chunks
   * before the range are not read); `size` is still the whole message's.
   */
  openMailContent(
    userId: string,
    folderId: string,
    id: number,
    range?: ByteRange,
  ): Promise<{ size: number; stream: Readable } | null>;
  /**
   * The bodies kept for a message by addMailMessage or putMailBodies, exactly as given; a move keeps
   * them, a delete removes them. null when the message (or folder) is missing or has none kept:
   * messages stored before schema version 6, or added without `bodies`.
   */
  getMailBodies(userId: string, folderId: string, id: number): Promise<StoredMailBodies | null>;
  /**
   * Keep bodies for an existing message (backfill for messages stored without them), replacing any
   * kept before; idempotent. false when the message or folder is missing (nothing written), also
   * when it was deleted or moved away concurrently. No U+0000, as for addMailMessage.
   */
  putMailBodies(userId: string, folderId: string, id: number, bodies: StoredMailBodies): Promise<boolean>;

  /**
   * The user's messages in `search.folderIds` received strictly between the bounds whose search text
   * contains every term, as a page of the ordered matches plus their total. The search text is
   * written by addMailMessage: the subject, the From, To and Cc names and addresses, and the first
   * MAIL_SEARCH_BODY_CHARS of bodyText, folded (NFC, lower case) as the terms are; a move keeps it.
   * Messages stored before schema version 5 have subject and addresses only, folded by SQL lower().
   * Cost: no full-text index. The scan is confined to the named folders and the date window
   * (indexed by folder and receivedAt) and reads at most one bounded text per message, so it grows
   * with the size of the searched folders, not of the whole store. Folders of other users, unknown
   * ids and an empty list give { total: 0, hits: [] }.
   */
  searchMailMessages(userId: string, search: MailSearch): Promise<MailSearchPage>;

  /**
   * The user whose e-mail address this is, compared ignoring ASCII case (the same in both backends);
   * the first by username if several share it; null if none.
   */
  findUserIdByEmail(email: string): Promise<string | null>;
}
