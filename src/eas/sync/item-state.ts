// What one device knows of one email collection, and how it differs from the mailbox now
// ([MS-ASCMD] 2.2.1.21 Sync): a snapshot of item -> flags, short item ServerIds "<collection>:<n>",
// the recent client Adds by ClientId, and the diff/window logic. Pure; stored as JSON per key.
import type { MessageEntry, MessageFlags } from '../../mail/types.js';

/** Flag bits kept per item: what EAS shows of the IMAP-like flags (email:Read, email:Flag). */
export const READ = 1;
export const FLAGGED = 2;

export function flagBits(f: Pick<MessageFlags, 'read' | 'flagged'>): number {
  return (f.read ? READ : 0) | (f.flagged ? FLAGGED : 0);
}

/** How many recent client Adds are remembered for deduplication by ClientId. */
export const MAX_CLIENT_IDS = 200;

export interface ClientAdd {
  clientId: string;
  n: number;
  backendId: string;
}

export interface CollectionData {
  /** Backend folder id the collection was primed for. */
  folderId: string;
  /** Next item number. */
  next: number;
  /**
   * Backend message id -> item number. Allocation memory: on a retry with the previous key it is
   * taken from the newest state, so an item keeps the ServerId it had in the lost response.
   */
  ids: Map<string, number>;
  /** Backend message id -> flag bits: exactly the items the device has, as it has them. */
  items: Map<string, number>;
  /** Recent client Adds, newest last. */
  clients: ClientAdd[];
  /**
   * Messages moved here by MoveItems that this collection has not Added yet: the device already
   * shows each under the ServerId in `ids` (its DstMsgId), so that allocation is kept, whatever
   * the windows in between (pruneIds), until the Add goes out, or a SoftDelete (outside the
   * FilterType window) or a Delete (gone from the folder) does (diffItems, applyOp).
   */
  moved: Set<string>;
  /**
   * The SyncKey the device holds for this state when it is not the row's own: MoveItems changes
   * the row's key when it allocates (item-lookup.ts allocateItem), so that a Sync that read the
   * row before fails its compare-and-set instead of writing over the allocation, while the
   * device's key stays valid. null when the row's key is the device's.
   */
  heldKey: string | null;
}

export function emptyCollection(folderId: string): CollectionData {
  return {
    folderId,
    next: 1,
    ids: new Map(),
    items: new Map(),
    clients: [],
    moved: new Set(),
    heldKey: null,
  };
}

interface Stored {
  v: 1;
  folder: string;
  next: number;
  ids: Array<[string, number]>;
  items: Array<[string, number]>;
  clients: Array<[string, number, string]>;
  /** Absent in states written before MoveItems reservations were kept (read as none). */
  moved?: string[];
  /** heldKey, when set. */
  key?: string;
}

/** A state to store: reservations and a held key are optional (none). */
export type CollectionInput = Omit<CollectionData, 'moved' | 'heldKey'> &
  Partial<Pick<CollectionData, 'moved' | 'heldKey'>>;

export function serializeCollection(d: CollectionInput): string {
  const s: Stored = {
    v: 1,
    folder: d.folderId,
    next: d.next,
    ids: [...d.ids],
    items: [...d.items],
    clients: d.clients.map((c) => [c.clientId, c.n, c.backendId]),
  };
  if (d.moved?.size) s.moved = [...d.moved];
  if (d.heldKey) s.key = d.heldKey;
  return JSON.stringify(s);
}

/** null for anything we did not write (a corrupt state counts as no state: the device resyncs). */
export function parseCollection(json: string | null): CollectionData | null {
  if (json === null) return null;
  try {
    const s = JSON.parse(json) as Stored;
    if (s?.v !== 1 || typeof s.folder !== 'string' || !Number.isSafeInteger(s.next)) return null;
    if (!Array.isArray(s.ids) || !Array.isArray(s.items) || !Array.isArray(s.clients)) return null;
    const ids = new Map<string, number>();
    for (const p of s.ids) {
      if (!Array.isArray(p) || typeof p[0] !== 'string' || !Number.isSafeInteger(p[1])) return null;
      ids.set(p[0], p[1]);
    }
    const items = new Map<string, number>();
    for (const p of s.items) {
      if (!Array.isArray(p) || typeof p[0] !== 'string' || !Number.isSafeInteger(p[1])) return null;
      items.set(p[0], p[1]);
    }
    const clients: ClientAdd[] = [];
    for (const c of s.clients) {
      if (!Array.isArray(c) || typeof c[0] !== 'string' || typeof c[2] !== 'string') return null;
      clients.push({ clientId: c[0], n: Number(c[1]), backendId: c[2] });
    }
    const moved = s.moved ?? [];
    if (!Array.isArray(moved) || moved.some((id) => typeof id !== 'string')) return null;
    if (s.key !== undefined && typeof s.key !== 'string') return null;
    return {
      folderId: s.folder,
      next: s.next,
      ids,
      items,
      clients,
      moved: new Set(moved),
      heldKey: s.key ?? null,
    };
  } catch {
    return null;
  }
}

/**
 * The base for answering a request: `known` is what the device has (the state of the key it sent);
 * `newest` is the latest stored state, whose id allocations, ClientIds and MoveItems reservations
 * a retry must keep (a move may have come after the answer the device lost).
 */
