// Ping ([MS-ASCMD] 2.2.1.13, 3.1.5.8): the device names folders and a heartbeat; the server answers
// at once when a folder already holds mail the device has not been sent, else holds the request on
// the PushHub until mail arrives (Status 2) or the heartbeat ends (Status 1). This is the command's
// order of steps; the request is parsed in ping/request.ts, completed from the per-device cache and
// checked in ping/parameters.ts, held in ping/hold.ts, answered by ping/response.ts.
import type { CommandHandler } from '../context.js';
import { EasStatusError } from '../errors.js';
import { mailFailure } from '../mailbox.js';
import { EasStatus } from '../status.js';
import { parseHierarchy } from '../sync/folder-map.js';
import { HIERARCHY_STATE } from '../sync/state-store.js';
import { hold, watchedFolders } from './ping/hold.js';
import { PING_STATE, parseCachedPing, planPing, saveCache } from './ping/parameters.js';
import type { PingRequest } from './ping/request.js';
import { PingSyntaxError, parsePingRequest } from './ping/request.js';
import { PingStatus, pingResponse } from './ping/response.js';

export type { CachedPing, PingPlan } from './ping/parameters.js';
export { PING_STATE, parseCachedPing, planPing, serializeCachedPing } from './ping/parameters.js';
export type { PingClass, PingFolder, PingRequest } from './ping/request.js';
export { PingSyntaxError, parsePingRequest } from './ping/request.js';
export { PingStatus, pingResponse } from './ping/response.js';

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
    const hub = ctx.svc.push;
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
    const watched = watchedFolders(hierarchy, folders);
    if (!hierarchy || !watched) {
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
