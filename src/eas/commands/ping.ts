// Ping ([MS-ASCMD] 2.2.1.13, 3.1.5.8): the device names folders and a heartbeat; the server answers
// at once when a folder already holds mail the device has not been sent, else holds the request on
// the PushHub until mail arrives (Status 2) or the heartbeat ends (Status 1). Interval and folders
// are cached per device (sync state 'ping') for Pings that omit them. No database or IMAP
// connection and no timer of its own is held while waiting: only the hub's watch.
import { MailNotFoundError } from '../../mail/types.js';
import type { MailFolder, MailSession } from '../../mail/types.js';
import { pushHubOf } from '../../push/services.js';
import type { PushLimits } from '../../push/hub.js';
import type { SyncStateStore } from '../../store/sync-state.js';
import { el, isElement, text } from '../../wbxml/index.js';
import type { WbxmlElement } from '../../wbxml/types.js';
import type { CommandContext, CommandHandler } from '../context.js';
import { EasStatusError } from '../errors.js';
import { mailFailure } from '../mailbox.js';
import { EasStatus } from '../status.js';
import { effectiveFilter, windowStart } from '../sync/filter.js';
import type { HierarchyData } from '../sync/folder-map.js';
import { backendFolderOf, currentHierarchy, diffHierarchy, parseHierarchy } from '../sync/folder-map.js';
import { parseCollection } from '../sync/item-state.js';
import { loadCache } from '../sync/sync-cache.js';
import { HIERARCHY_STATE, MAX_ID_LENGTH } from '../sync/state-store.js';
import type { EasResponse, ProtocolVersion } from '../types.js';

/** Ping Status ([MS-ASCMD] 2.2.3.177.11). */
export const PingStatus = {
  /** The heartbeat ended with no new mail in the watched folders. */
  NoChanges: 1,
  /** New mail in at least one watched folder; Folders lists them. */
  Changes: 2,
  /** No HeartbeatInterval or Folders in the request and none cached. */
  MissingParameters: 3,
  SyntaxError: 4,
  /** HeartbeatInterval out of range; the response carries the nearest allowed value. */
  InvalidHeartbeat: 5,
  /** More folders than MaxFolders; the response carries MaxFolders. */
  TooManyFolders: 6,
  /** The device's folder hierarchy is out of date: FolderSync first. */
  FolderSyncRequired: 7,
  ServerError: 8,
} as const;

/** Sync-state collection id of the cached Ping parameters (folder ServerIds are numeric, so no clash). */
export const PING_STATE = 'ping';

/** [MS-ASCMD] 6.29 PingRequest.xsd Class enumeration. */
const CLASSES = ['Email', 'Calendar', 'Contacts', 'Tasks', 'Notes'] as const;
export type PingClass = (typeof CLASSES)[number];

export interface PingFolder {
  /** The folder's ServerId from FolderSync. */
  id: string;
  class: PingClass;
}

/** What the request carried; null = omitted (the cached value applies). */
export interface PingRequest {
  heartbeatInterval: number | null;
  folders: PingFolder[] | null;
}

/** A request answered with Status 4 ([MS-ASCMD] 2.2.3.177.11: syntax error). */
export class PingSyntaxError extends Error {}

const bad = (why: string) => new PingSyntaxError(why);

/** Whitespace-only text between elements is tolerated; any other content is not. */
function elementsOf(e: WbxmlElement, what: string): WbxmlElement[] {
  const out: WbxmlElement[] = [];
  for (const c of e.children) {
    if (isElement(c)) out.push(c);
    else if (typeof c !== 'string' || c.trim() !== '') throw bad(`content in ${what}`);
  }
  return out;
}

/** Text content only: an element inside a value is a syntax error. */
function valueOf(e: WbxmlElement, what: string): string {
  if (e.children.some((c) => isElement(c))) throw bad(`element inside ${what}`);
  return text(e);
}

/**
 * Parses a Ping body ([MS-ASCMD] 6.29: HeartbeatInterval and Folders in any order, each at most
 * once; Folder = exactly one Id (at most 64 characters) and one Class). A null body (an empty Ping)
 * carries nothing. Throws PingSyntaxError for anything else.
 */
export function parsePingRequest(body: WbxmlElement | null, version: ProtocolVersion): PingRequest {
  const out: PingRequest = { heartbeatInterval: null, folders: null };
  if (body === null) return out;
  if (body.ns !== 'Ping' || body.tag !== 'Ping') throw bad('root is not Ping:Ping');
  let seenHeartbeat = false;
  for (const c of elementsOf(body, 'Ping')) {
    if (c.ns === 'Ping' && c.tag === 'HeartbeatInterval' && !seenHeartbeat) {
      seenHeartbeat = true;
      const v = valueOf(c, 'HeartbeatInterval').trim();
      if (!/^\d{1,9}$/.test(v)) throw bad('HeartbeatInterval is not a number');
      out.heartbeatInterval = Number(v);
    } else if (c.ns === 'Ping' && c.tag === 'Folders' && out.folders === null) {
      out.folders = parseFolders(c, version);
    } else {
      throw bad(`unexpected ${c.ns}:${c.tag}`);
    }
  }
  return out;
}

