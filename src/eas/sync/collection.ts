// One email collection of a Sync request ([MS-ASCMD] 2.2.1.21): priming, the key check (current
// or previous key: a retry is answered from the state the device still has), client commands,
// the diff against the mailbox, the window, and the new state. Also the estimate for
// GetItemEstimate, which is the same diff without a window and without writing anything.
import { MailNotFoundError } from '../../mail/types.js';
import type { MailFolder, MailSession, MessageEntry } from '../../mail/types.js';
import type { PolicySettings } from '../../policy/types.js';
import type { SyncState, SyncStateStore } from '../../store/sync-state.js';
import { el } from '../../wbxml/index.js';
import type { ElChild } from '../../wbxml/index.js';
import type { WbxmlElement } from '../../wbxml/types.js';
import type { ProtocolVersion } from '../types.js';
import { chooseBody, loadBody } from './body.js';
import { applyClientCommands } from './client-commands.js';
import { emailApplicationData, flagChangeData } from './email-data.js';
import { effectiveFilter, windowStart } from './filter.js';
import type { HierarchyData } from './folder-map.js';
import { backendFolderOf } from './folder-map.js';
import type { CollectionData, ServerOp } from './item-state.js';
import {
  applyOp,
  deviceKeyOf,
  diffItems,
  emptyCollection,
  orderOps,
  parseCollection,
  pruneIds,
  retryBase,
  serializeCollection,
  serverIdOf,
} from './item-state.js';
import { nextSyncKey } from './state-store.js';
import type { CollectionOptions, CollectionRequest } from './sync-request.js';
import { SyncStatus } from './sync-request.js';

export interface SyncEnv {
  states: SyncStateStore;
  /** Device association id: one per (user, device), so two accounts on one phone never share state. */
  deviceId: string;
  mailbox: MailSession;
  hierarchy: HierarchyData | null;
  /** The mailbox's folders (for roles: Deleted Items, Drafts). */
  folders: readonly MailFolder[];
  policy: PolicySettings;
  version: ProtocolVersion;
  user: { email: string; displayName: string };
  now: Date;
}

/** What is left of the response: items (global WindowSize) and bytes. */
export interface Budget {
  items: number;
  bytes: number;
  /** Whether any item went out yet: the first one always does, whatever its size. */
  any: boolean;
}

export function newBudget(windowSize: number | null): Budget {
  return { items: windowSize ?? Number.POSITIVE_INFINITY, bytes: MAX_RESPONSE_BYTES, any: false };
}

/**
 * Bytes of item data in one Sync response. The device decodes the whole document at once (our own
 * client, like others, caps documents at 16 MiB); past this, the window closes early with
 * MoreAvailable. At least one item is always sent, so paging never stalls.
 */
export const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/** [MS-ASCMD] 2.2.3.199 WindowSize: 100 when the request gives none. */
export const DEFAULT_WINDOW = 100;

const DEFAULT_OPTIONS: CollectionOptions = {
  filterType: null,
  conflict: null,
  body: { prefs: [], mimeSupport: null, mimeTruncation: null },
};

const a = (tag: string, ...c: ElChild[]) => el('AirSync', tag, ...c);

/** A collection answered with only a status. Status 3 sends key 0: the device starts over. */
export function statusCollection(collectionId: string, syncKey: string | null, status: number): WbxmlElement {
  return a(
    'Collection',
    a('SyncKey', status === SyncStatus.InvalidSyncKey ? '0' : (syncKey ?? '0')),
    a('CollectionId', collectionId),
    a('Status', status),
  );
}

type Resolved =
  | { ok: false; status: number }
  | {
      ok: true;
      row: SyncState;
      base: CollectionData;
      /** The key and data the new state keeps as "previous": what the device has now. */
      prevKey: string;
      prevData: string;
    };

/**
 * The state the device's key names: the current one, or the previous one for a retry. `current`
 * is the row's data, when the caller has parsed it already.
 */
