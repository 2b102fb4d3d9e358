// The Sync request as data ([MS-ASCMD] 2.2.1.21, 2.2.3.29.2 Collection): collections with their
// keys, options and client commands, and the long-poll values. Anything malformed is a
// SyncRequestError carrying the Sync status to answer with; nothing here touches state or mail.
import { child, childText, children, isElement } from '../../wbxml/index.js';
import type { WbxmlElement } from '../../wbxml/types.js';
import type { BodyOptions } from './body.js';
import { parseBodyOptions } from './body.js';
import type { EmailFilterType } from './filter.js';
import { parseFilterType } from './filter.js';
import { MAX_ID_LENGTH } from './state-store.js';

/** Sync Status values ([MS-ASCMD] 2.2.3.177.17). */
export const SyncStatus = {
  Success: 1,
  InvalidSyncKey: 3,
  ProtocolError: 4,
  ServerError: 5,
  ConversionError: 6,
  Conflict: 7,
  ObjectNotFound: 8,
  HierarchyChanged: 12,
  IncompleteRequest: 13,
  InvalidWaitOrHeartbeat: 14,
  TooManyCollections: 15,
  Retry: 16,
} as const;

/** A request we answer with a Sync-level status (and, for 14, a Limit). */
export class SyncRequestError extends Error {
  constructor(
    readonly status: number,
    readonly limit: number | null = null,
    message?: string,
  ) {
    super(message ?? `Sync status ${status}`);
  }
}

/**
 * Bounds. Collections: Exchange refuses more than 1000 with status 15; 300 is GetItemEstimate's own
 * limit and more than any phone syncs. Commands: a full client window is 512; twice that is a
 * request no real client sends.
 */
export const SYNC_LIMITS = {
  maxCollections: 300,
  maxCommands: 1024,
  /** Wait, minutes ([MS-ASCMD] 2.2.3.198). */
  minWait: 1,
  maxWait: 59,
  /** HeartbeatInterval, seconds ([MS-ASCMD] 2.2.3.88.2): Exchange's default range. */
  minHeartbeat: 60,
  maxHeartbeat: 3540,
} as const;

export type ClientCommand =
  | { kind: 'add'; clientId: string; data: WbxmlElement | null }
  | { kind: 'change'; serverId: string; data: WbxmlElement | null }
  | { kind: 'delete'; serverId: string }
  | { kind: 'fetch'; serverId: string };

/** Options that stay with a collection between requests (cached for empty and partial Syncs). */
export interface CollectionOptions {
  filterType: EmailFilterType | null;
  /** 0 client wins, 1 server wins (default). */
  conflict: 0 | 1 | null;
  body: BodyOptions;
}

export interface CollectionRequest {
  /** null only in a Partial request (the current key is used). */
  syncKey: string | null;
  collectionId: string;
  getChanges: boolean | null;
  deletesAsMoves: boolean | null;
  windowSize: number | null;
  /** null when the request had no Options (a cached one may apply). */
  options: CollectionOptions | null;
  commands: ClientCommand[];
}

export interface SyncRequest {
  collections: CollectionRequest[];
  /** Seconds to hold the request open (Wait is converted from minutes); null = answer at once. */
  holdSeconds: number | null;
  windowSize: number | null;
  partial: boolean;
}

const protocol = (why: string) => new SyncRequestError(SyncStatus.ProtocolError, null, why);

function id(value: string | null, what: string): string {
  if (value === null || value === '' || value.length > MAX_ID_LENGTH) throw protocol(`bad ${what}`);
  return value;
}

function int(value: string | null, what: string): number | null {
  if (value === null) return null;
  if (!/^\d{1,9}$/.test(value.trim())) throw protocol(`bad ${what}`);
  return Number(value.trim());
}

/** Boolean elements: present with 1 or no value = true, 0 = false ([MS-ASCMD] GetChanges, DeletesAsMoves). */
function flag(e: WbxmlElement, tag: string): boolean | null {
  const v = childText(e, tag, 'AirSync');
  if (v === null) return null;
  if (v === '' || v === '1') return true;
  if (v === '0') return false;
  throw protocol(`bad ${tag}`);
}

/** [MS-ASCMD] 2.2.3.199 WindowSize: 0 or more than 512 means 512. */
export function normalizeWindow(n: number | null): number | null {
  if (n === null) return null;
  return n === 0 || n > 512 ? 512 : n;
}

function parseOptions(c: WbxmlElement): CollectionOptions | null {
  const all = children(c, 'Options', 'AirSync');
  if (all.length === 0) return null;
  // One Options per class; ours is Email (or unclassed). SMS options are not ours to apply.
  const o = all.find((x) => (childText(x, 'Class', 'AirSync') ?? 'Email') === 'Email') ?? null;
  if (!o) return null;
  const ft = childText(o, 'FilterType', 'AirSync');
  const filterType = parseFilterType(ft);
  if (ft !== null && filterType === null) throw protocol('bad FilterType');
  const conflict = int(childText(o, 'Conflict', 'AirSync'), 'Conflict');
  if (conflict !== null && conflict > 1) throw protocol('bad Conflict');
  const body = parseBodyOptions(o);
  if (!body) throw protocol('bad body options');
  return { filterType, conflict: conflict as 0 | 1 | null, body };
}

