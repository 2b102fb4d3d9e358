// Sync ([MS-ASCMD] 2.2.1.21) for email collections: request parsing and the request cache (empty
// and Partial requests), one pass over the collections, and the long poll (Wait,
// HeartbeatInterval) that holds the request until the mailbox changes or the interval ends.
// The per-collection work is in src/eas/sync/collection.ts.
import { el } from '../../wbxml/index.js';
import type { WbxmlElement } from '../../wbxml/types.js';
import type { CommandContext, CommandHandler } from '../context.js';
import { mailFailure } from '../mailbox.js';
import type { SyncEnv } from '../sync/collection.js';
import { newBudget, syncCollection } from '../sync/collection.js';
import { backendFolderOf, parseHierarchy } from '../sync/folder-map.js';
import { lookUntilChange } from '../sync/long-poll.js';
import { watchSyncChanges } from '../../push/long-poll.js';
import { cacheOf, loadCache, resolveRequest, saveCache } from '../sync/sync-cache.js';
import type { SyncRequest } from '../sync/sync-request.js';
import { SyncRequestError, SyncStatus, parseSyncRequest } from '../sync/sync-request.js';
import { HIERARCHY_STATE } from '../sync/state-store.js';
import type { EasResponse } from '../types.js';

/** A Sync-level status: `<Sync><Status>N</Status>[<Limit>L</Limit>]</Sync>` ([MS-ASCMD] 2.2.3.177.17, 2.2.3.97). */
function syncStatus(status: number, limit: number | null = null): EasResponse {
  return {
    httpStatus: 200,
    headers: {},
    body: el(
      'AirSync',
      'Sync',
      el('AirSync', 'Status', status),
      limit === null ? null : el('AirSync', 'Limit', limit),
    ),
  };
}

/** [MS-ASCMD] 2.2.1.21: nothing changed anywhere is answered with HTTP 200 and an empty body. */
const empty = (): EasResponse => ({ httpStatus: 200, headers: {}, body: null });

async function pass(env: SyncEnv, req: SyncRequest): Promise<WbxmlElement[]> {
  const budget = newBudget(req.windowSize);
  const out: WbxmlElement[] = [];
  for (const c of req.collections) {
    const e = await syncCollection(env, c, budget);
    if (e) out.push(e);
  }
  return out;
}

export const syncCommand: CommandHandler = {
  name: 'Sync',
  checksPolicyKey: true,
  blockedByWipe: true,
  countsAsSync: true,
  quarantine: 'serve',
  async handle(ctx) {
    // 1. The request: parsed, or replayed/merged from the cache.
    let parsed: SyncRequest | null = null;
    if (ctx.body) {
      try {
        parsed = parseSyncRequest(ctx.body);
      } catch (err) {
        if (err instanceof SyncRequestError) {
          ctx.log.info({ status: err.status, why: err.message }, 'sync request refused');
          return syncStatus(err.status, err.limit);
        }
        throw err;
      }
    } else if (ctx.req.body.length > 0) {
      // A body that is not WBXML.
      return syncStatus(SyncStatus.ProtocolError);
    }
    const states = ctx.svc.store;
    const cache = await loadCache(states, ctx.device.id);
    const req = resolveRequest(parsed, cache.cached);
    // [MS-ASCMD] Sync Status 13: an empty or partial request with nothing cached to complete it.
    if (!req) return syncStatus(SyncStatus.IncompleteRequest);
    await saveCache(states, ctx.device.id, cacheOf(req, cache.cached), cache, ctx.svc.clock());
    try {
      return await run(ctx, req);
    } catch (err) {
      throw mailFailure(err);
    }
  },
};

async function run(ctx: CommandContext, req: SyncRequest): Promise<EasResponse> {
  const states = ctx.svc.store;
  const mailbox = await ctx.mailbox();
  const hierarchy = parseHierarchy((await states.getSyncState(ctx.device.id, HIERARCHY_STATE))?.data ?? null);
  const env: SyncEnv = {
    states,
    deviceId: ctx.device.id,
    mailbox,
    hierarchy,
    folders: await mailbox.listFolders(),
    policy: ctx.policy.settings,
    version: ctx.req.protocolVersion,
    user: ctx.user,
    now: ctx.svc.clock(),
  };
  // Hold only requests that change nothing: client changes are answered at once.
  const hold =
    req.holdSeconds !== null && req.collections.every((c) => c.commands.length === 0)
      ? req.holdSeconds
      : null;
  const watched = new Set(
    hierarchy
      ? req.collections.map((c) => backendFolderOf(hierarchy, c.collectionId)).filter((x) => x !== null)
      : [],
  );
  // Listening starts before the first look, so nothing that changes in between is missed. The
  // server's one PushHub holds it, as it holds Pings; a newer Sync+Wait of the device ends it.
  const watch =
    hold !== null
      ? watchSyncChanges(ctx.svc.push, {
          userId: ctx.user.id,
          deviceId: ctx.device.id,
          folderIds: watched,
        })
      : null;
  try {
    const collections = await lookUntilChange(
      async (again) => {
        if (again) {
          env.now = ctx.svc.clock();
          env.folders = await mailbox.listFolders();
        }
        return pass(env, req);
      },
      watch,
      (hold ?? 0) * 1000,
    );
    if (!collections.length) return empty();
    return {
      httpStatus: 200,
      headers: {},
      body: el('AirSync', 'Sync', el('AirSync', 'Collections', collections)),
    };
  } finally {
    watch?.close();
  }
}