function parseFolders(folders: WbxmlElement, version: ProtocolVersion): PingFolder[] {
  const list = elementsOf(folders, 'Folders');
  if (list.length === 0) throw bad('Folders without Folder');
  const seen = new Set<string>();
  const out: PingFolder[] = [];
  for (const f of list) {
    if (f.ns !== 'Ping' || f.tag !== 'Folder') throw bad(`unexpected ${f.ns}:${f.tag} in Folders`);
    let id: string | null = null;
    let cls: string | null = null;
    for (const c of elementsOf(f, 'Folder')) {
      if (c.ns === 'Ping' && c.tag === 'Id' && id === null) id = valueOf(c, 'Id');
      else if (c.ns === 'Ping' && c.tag === 'Class' && cls === null) cls = valueOf(c, 'Class');
      else throw bad(`unexpected ${c.ns}:${c.tag} in Folder`);
    }
    if (id === null || id === '' || id.length > MAX_ID_LENGTH) throw bad('bad Folder Id');
    if (!CLASSES.includes(cls as PingClass)) throw bad('bad Folder Class');
    // [MS-ASCMD] 2.2.3.27.4: Notes exists from 14.0 on.
    if (cls === 'Notes' && version === '12.1') throw bad('Class Notes in 12.1');
    // [MS-ASCMD] 2.2.3.90: the same Id twice is Status 4.
    if (seen.has(id)) throw bad('duplicate Folder Id');
    seen.add(id);
    out.push({ id, class: cls as PingClass });
  }
  return out;
}

/** The cached parameters ([MS-ASCMD] 3.1.5.8: the server MUST cache both and reuse them). */
export interface CachedPing {
  heartbeatInterval: number | null;
  folders: PingFolder[] | null;
}

export function serializeCachedPing(c: CachedPing): string {
  return JSON.stringify({
    v: 1,
    hb: c.heartbeatInterval,
    folders: c.folders?.map((f) => [f.id, f.class]) ?? null,
  });
}

/** null for anything we did not write (a corrupt cache counts as none: the device gets Status 3). */
export function parseCachedPing(json: string | null): CachedPing | null {
  if (json === null) return null;
  try {
    const s = JSON.parse(json) as { v?: unknown; hb?: unknown; folders?: unknown };
    if (s?.v !== 1) return null;
    const hb = s.hb === null ? null : Number.isSafeInteger(s.hb) ? (s.hb as number) : undefined;
    if (hb === undefined) return null;
    if (s.folders === null) return { heartbeatInterval: hb, folders: null };
    if (!Array.isArray(s.folders)) return null;
    const folders: PingFolder[] = [];
    for (const f of s.folders as unknown[]) {
      if (!Array.isArray(f) || typeof f[0] !== 'string' || !CLASSES.includes(f[1] as PingClass)) return null;
      folders.push({ id: f[0], class: f[1] as PingClass });
    }
    return { heartbeatInterval: hb, folders };
  } catch {
    return null;
  }
}

/** The request completed from the cache and checked against the limits, or the status to answer. */
export type PingPlan =
  | { ok: true; heartbeatSeconds: number; folders: PingFolder[]; fromCache: boolean }
  | { ok: false; status: 3 }
  | { ok: false; status: 5; heartbeatInterval: number }
  | { ok: false; status: 6; maxFolders: number };

export function planPing(req: PingRequest, cached: CachedPing | null, limits: PushLimits): PingPlan {
  const heartbeat = req.heartbeatInterval ?? cached?.heartbeatInterval ?? null;
  const folders = req.folders ?? cached?.folders ?? null;
  if (heartbeat === null || folders === null) return { ok: false, status: 3 };
  // [MS-ASCMD] 2.2.3.88.1: Status 5 carries the minimum or the maximum allowed, whichever was crossed.
  if (heartbeat < limits.minHeartbeatSeconds)
    return { ok: false, status: 5, heartbeatInterval: limits.minHeartbeatSeconds };
  if (heartbeat > limits.maxHeartbeatSeconds)
    return { ok: false, status: 5, heartbeatInterval: limits.maxHeartbeatSeconds };
  // [MS-ASCMD] 2.2.3.102: Status 6 carries MaxFolders.
  if (folders.length > limits.maxFolders) return { ok: false, status: 6, maxFolders: limits.maxFolders };
  return { ok: true, heartbeatSeconds: heartbeat, folders, fromCache: req.folders === null };
}

