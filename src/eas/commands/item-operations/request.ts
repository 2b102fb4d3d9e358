// The ItemOperations request as data ([MS-ASCMD] 2.2.1.10): its operations in order, each already
// checked, so a malformed one carries the Status it is answered with and the others still run.
// Pure; hostile input gives statuses, never exceptions.
import { children, isElement } from '../../../wbxml/index.js';
import type { Namespace, WbxmlElement } from '../../../wbxml/types.js';
import type { BodyOptions } from '../../sync/body.js';
import { parseBodyOptions } from '../../sync/body.js';
import { MAX_ID_LENGTH } from '../../sync/state-store.js';

/** ItemOperations Status ([MS-ASCMD] 2.2.3.177.8), global and per operation. */
export const ItemOpsStatus = {
  Success: 1,
  ProtocolError: 2,
  ServerError: 3,
  ObjectNotFound: 6,
  ByteRangeInvalid: 8,
  StoreUnknown: 9,
  FileEmpty: 10,
  TooLarge: 11,
  IoFailure: 12,
  ConversionFailed: 14,
  AttachmentInvalid: 15,
  AccessDenied: 16,
} as const;

/**
 * Operations per request. Phones fetch one item or a few attachments at a time; each operation is
 * backend work and a part of the answer, so far more than that is refused whole (Status 2).
 */
export const MAX_OPERATIONS = 100;

/** [MS-ASCMD] 2.2.3.143.2 Range "m-n": zero-based, inclusive, m <= n. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface FetchRequest {
  kind: 'fetch';
  /** Set when the request already decides the answer (malformed, unsupported). */
  status: number | null;
  fileReference: string | null;
  collectionId: string | null;
  serverId: string | null;
  longId: string | null;
  range: ByteRange | null;
  body: BodyOptions;
}

export interface EmptyFolderRequest {
  kind: 'empty';
  status: number | null;
  collectionId: string;
  deleteSubFolders: boolean;
}

export interface ConversationMoveRequest {
  kind: 'move';
  conversationId: string;
}

export type ItemOperation = FetchRequest | EmptyFolderRequest | ConversationMoveRequest;

const NO_BODY: BodyOptions = { prefs: [], mimeSupport: null, mimeTruncation: null };

/** The text of the single child (tag, ns); null if absent, 'many' if repeated or not plain text. */
function single(e: WbxmlElement | null, tag: string, ns: Namespace): string | null | 'many' {
  const found = children(e, tag, ns);
  if (found.length === 0) return null;
  const c = found[0] as WbxmlElement;
  if (found.length > 1 || c.children.some((x) => typeof x !== 'string')) return 'many';
  return c.children.join('');
}

/** A Range value, or null when malformed (Status 8). Values beyond uint32 cannot address any item. */
export function parseRange(v: string): ByteRange | null {
  const m = /^\s*(\d{1,10})-(\d{1,10})\s*$/.exec(v);
  if (!m) return null;
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (start > end || end > 0xffffffff) return null;
  return { start, end };
}

const idOk = (v: string | null | 'many'): v is string => typeof v === 'string' && v !== '' && v.length <= 256;

