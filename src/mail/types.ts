// The mail backend interface: folders, messages, change detection input, flags, moves, deletes,
// sending and change notifications. EAS commands talk only to this; the embedded store, IMAP+SMTP
// and the quarantine view implement it, and every backend passes test/mail/conformance.
import type { Readable } from 'node:stream';

/** Folder roles; the EAS FolderSync Type is derived from these ([MS-ASCMD] 2.2.3.186.3). */
export type FolderRole = 'inbox' | 'drafts' | 'deleted' | 'sent' | 'outbox' | 'junk' | 'archive' | null;

export interface MailFolder {
  /** Stable backend id (survives renames where the backend can: IMAP uses the mailbox path or its OBJECTID). */
  id: string;
  /** null = top level. */
  parentId: string | null;
  name: string;
  role: FolderRole;
}

export interface MailAddress {
  name: string | null;
  address: string;
}

export interface MessageFlags {
  read: boolean;
  flagged: boolean;
  answered: boolean;
  forwarded: boolean;
}

/** What change detection needs: cheap to list for thousands of messages. */
export interface MessageEntry {
  /** Stable id within its folder (IMAP UID, store row id). A moved message gets a new id. */
  id: string;
  /** When it arrived (IMAP INTERNALDATE); FilterType windows use it. */
  receivedAt: Date;
  flags: MessageFlags;
}

export interface AttachmentInfo {
  /** Stable within the message (MIME part path, e.g. "2" or "1.2"). */
  partId: string;
  fileName: string;
  contentType: string;
  size: number;
  contentId: string | null;
  inline: boolean;
}

/** Everything EAS shows of a message except its bodies. */
export interface MessageHeaders extends MessageEntry {
  folderId: string;
  messageId: string | null;
  subject: string;
  from: MailAddress[];
  to: MailAddress[];
  cc: MailAddress[];
  replyTo: MailAddress[];
  /** Date header (falls back to receivedAt). */
  date: Date;
  importance: 'low' | 'normal' | 'high';
  /** RFC 822 size in bytes. */
  size: number;
  attachments: AttachmentInfo[];
}

export interface MessageBodies {
  text: string | null;
  html: string | null;
}

/** Opaque to callers; the backend's own checkpoint (e.g. IMAP UIDVALIDITY + HIGHESTMODSEQ). */
export type FolderCheckpoint = string;

export interface FolderListing {
  checkpoint: FolderCheckpoint;
  /** Every message in the folder received at or after `since` (all when since is null). */
  entries: MessageEntry[];
}

export interface SendOptions {
  /** Copy the sent message into the Sent folder. */
  saveInSent: boolean;
}

/**
 * What MailSession.search looks for: the mailbox half of [MS-ASCMD] 2.2.1.16 Search (FreeText
 * words, folders, DateReceived bounds) and the window of matches wanted.
 */
export interface MailSearchQuery {
  /**
   * Words that must all occur in a message (AND). Each is compared case-insensitively as a
   * substring (no word boundaries, no stemming). Every backend looks in the subject, the From, To
   * and Cc display names and addresses, and the body text (an HTML-only message: its text) at
   * least up to MAIL_SEARCH_BODY_CHARS characters; a backend may look further (IMAP TEXT also
   * reads the other headers and the whole body). Empty: every message in the folders matches.
   */
  terms: string[];
  /**
   * The backend folder ids to search, each on its own (subfolders only when listed). A folder that
   * does not exist fails the call with MailNotFoundError; an empty list matches nothing.
   */
  folderIds: string[];
  /** Only messages received strictly after this instant (receivedAt > receivedAfter); null = no bound. */
  receivedAfter: Date | null;
  /** Only messages received strictly before this instant (receivedAt < receivedBefore); null = no bound. */
  receivedBefore: Date | null;
  /** Zero-based index, in the result order, of the first match to return. */
  offset: number;
  /** Most matches to return (1 or more); backends need not return more than MAIL_SEARCH_WINDOW past 0. */
  limit: number;
}

/** One message found by MailSession.search. */
export interface MailSearchHit {
  folderId: string;
  id: string;
  receivedAt: Date;
}

export interface MailSearchResult {
  /**
   * How many messages match in all, not only those returned. Exact for the memory and embedded
   * backends; an estimate (the spec's Total is one, [MS-ASCMD] 2.2.3.143.3) where a backend only
   * looks at part of a very large match set (IMAP: see src/mail/imap/messages.ts search).
   */
  total: number;
  /**
   * The matches from `offset`, at most `limit` of them, newest first: by receivedAt descending,
   * then folderId ascending (code units), then id descending (numerically when both are decimal).
   * The same query gives the same order while the mailbox does not change, so windows page through
   * one ordering. Fewer than `limit` only when the matches run out (or past MAIL_SEARCH_WINDOW).
   */
  hits: MailSearchHit[];
}