/** [MS-ASCMD] 6.30 PingResponse.xsd: Status, Folders, MaxFolders, HeartbeatInterval, in this order. */
export function pingResponse(
  status: number,
  o: { folders?: string[]; maxFolders?: number; heartbeatInterval?: number } = {},
): EasResponse {
  const p = (tag: string, ...c: Array<WbxmlElement | string | number>) => el('Ping', tag, ...c);
  return {
    httpStatus: 200,
    headers: {},
    body: p(
      'Ping',
      p('Status', status),
      ...(o.folders?.length ? [p('Folders', ...o.folders.map((id) => p('Folder', id)))] : []),
      ...(o.maxFolders !== undefined ? [p('MaxFolders', o.maxFolders)] : []),
      ...(o.heartbeatInterval !== undefined ? [p('HeartbeatInterval', o.heartbeatInterval)] : []),
    ),
  };
}

async function saveCache(
  states: SyncStateStore,
  deviceId: string,
  row: { syncKey: string; data: string } | null,
  next: CachedPing,
  now: Date,
): Promise<void> {
  const data = serializeCachedPing(next);
  if (row?.data === data) return;
  // A lost race is harmless: the other Ping of this device cached its own parameters.
  await states.putSyncState(
    {
      deviceId,
      collectionId: PING_STATE,
      syncKey: String((Number(row?.syncKey) || 0) + 1),
      data,
      previousSyncKey: null,
      previousData: null,
      updatedAt: now,
    },
    row?.syncKey ?? null,
  );
}

interface Watched {
  serverId: string;
  backendId: string;
}

/** Whether the backend's folders differ from what the device was last told (FolderSync needed). */
function hierarchyDrifted(known: HierarchyData, folders: readonly MailFolder[]): boolean {
  const d = diffHierarchy(known.folders, currentHierarchy(known, folders).folders);
  return d.adds.length + d.updates.length + d.deletes.length > 0;
}

/**
 * ServerIds of the folders holding mail the device has not been sent since its last SyncKey
 * ([MS-ASCMD] 3.1.5.8): messages in the collection's FilterType window (as its last Sync asked,
 * clamped by the policy, exactly as Sync computes it) missing from the device's item state. Only
 * additions count. A folder the device never synced has nothing to compare with: its existing mail
 * is not news, but an arrival (`arrived`: this look follows a wake for it) is.
 * Returns null when a folder is gone from the mailbox (the hierarchy changed).
 */
async function foldersWithNewMail(
  ctx: CommandContext,
  mailbox: MailSession,
  watched: readonly Watched[],
  arrived: boolean,
): Promise<string[] | null> {
  const states = ctx.svc.store;
  const cached = (await loadCache(states, ctx.device.id)).cached;
  const now = ctx.svc.clock();
  const out: string[] = [];
  for (const w of watched) {
    const state = parseCollection((await states.getSyncState(ctx.device.id, w.serverId))?.data ?? null);
    if (!state || state.folderId !== w.backendId) {
      // Nothing to compare with: existing mail is not news, an arrival is.
      if (arrived) out.push(w.serverId);
      continue;
    }
    const options = cached?.collections.find((c) => c.collectionId === w.serverId)?.options ?? null;
    const since = windowStart(
      effectiveFilter(options?.filterType ?? null, ctx.policy.settings.MaxEmailAgeFilter),
      now,
    );
    let entries;
    try {
      entries = (await mailbox.listMessages(w.backendId, { since })).entries;
    } catch (err) {
      if (err instanceof MailNotFoundError) return null;
      throw err;
    }
    if (entries.some((e) => !state.items.has(e.id))) out.push(w.serverId);
  }
  return out;
}