function parseCommands(c: WbxmlElement, budget: { left: number }): ClientCommand[] {
  const cmds = child(c, 'Commands', 'AirSync');
  if (!cmds) return [];
  const out: ClientCommand[] = [];
  for (const node of cmds.children) {
    if (!isElement(node) || node.ns !== 'AirSync') continue;
    if (--budget.left < 0) throw protocol('too many commands');
    const data = child(node, 'ApplicationData', 'AirSync');
    switch (node.tag) {
      case 'Add':
        out.push({ kind: 'add', clientId: childText(node, 'ClientId', 'AirSync') ?? '', data });
        break;
      case 'Change':
        out.push({ kind: 'change', serverId: id(childText(node, 'ServerId', 'AirSync'), 'ServerId'), data });
        break;
      case 'Delete':
        out.push({ kind: 'delete', serverId: id(childText(node, 'ServerId', 'AirSync'), 'ServerId') });
        break;
      case 'Fetch':
        out.push({ kind: 'fetch', serverId: id(childText(node, 'ServerId', 'AirSync'), 'ServerId') });
        break;
      default:
        throw protocol(`unknown command ${node.tag}`);
    }
  }
  return out;
}

function parseCollection(c: WbxmlElement, partial: boolean, budget: { left: number }): CollectionRequest {
  const cls = childText(c, 'Class', 'AirSync');
  if (cls !== null && cls !== 'Email') throw protocol(`class ${cls} is not served`);
  const key = childText(c, 'SyncKey', 'AirSync');
  return {
    syncKey: key === null && partial ? null : id(key, 'SyncKey'),
    collectionId: id(childText(c, 'CollectionId', 'AirSync'), 'CollectionId'),
    getChanges: flag(c, 'GetChanges'),
    deletesAsMoves: flag(c, 'DeletesAsMoves'),
    windowSize: normalizeWindow(int(childText(c, 'WindowSize', 'AirSync'), 'WindowSize')),
    options: parseOptions(c),
    commands: parseCommands(c, budget),
  };
}

/**
 * Wait and HeartbeatInterval: both present is a protocol error; out of range is status 14 with the
 * nearest allowed value as Limit ([MS-ASCMD] Limit element).
 */
function holdSeconds(body: WbxmlElement): number | null {
  const wait = int(childText(body, 'Wait', 'AirSync'), 'Wait');
  const hb = int(childText(body, 'HeartbeatInterval', 'AirSync'), 'HeartbeatInterval');
  if (wait !== null && hb !== null) throw protocol('both Wait and HeartbeatInterval');
  if (wait !== null) {
    if (wait < SYNC_LIMITS.minWait)
      throw new SyncRequestError(SyncStatus.InvalidWaitOrHeartbeat, SYNC_LIMITS.minWait);
    if (wait > SYNC_LIMITS.maxWait)
      throw new SyncRequestError(SyncStatus.InvalidWaitOrHeartbeat, SYNC_LIMITS.maxWait);
    return wait * 60;
  }
  if (hb !== null) {
    if (hb < SYNC_LIMITS.minHeartbeat) {
      throw new SyncRequestError(SyncStatus.InvalidWaitOrHeartbeat, SYNC_LIMITS.minHeartbeat);
    }
    if (hb > SYNC_LIMITS.maxHeartbeat) {
      throw new SyncRequestError(SyncStatus.InvalidWaitOrHeartbeat, SYNC_LIMITS.maxHeartbeat);
    }
    return hb;
  }
  return null;
}

/** Parses a non-empty Sync body. */
export function parseSyncRequest(body: WbxmlElement): SyncRequest {
  if (body.ns !== 'AirSync' || body.tag !== 'Sync') throw protocol('not a Sync document');
  const partialText = childText(body, 'Partial', 'AirSync');
  const partial = partialText !== null && partialText !== '0';
  const list = children(child(body, 'Collections', 'AirSync'), 'Collection', 'AirSync');
  if (list.length > SYNC_LIMITS.maxCollections) throw new SyncRequestError(SyncStatus.TooManyCollections);
  if (list.length === 0 && !partial) throw protocol('no collections');
  const budget = { left: SYNC_LIMITS.maxCommands };
  const collections = list.map((c) => parseCollection(c, partial, budget));
  const ids = new Set(collections.map((c) => c.collectionId));
  if (ids.size !== collections.length) throw protocol('a collection is listed twice');
  return {
    collections,
    holdSeconds: holdSeconds(body),
    windowSize: normalizeWindow(int(childText(body, 'WindowSize', 'AirSync'), 'WindowSize')),
    partial,
  };
}