function parseFetch(f: WbxmlElement): FetchRequest {
  const out: FetchRequest = {
    kind: 'fetch',
    status: null,
    fileReference: null,
    collectionId: null,
    serverId: null,
    longId: null,
    range: null,
    body: NO_BODY,
  };
  const fail = (status: number): FetchRequest => ({ ...out, status });
  const store = single(f, 'Store', 'ItemOperations');
  const fileRef = single(f, 'FileReference', 'AirSyncBase');
  const collectionId = single(f, 'CollectionId', 'AirSync');
  const serverId = single(f, 'ServerId', 'AirSync');
  const longId = single(f, 'LongId', 'Search');
  const linkId = single(f, 'LinkId', 'DocumentLibrary');
  // Echoed in the answer even when the rest is wrong, so the device can match it.
  if (typeof fileRef === 'string') out.fileReference = fileRef.slice(0, 256);
  if (typeof collectionId === 'string') out.collectionId = collectionId.slice(0, MAX_ID_LENGTH);
  if (typeof serverId === 'string') out.serverId = serverId.slice(0, MAX_ID_LENGTH);
  if (typeof longId === 'string') out.longId = longId.slice(0, 256);
  if ([store, fileRef, collectionId, serverId, longId, linkId].includes('many')) {
    // [MS-ASCMD] 2.2.3.8: one FileReference per Fetch, else Status 2; the same for every id.
    return fail(ItemOpsStatus.ProtocolError);
  }
  // Only the mailbox store exists here: document libraries (UNC, SharePoint) are not served.
  if (linkId !== null || (store !== null && store.trim().toLowerCase() !== 'mailbox')) {
    return fail(ItemOpsStatus.StoreUnknown);
  }
  const targets = [fileRef, serverId, longId].filter((x) => x !== null).length;
  if (targets !== 1) return fail(ItemOpsStatus.ProtocolError);
  const options = children(f, 'Options', 'ItemOperations');
  if (options.length > 1) return fail(ItemOpsStatus.ProtocolError);
  const opt = options[0] ?? null;
  const range = single(opt, 'Range', 'ItemOperations');
  if (range === 'many') return fail(ItemOpsStatus.ProtocolError);
  if (range !== null) {
    const r = parseRange(range);
    if (!r) return fail(ItemOpsStatus.ByteRangeInvalid);
    out.range = r;
  }
  if (fileRef !== null) {
    if (!idOk(fileRef)) return fail(ItemOpsStatus.AttachmentInvalid);
    // [MS-ASCMD] 2.2.3.8: with a FileReference, Range is the only meaningful option; others are ignored.
    return out;
  }
  if (longId !== null) {
    // [MS-ASCMD] 2.2.3.102.2: a Search result, named by its LongId alone (a CollectionId beside it is ignored).
    if (!idOk(longId)) return fail(ItemOpsStatus.ProtocolError);
  } else {
    if (!idOk(serverId) || (serverId as string).length > MAX_ID_LENGTH)
      return fail(ItemOpsStatus.ProtocolError);
    if (collectionId !== null && !(idOk(collectionId) && collectionId.length <= MAX_ID_LENGTH)) {
      return fail(ItemOpsStatus.ProtocolError);
    }
  }
  const body = parseBodyOptions(opt);
  if (!body) return fail(ItemOpsStatus.ProtocolError);
  out.body = body;
  return out;
}

function parseEmpty(e: WbxmlElement): EmptyFolderRequest {
  const collectionId = single(e, 'CollectionId', 'AirSync');
  const options = children(e, 'Options', 'ItemOperations');
  const ok = idOk(collectionId) && collectionId.length <= MAX_ID_LENGTH && options.length <= 1;
  return {
    kind: 'empty',
    status: ok ? null : ItemOpsStatus.ProtocolError,
    collectionId: typeof collectionId === 'string' ? collectionId.slice(0, MAX_ID_LENGTH) : '',
    deleteSubFolders: children(options[0], 'DeleteSubFolders', 'ItemOperations').length > 0,
  };
}

/**
 * The operations in request order, or null when the document is not an ItemOperations request with
 * 1..MAX_OPERATIONS operations (answered with the global Status 2).
 */
export function parseItemOperations(body: WbxmlElement | null): ItemOperation[] | null {
  if (!body || body.ns !== 'ItemOperations' || body.tag !== 'ItemOperations') return null;
  const ops: ItemOperation[] = [];
  for (const c of body.children) {
    if (!isElement(c)) continue;
    if (c.ns !== 'ItemOperations') return null;
    if (c.tag === 'Fetch') ops.push(parseFetch(c));
    else if (c.tag === 'EmptyFolderContents') ops.push(parseEmpty(c));
    else if (c.tag === 'Move') {
      const id = single(c, 'ConversationId', 'ItemOperations');
      ops.push({ kind: 'move', conversationId: typeof id === 'string' ? id.slice(0, 256) : '' });
    } else return null;
    if (ops.length > MAX_OPERATIONS) return null;
  }
  return ops.length ? ops : null;
}