export const pingCommand: CommandHandler = {
  name: 'Ping',
  // [MS-ASPROV] 3.2.5.1: Ping carries no policy key.
  checksPolicyKey: false,
  blockedByWipe: true,
  countsAsSync: true,
  // A quarantined device pings its quarantine view, which never changes until it is released.
  quarantine: 'serve',
  async handle(ctx) {
    // 1. The request. A body that is not WBXML (text/plain, say) is InvalidContent ([MS-ASCMD] 2.2.2).
    if (!ctx.body && ctx.req.body.length > 0) throw new EasStatusError(EasStatus.InvalidContent);
    let req: PingRequest;
    try {
      req = parsePingRequest(ctx.body, ctx.req.protocolVersion);
    } catch (err) {
      if (!(err instanceof PingSyntaxError)) throw err;
      ctx.log.info({ why: err.message }, 'ping: syntax error');
      return pingResponse(PingStatus.SyntaxError);
    }

    // 2. Completed from the cache, checked against the limits, then cached.
    const hub = pushHubOf(ctx.svc);
    const states = ctx.svc.store;
    const row = await states.getSyncState(ctx.device.id, PING_STATE);
    const cached = parseCachedPing(row?.data ?? null);
    const plan = planPing(req, cached, hub.limits);
    if (!plan.ok) {
      ctx.log.info({ status: plan.status }, 'ping refused');
      if (plan.status === 5)
        return pingResponse(PingStatus.InvalidHeartbeat, { heartbeatInterval: plan.heartbeatInterval });
      if (plan.status === 6) return pingResponse(PingStatus.TooManyFolders, { maxFolders: plan.maxFolders });
      return pingResponse(PingStatus.MissingParameters);
    }
    const { heartbeatSeconds, folders } = plan;

    // 3. The device's folders: every Id must be one FolderSync handed out and still shows.
    const hierarchy = parseHierarchy(
      (await states.getSyncState(ctx.device.id, HIERARCHY_STATE))?.data ?? null,
    );
    const watched: Watched[] = [];
    for (const f of folders) {
      const backendId = hierarchy?.folders.has(f.id) ? backendFolderOf(hierarchy, f.id) : null;
      if (backendId === null) break;
      watched.push({ serverId: f.id, backendId });
    }
    if (!hierarchy || watched.length < folders.length) {
      ctx.log.info({ fromCache: plan.fromCache }, 'ping: unknown folder, hierarchy sync required');
      // A cached list naming a folder the device no longer has would answer 7 forever: drop it, so
      // the next empty Ping gets 3 and the device sends its folders again.
      if (plan.fromCache) {
        await saveCache(
          states,
          ctx.device.id,
          row,
          { heartbeatInterval: heartbeatSeconds, folders: null },
          ctx.svc.clock(),
        );
      }
      return pingResponse(PingStatus.FolderSyncRequired);
    }
    await saveCache(
      states,
      ctx.device.id,
      row,
      { heartbeatInterval: heartbeatSeconds, folders },
      ctx.svc.clock(),
    );
    if (ctx.device.lastPingHeartbeat !== heartbeatSeconds) {
      await ctx.svc.store.patchDevice(ctx.device.id, { lastPingHeartbeat: heartbeatSeconds });
    }

    // 4. Watch first, then look: mail arriving between the look and the wait is not missed.
    try {
      return await hold(ctx, hierarchy, watched, heartbeatSeconds);
    } catch (err) {
      throw mailFailure(err);
    }
  },
};

async function hold(
  ctx: CommandContext,
  known: HierarchyData,
  watched: readonly Watched[],
  heartbeatSeconds: number,
): Promise<EasResponse> {
  const hub = pushHubOf(ctx.svc);
  const mailbox = await ctx.mailbox();
  const deadline = performance.now() + heartbeatSeconds * 1000;
  // One watch per device: a newer Ping from it ends this one (see 'superseded' below).
  const watch = hub.watch({
    userId: ctx.user.id,
    deviceKey: `ping:${ctx.device.id}`,
    folderIds: watched.map((w) => w.backendId),
  });
  try {
    let toCheck: readonly Watched[] = watched;
    let checkHierarchy = true;
    let woken = false;
    for (;;) {
      if (checkHierarchy && hierarchyDrifted(known, await mailbox.listFolders())) {
        return pingResponse(PingStatus.FolderSyncRequired);
      }
      const changed = toCheck.length ? await foldersWithNewMail(ctx, mailbox, toCheck, woken) : [];
      if (changed === null) return pingResponse(PingStatus.FolderSyncRequired);
      if (changed.length) {
        ctx.log.debug({ folders: changed }, 'ping: new mail');
        return pingResponse(PingStatus.Changes, { folders: changed });
      }
      const r = await watch.wait(deadline - performance.now());
      if (r.kind !== 'changed') {
        // Timeout: the heartbeat ended. Superseded: the device sent a newer Ping and is no longer
        // reading this answer (Exchange and Z-Push end the older request too); 1 is the answer that
        // asks nothing of a client that does read it. Closed: the server is shutting down.
        ctx.log.debug({ outcome: r.kind }, 'ping: no changes');
        return pingResponse(PingStatus.NoChanges);
      }
      // Look again at what woke us: the mail may already be synced, or outside the device's window.
      const woke = new Set(r.folderIds);
      toCheck = watched.filter((w) => woke.has(w.backendId));
      checkHierarchy = r.hierarchy === true;
      woken = true;
    }
  } finally {
    watch.close();
  }
}