export function resolveKey(
  row: SyncState | null,
  key: string,
  folderId: string,
  current: CollectionData | null = row ? parseCollection(row.data) : null,
): Resolved {
  if (!row || !current) return { ok: false, status: SyncStatus.InvalidSyncKey };
  let base: CollectionData | null = null;
  let prevData = row.data;
  if (key === row.syncKey || key === current.heldKey) {
    base = current;
    // The state this answer writes gets a key of its own, which the device will hold.
    base.heldKey = null;
  } else if (key === row.previousSyncKey && row.previousData !== null) {
    const known = parseCollection(row.previousData);
    if (known) base = retryBase(known, current);
    prevData = row.previousData;
  }
  if (!base || base.folderId !== folderId) return { ok: false, status: SyncStatus.InvalidSyncKey };
  return { ok: true, row, base, prevKey: key, prevData };
}

function folderOf(env: SyncEnv, collectionId: string): MailFolder | null {
  const id = env.hierarchy ? backendFolderOf(env.hierarchy, collectionId) : null;
  return id === null ? null : (env.folders.find((f) => f.id === id) ?? null);
}

/**
 * The server's operations for the device, missing items split into Delete and SoftDelete. Moved
 * messages the device shows under a reserved ServerId count as items it has: Added when in the
 * window, SoftDeleted when outside it, Deleted when gone from the folder.
 */
async function serverOps(
  env: SyncEnv,
  folderId: string,
  base: CollectionData,
  entries: readonly MessageEntry[],
  windowed: boolean,
): Promise<ServerOp[]> {
  const diff = diffItems(base.items, entries, base.moved);
  let deletes = diff.missing;
  let soft: string[] = [];
  if (windowed && diff.missing.length) {
    // Still in the folder but older than the window: SoftDelete ([MS-ASCMD] 2.2.3.172).
    const still = new Set((await env.mailbox.getHeaders(folderId, diff.missing)).map((h) => h.id));
    soft = diff.missing.filter((id) => still.has(id));
    deletes = diff.missing.filter((id) => !still.has(id));
  }
  return orderOps(deletes, soft, diff);
}

/** Primes a collection ([MS-ASCMD] 2.2.3.181.4 SyncKey: SyncKey 0 returns the first key, never items). */
async function prime(
  env: SyncEnv,
  c: CollectionRequest,
  folderId: string,
  row: SyncState | null,
): Promise<WbxmlElement> {
  const reply = (key: string) =>
    a('Collection', a('SyncKey', key), a('CollectionId', c.collectionId), a('Status', SyncStatus.Success));
  const primedOnly = (r: SyncState | null) => {
    const d = r ? parseCollection(r.data) : null;
    return (
      r !== null && d !== null && d.folderId === folderId && d.items.size === 0 && r.previousSyncKey === null
    );
  };
  const heldKey = (r: SyncState) => deviceKeyOf(r, parseCollection(r.data));
  // iOS sends the initial Sync of a folder twice: the second gets the same key, so the first stays
  // valid. A state MoveItems created or reserved in (item-lookup.ts allocateItem) counts as primed.
  if (row && primedOnly(row)) return reply(heldKey(row));
  const old = row ? parseCollection(row.data) : null;
  const data = emptyCollection(folderId);
  if (old && old.folderId === folderId) {
    // A resync keeps the id allocations: the same message gets the same ServerId again.
    data.ids = old.ids;
    data.next = old.next;
    data.moved = old.moved;
  }
  const key = nextSyncKey(row?.syncKey ?? null);
  const ok = await env.states.putSyncState(
    {
      deviceId: env.deviceId,
      collectionId: c.collectionId,
      syncKey: key,
      data: serializeCollection(data),
      previousSyncKey: null,
      previousData: null,
      updatedAt: env.now,
    },
    row?.syncKey ?? null,
  );
  if (ok) return reply(key);
  // A concurrent priming won: answer with its key when it is a plain priming too.
  const now = await env.states.getSyncState(env.deviceId, c.collectionId);
  return now && primedOnly(now)
    ? reply(heldKey(now))
    : statusCollection(c.collectionId, '0', SyncStatus.Retry);
}

/**
 * How often a collection without client commands is answered again when MoveItems reserved an id
 * in it while the answer was being built (see below). Each reservation is one short write, so a
 * second conflict in a row means a burst of moves; the device then gets Status 16 and retries.
 */