export function retryBase(known: CollectionData, newest: CollectionData): CollectionData {
  const ids = new Map(known.ids);
  for (const [k, v] of newest.ids) ids.set(k, v);
  const clients = [...known.clients];
  for (const c of newest.clients) if (!clients.some((x) => x.clientId === c.clientId)) clients.push(c);
  // Reserved in either and not yet Added as far as the device knows.
  const moved = new Set([...known.moved, ...newest.moved].filter((id) => !known.items.has(id)));
  return {
    folderId: known.folderId,
    next: Math.max(known.next, newest.next),
    ids,
    items: new Map(known.items),
    clients: clients.slice(-MAX_CLIENT_IDS),
    moved,
    heldKey: null,
  };
}

/** The SyncKey the device was given for a stored row's current state `current` (see heldKey). */
export function deviceKeyOf(row: { syncKey: string }, current: CollectionData | null): string {
  return current?.heldKey ?? row.syncKey;
}

export function serverIdOf(collectionId: string, n: number): string {
  return `${collectionId}:${n}`;
}

/** Item number of a ServerId of this collection, or null for anything else. */
export function parseServerId(collectionId: string, serverId: string): number | null {
  const prefix = `${collectionId}:`;
  if (!serverId.startsWith(prefix)) return null;
  const rest = serverId.slice(prefix.length);
  return /^[1-9][0-9]{0,12}$/.test(rest) ? Number(rest) : null;
}

/** item number -> backend id for the items the device has. */
export function itemIndex(d: CollectionData): Map<number, string> {
  const out = new Map<number, string>();
  for (const id of d.items.keys()) {
    const n = d.ids.get(id);
    if (n !== undefined) out.set(n, id);
  }
  return out;
}

/** The item number of a backend id, allocating the next one if it has none. */
export function numberFor(d: CollectionData, backendId: string): number {
  let n = d.ids.get(backendId);
  if (n === undefined) {
    n = d.next++;
    d.ids.set(backendId, n);
  }
  return n;
}

export interface ItemDiff {
  /** Items the device has that are not in the window: deleted, or (filter) aged out. */
  missing: string[];
  /** Items whose flags differ: backend id and the flags now. */
  changes: Array<{ id: string; bits: number }>;
  /** Messages in the window the device does not have, newest first (as listed). */
  adds: MessageEntry[];
}

/**
 * Compares the device's items with the window's entries (which are newest first). `reserved`
 * (CollectionData.moved) are not items yet: Adds when in the window, missing when not.
 */
export function diffItems(
  items: ReadonlyMap<string, number>,
  windowEntries: readonly MessageEntry[],
  reserved: ReadonlySet<string> = new Set(),
): ItemDiff {
  const out: ItemDiff = { missing: [], changes: [], adds: [] };
  const present = new Set<string>();
  for (const e of windowEntries) {
    present.add(e.id);
    const known = items.get(e.id);
    const bits = flagBits(e.flags);
    if (known === undefined) out.adds.push(e);
    else if (known !== bits) out.changes.push({ id: e.id, bits });
  }
  for (const id of items.keys()) if (!present.has(id)) out.missing.push(id);
  for (const id of reserved) if (!present.has(id) && !items.has(id)) out.missing.push(id);
  return out;
}

/** A server operation for the device, in the order they are sent. */
export type ServerOp =
  | { kind: 'delete'; id: string }
  | { kind: 'softDelete'; id: string }
  | { kind: 'change'; id: string; bits: number }
  | { kind: 'add'; entry: MessageEntry };

/** Deletes first (they free the device's space and never fail), then flag changes, then new mail. */
export function orderOps(deletes: string[], softDeletes: string[], diff: ItemDiff): ServerOp[] {
  return [
    ...deletes.map((id) => ({ kind: 'delete' as const, id })),
    ...softDeletes.map((id) => ({ kind: 'softDelete' as const, id })),
    ...diff.changes.map((c) => ({ kind: 'change' as const, id: c.id, bits: c.bits })),
    ...diff.adds.map((entry) => ({ kind: 'add' as const, entry })),
  ];
}

/**
 * Applies a sent operation to the snapshot: after the device receives the response, it has this.
 * Returns the item's ServerId number (allocating one for an Add).
 */
export function applyOp(d: CollectionData, op: ServerOp): number | null {
  switch (op.kind) {
    case 'delete':
    case 'softDelete': {
      const n = d.ids.get(op.id) ?? null;
      d.items.delete(op.id);
      d.moved.delete(op.id);
      return n;
    }
    case 'change':
      d.items.set(op.id, op.bits);
      return d.ids.get(op.id) ?? null;
    case 'add':
      d.items.set(op.entry.id, flagBits(op.entry.flags));
      // A moved message's reservation ends here: from now on `items` keeps its number.
      d.moved.delete(op.entry.id);
      return numberFor(d, op.entry.id);
  }
}

/**
 * Drops id allocations of items the device no longer has and that this response did not hand
 * out. MoveItems reservations (`moved`) stay: the device shows those under their number already,
 * however many windows pass before their Add (or Delete, SoftDelete) goes out.
 */
export function pruneIds(d: CollectionData, keep: ReadonlySet<string>): void {
  for (const id of [...d.ids.keys()]) {
    if (!d.items.has(id) && !keep.has(id) && !d.moved.has(id)) d.ids.delete(id);
  }
}
