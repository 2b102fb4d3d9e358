// Holding a Ping ([MS-ASCMD] 3.1.5.8): which folders hold mail the device has not been sent, and
// the wait on the PushHub until mail arrives (Status 2), the hierarchy changes (7) or the
// heartbeat ends (1). No database or IMAP connection and no timer of its own is held while
// waiting: only the hub's watch.
import { MailNotFoundError } from '../../../mail/types.js';
import type { MailFolder, MailSession } from '../../../mail/types.js';
import type { CommandContext } from '../../context.js';
import { effectiveFilter, windowStart } from '../../sync/filter.js';
import type { HierarchyData } from '../../sync/folder-map.js';
import { backendFolderOf, currentHierarchy, diffHierarchy } from '../../sync/folder-map.js';
import { parseCollection } from '../../sync/item-state.js';
import { loadCache } from '../../sync/sync-cache.js';
import type { EasResponse } from '../../types.js';
import type { PingFolder } from './request.js';
import { PingStatus, pingResponse } from './response.js';

/** A folder the Ping watches: the device's ServerId and the backend's folder id. */
export interface Watched {
  serverId: string;
  backendId: string;
}

/**
 * The device's folders as the hub watches them, or null when any Id is not one FolderSync handed
 * out and still shows (or the device never ran FolderSync).
 */
export function watchedFolders(
  hierarchy: HierarchyData | null,
  folders: readonly PingFolder[],
): Watched[] | null {
  const watched: Watched[] = [];
  for (const f of folders) {
    const backendId = hierarchy?.folders.has(f.id) ? backendFolderOf(hierarchy, f.id) : null;
    if (backendId === null) break;
    watched.push({ serverId: f.id, backendId });
  }
  return !hierarchy || watched.length < folders.length ? null : watched;
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

/** Watches first, then looks: mail arriving between the look and the wait is not missed. */
export async function hold(
  ctx: CommandContext,
  known: HierarchyData,
  watched: readonly Watched[],
  heartbeatSeconds: number,
): Promise<EasResponse> {
  const hub = ctx.svc.push;
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