const MAX_REANSWERS = 2;

/**
 * Answers one collection. Returns null when there is nothing to tell the device (no changes, no
 * responses): the collection is left out of the response and its state is not touched.
 */
export async function syncCollection(
  env: SyncEnv,
  c: CollectionRequest,
  budget: Budget,
): Promise<WbxmlElement | null> {
  for (let attempt = 0; ; attempt++) {
    const before = { ...budget };
    const out = await answerCollection(env, c, budget, attempt >= MAX_REANSWERS);
    if (out !== AGAIN) return out;
    Object.assign(budget, before);
  }
}

/** answerCollection's "a MoveItems reservation came in between: build the answer again". */
const AGAIN = Symbol('again');

async function answerCollection(
  env: SyncEnv,
  c: CollectionRequest,
  budget: Budget,
  lastTry: boolean,
): Promise<WbxmlElement | null | typeof AGAIN> {
  const folder = folderOf(env, c.collectionId);
  if (!folder) return statusCollection(c.collectionId, c.syncKey, SyncStatus.HierarchyChanged);
  const row = await env.states.getSyncState(env.deviceId, c.collectionId);
  const current = row ? parseCollection(row.data) : null;
  // The device's key for the current state, which a reservation made meanwhile leaves unchanged.
  const heldKey = row ? deviceKeyOf(row, current) : null;
  const key = c.syncKey ?? heldKey;
  if (key === null) return statusCollection(c.collectionId, null, SyncStatus.InvalidSyncKey);
  if (key === '0') return prime(env, c, folder.id, row);
  const r = resolveKey(row, key, folder.id, current);
  if (!r.ok) return statusCollection(c.collectionId, key, r.status);
  const { base } = r;

  const options = c.options ?? DEFAULT_OPTIONS;
  const filter = effectiveFilter(options.filterType, env.policy.MaxEmailAgeFilter);
  const since = windowStart(filter, env.now);
  const bodyChoice = chooseBody(options.body, env.policy);
  const list = async () => {
    try {
      return (await env.mailbox.listMessages(folder.id, { since })).entries;
    } catch (err) {
      if (err instanceof MailNotFoundError) return null;
      throw err;
    }
  };
  let entries = await list();
  if (!entries) return statusCollection(c.collectionId, key, SyncStatus.HierarchyChanged);

  // 1. Client commands.
  let responses: WbxmlElement[] = [];
  let mutated = false;
  if (c.commands.length) {
    const out = await applyClientCommands({
      mailbox: env.mailbox,
      folderId: folder.id,
      collectionId: c.collectionId,
      base,
      entries,
      commands: c.commands,
      conflict: options.conflict ?? 1,
      deletesAsMoves: c.deletesAsMoves ?? true,
      deletedFolderId: env.folders.find((f) => f.role === 'deleted')?.id ?? null,
      addsAllowed: folder.role === 'drafts' && (env.version === '16.0' || env.version === '16.1'),
      bodyChoice,
      user: env.user,
      now: env.now,
    });
    responses = out.responses;
    mutated = out.mutated;
    budget.bytes -= out.bytes;
    if (out.wrote) entries = (await list()) ?? [];
  }

  // 2. Server changes within the window.
  const ops = c.getChanges === false ? [] : await serverOps(env, folder.id, base, entries, since !== null);
  const windowSize = Math.min(c.windowSize ?? DEFAULT_WINDOW, budget.items);
  const commands: WbxmlElement[] = [];
  const handedOut = new Set<string>();
  let sent = 0;
  const addIds = ops.flatMap((o) => (o.kind === 'add' ? [o.entry.id] : [])).slice(0, windowSize);
  const headers = new Map(
    (addIds.length ? await env.mailbox.getHeaders(folder.id, addIds) : []).map((h) => [h.id, h]),
  );
  for (const op of ops) {
    if (sent >= windowSize || (budget.any && budget.bytes <= 0)) break;
    sent++;
    budget.any = true;
    if (op.kind !== 'add') {
      const n = applyOp(base, op);
      if (n === null) continue;
      const serverId = a('ServerId', serverIdOf(c.collectionId, n));
      if (op.kind === 'delete') commands.push(a('Delete', serverId));
      else if (op.kind === 'softDelete') commands.push(a('SoftDelete', serverId));
      else commands.push(a('Change', serverId, flagChangeData(op.bits)));
      budget.bytes -= 64;
      continue;
    }
    const h = headers.get(op.entry.id);
    const body = h ? await loadBody(env.mailbox, folder.id, op.entry.id, bodyChoice) : null;
    // Gone since it was listed: nothing to add, and the snapshot does not get it.
    if (!h || !body) continue;
    const n = applyOp(base, { kind: 'add', entry: { ...op.entry, flags: h.flags } }) as number;
    handedOut.add(op.entry.id);
    const sid = serverIdOf(c.collectionId, n);
    commands.push(
      a(
        'Add',
        a('ServerId', sid),
        emailApplicationData({ headers: h, body, fileReference: (partId) => `${sid}:${partId}` }),
      ),
    );
    budget.bytes -= 1024 + (typeof body.data === 'string' ? body.data.length : (body.data?.length ?? 0));
  }
  budget.items -= sent;
  const more = sent < ops.length;
  // A request with client commands is always answered (with a new key), even when they changed nothing.
  if (!commands.length && !responses.length && !mutated && !more && c.commands.length === 0) return null;

  // 3. The new state: what the device has once it receives this answer.
  pruneIds(base, handedOut);
  const newKey = nextSyncKey(r.row.syncKey);
  const ok = await env.states.putSyncState(
    {
      deviceId: env.deviceId,
      collectionId: c.collectionId,
      syncKey: newKey,
      data: serializeCollection(base),
      previousSyncKey: r.prevKey,
      previousData: r.prevData,
      updatedAt: env.now,
    },
    r.row.syncKey,
  );
  if (!ok) {
    // MoveItems reserved an id here since we read the state (it changes the row's key, not the
    // device's): answered again from the new state, which may Add the moved message under its
    // DstMsgId. Not with client commands, which are applied already and must not run twice.
    const now = await env.states.getSyncState(env.deviceId, c.collectionId);
    const held = now ? parseCollection(now.data)?.heldKey : null;
    if (
      !lastTry &&
      c.commands.length === 0 &&
      now !== null &&
      held === heldKey &&
      now.previousSyncKey === r.row.previousSyncKey
    ) {
      return AGAIN;
    }
    // Another request for this collection answered first; the device retries with its key.
    return statusCollection(c.collectionId, key, SyncStatus.Retry);
  }
  return a(
    'Collection',
    a('SyncKey', newKey),
    a('CollectionId', c.collectionId),
    a('Status', SyncStatus.Success),
    // [MS-ASCMD] 2.2.3.29.2: Collection children in response order SyncKey, CollectionId, Status,
    // MoreAvailable, Commands, Responses.
    more ? a('MoreAvailable') : null,
    commands.length ? a('Commands', commands) : null,
    responses.length ? a('Responses', responses) : null,
  );
}

/** GetItemEstimate: how many changes the next Sync would send (no window), or a status. */
export async function estimateCollection(
  env: SyncEnv,
  collectionId: string,
  syncKey: string,
  filterType: CollectionOptions['filterType'],
): Promise<{ status: 'unknown' | 'notPrimed' | 'badKey' } | { estimate: number }> {
  const folder = folderOf(env, collectionId);
  if (!folder) return { status: 'unknown' };
  const row = await env.states.getSyncState(env.deviceId, collectionId);
  if (syncKey === '0' || !row) return { status: 'notPrimed' };
  const r = resolveKey(row, syncKey, folder.id);
  if (!r.ok) return { status: 'badKey' };
  const since = windowStart(effectiveFilter(filterType, env.policy.MaxEmailAgeFilter), env.now);
  let entries: MessageEntry[];
  try {
    entries = (await env.mailbox.listMessages(folder.id, { since })).entries;
  } catch (err) {
    if (err instanceof MailNotFoundError) return { status: 'unknown' };
    throw err;
  }
  const diff = diffItems(r.base.items, entries, r.base.moved);
  return { estimate: diff.adds.length + diff.changes.length + diff.missing.length };
}