/** Body characters every backend searches at least (longer bodies: the leading part). */
export const MAIL_SEARCH_BODY_CHARS = 8000;

/** Matches every backend can page to: offset + limit up to this many (the EAS command stays below). */
export const MAIL_SEARCH_WINDOW = 5000;

export interface MailChangeEvent {
  userId: string;
  folderId: string;
  /** 'add' when a message arrived or was moved in (wakes Ping); 'change' for flags/deletes. */
  kind: 'add' | 'change' | 'folders';
}

/** One user's mailbox. Sessions are cheap to open and hold no per-device resources. */
export interface MailSession {
  listFolders(): Promise<MailFolder[]>;
  createFolder(parentId: string | null, name: string): Promise<MailFolder>;
  renameFolder(folderId: string, parentId: string | null, name: string): Promise<MailFolder>;
  /** Deletes the folder and everything in it. */
  deleteFolder(folderId: string): Promise<void>;

  /** Current entries of a folder, newest first. Throws MailNotFoundError for an unknown folder. */
  listMessages(folderId: string, opts?: { since?: Date | null }): Promise<FolderListing>;
  /** Headers of the given messages; missing ids are left out. */
  getHeaders(folderId: string, ids: string[]): Promise<MessageHeaders[]>;
  /** Text and HTML bodies; null when the message is gone. */
  getBodies(folderId: string, id: string): Promise<MessageBodies | null>;
  /** The whole RFC 822 message, streamed; null when gone. */
  openMime(folderId: string, id: string): Promise<{ size: number; stream: Readable } | null>;
  /** One attachment's decoded content, streamed; null when gone. */
  openAttachment(
    folderId: string,
    id: string,
    partId: string,
  ): Promise<{ size: number; contentType: string; fileName: string; stream: Readable } | null>;

  setFlags(folderId: string, ids: string[], flags: Partial<MessageFlags>): Promise<void>;
  /** Permanent delete (callers implement "move to Deleted Items" with moveMessages). Missing ids are ignored. */
  deleteMessages(folderId: string, ids: string[]): Promise<void>;
  /** Move; returns old id -> new id for each message moved. Missing ids are left out. */
  moveMessages(fromFolderId: string, ids: string[], toFolderId: string): Promise<Map<string, string>>;
  /** Store a message (Drafts, Sent copies, client Adds); returns its id. */
  appendMessage(folderId: string, mime: Buffer, flags?: Partial<MessageFlags>): Promise<string>;
  /** Submit a message for delivery; recipients come from its headers (To, Cc, Bcc). */
  send(mime: Buffer, opts: SendOptions): Promise<void>;

  /**
   * Messages of the given folders that match every term and the receivedAt bounds, newest first,
   * with the total number of matches (see MailSearchQuery and MailSearchResult for the contract).
   * Read-only; messages another client marked deleted (IMAP \Deleted) are left out.
   */
  search(query: MailSearchQuery): Promise<MailSearchResult>;

  close(): Promise<void>;
}

export interface MailCredentials {
  username: string;
  /** The device's EAS password; backends that pass it through (IMAP) never write it anywhere. */
  password: string;
}

export interface MailBackend {
  readonly kind: string;
  /** Open the mailbox of an authenticated user. */
  open(
    user: { id: string; username: string; email: string; displayName: string },
    credentials: MailCredentials,
  ): Promise<MailSession>;
  /**
   * Subscribe to changes of any user's mailbox (new mail, moves in, flag changes). Push (Ping)
   * filters by user and folder; one subscription serves every held Ping.
   */
  onChange(listener: (e: MailChangeEvent) => void): () => void;
  close(): Promise<void>;
}

export class MailNotFoundError extends Error {
  readonly code = 'EAS_ERR_MAIL_NOT_FOUND';
}

export class MailBackendError extends Error {
  readonly code = 'EAS_ERR_MAIL_BACKEND';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The mail server refused the user's credentials (IMAP LOGIN/AUTHENTICATE, SMTP AUTH). Callers map it
 * to HTTP 401 so the device asks for its password again.
 */
export class MailAuthError extends Error {
  readonly code = 'EAS_ERR_MAIL_AUTH';
}

/**
 * createFolder/renameFolder: a folder with that name already exists under that parent
 * ([MS-ASCMD] FolderCreate and FolderUpdate Status 2).
 */
export class MailFolderExistsError extends Error {
  readonly code = 'EAS_ERR_MAIL_FOLDER_EXISTS';
}
