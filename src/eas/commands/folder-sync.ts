// FolderSync ([MS-ASCMD] 2.2.1.5): the folder hierarchy with short, stable ServerIds; SyncKey 0 =
// everything, later keys = Adds/Updates/Deletes since the device's last hierarchy. A SyncKey 0 on
// an already-synced device (Gmail's pull-to-refresh) gets the same ServerIds and keeps every
// collection's item state, so nothing is downloaded again.
import { childText, el } from '../../wbxml/index.js';
import type { ElChild } from '../../wbxml/index.js';
import type { WbxmlElement } from '../../wbxml/types.js';
import type { CommandContext, CommandHandler } from '../context.js';
import { mailFailure } from '../mailbox.js';
import { DEFAULT_COMMANDS, optionsHeaders } from '../options.js';
import type { DeviceFolder, HierarchyData } from '../sync/folder-map.js';
import {
  currentHierarchy,
  diffHierarchy,
  emptyHierarchy,
  parseHierarchy,
  serializeHierarchy,
} from '../sync/folder-map.js';
import { HIERARCHY_STATE, MAX_ID_LENGTH, nextSyncKey } from '../sync/state-store.js';
import type { EasResponse } from '../types.js';

/** FolderSync Status ([MS-ASCMD] FolderSync Status). */
const FolderSyncStatus = { Success: 1, ServerError: 6, InvalidSyncKey: 9, BadRequest: 10 } as const;

const f = (tag: string, ...c: ElChild[]) => el('FolderHierarchy', tag, ...c);

function respond(children: ElChild[], headers: Record<string, string> = {}): EasResponse {
  return { httpStatus: 200, headers, body: f('FolderSync', ...children) };
}

const status = (n: number) => respond([f('Status', n)]);

function folderElement(tag: 'Add' | 'Update', id: string, d: DeviceFolder): WbxmlElement {
  return f(tag, f('ServerId', id), f('ParentId', d.parentId), f('DisplayName', d.name), f('Type', d.type));
}

function changesElement(c: ReturnType<typeof diffHierarchy>): WbxmlElement {
  return f(
    'Changes',
    f('Count', c.adds.length + c.updates.length + c.deletes.length),
    c.updates.map(([id, d]) => folderElement('Update', id, d)),
    c.deletes.map((id) => f('Delete', f('ServerId', id))),
    c.adds.map(([id, d]) => folderElement('Add', id, d)),
  );
}

/** [MS-ASCMD] 2.2.1.5: on SyncKey 0 the server SHOULD send X-MS-RP with the versions and commands it supports. */
function resyncHeaders(ctx: CommandContext): Record<string, string> {
  const o = optionsHeaders({ commands: ctx.svc.commands ?? DEFAULT_COMMANDS });
  const versions = o['MS-ASProtocolVersions'] ?? '';
  return {
    'X-MS-RP': versions,
    'MS-ASProtocolVersions': versions,
    'MS-ASProtocolCommands': o['MS-ASProtocolCommands'] ?? '',
  };
}

export const folderSyncCommand: CommandHandler = {
  name: 'FolderSync',
  checksPolicyKey: true,
  blockedByWipe: true,
  countsAsSync: true,
  quarantine: 'serve',
  async handle(ctx) {
    const { body } = ctx;
    if (!body || body.ns !== 'FolderHierarchy' || body.tag !== 'FolderSync')
      return status(FolderSyncStatus.BadRequest);
    const key = childText(body, 'SyncKey', 'FolderHierarchy');
    if (key === null || key === '' || key.length > MAX_ID_LENGTH) return status(FolderSyncStatus.BadRequest);
    let folders;
    try {
      folders = await (await ctx.mailbox()).listFolders();
    } catch (err) {
      throw mailFailure(err);
    }
    const states = ctx.svc.store;
    const row = await states.getSyncState(ctx.device.id, HIERARCHY_STATE);
    const stored = parseHierarchy(row?.data ?? null);

    let known: HierarchyData;
    let prevKey: string | null;
    let prevData: string | null;
    if (key === '0') {
      // Full hierarchy; the id map survives (same ServerIds), item states are left alone.
      known = { ...(stored ?? emptyHierarchy()), folders: new Map() };
      prevKey = row?.syncKey ?? null;
      prevData = row?.data ?? null;
    } else if (row && stored && key === row.syncKey) {
      known = stored;
      prevKey = row.syncKey;
      prevData = row.data;
    } else if (row && stored && key === row.previousSyncKey && row.previousData !== null) {
      // A retry: the device never got our last answer. Its folders, our newest id map.
      const before = parseHierarchy(row.previousData);
      if (!before) return status(FolderSyncStatus.InvalidSyncKey);
      known = { ...stored, folders: before.folders };
      prevKey = row.previousSyncKey;
      prevData = row.previousData;
    } else {
      // [MS-ASCMD] FolderSync Status 9: the client goes back to SyncKey 0.
      return status(FolderSyncStatus.InvalidSyncKey);
    }

    const current = currentHierarchy(known, folders);
    const changes = diffHierarchy(known.folders, current.folders);
    const count = changes.adds.length + changes.updates.length + changes.deletes.length;
    const headers = key === '0' ? resyncHeaders(ctx) : {};
    if (count === 0 && key !== '0') {
      // Nothing new: same key, nothing written.
      return respond([f('Status', FolderSyncStatus.Success), f('SyncKey', key), changesElement(changes)]);
    }
    const newKey = nextSyncKey(row?.syncKey ?? null);
    const ok = await states.putSyncState(
      {
        deviceId: ctx.device.id,
        collectionId: HIERARCHY_STATE,
        syncKey: newKey,
        data: serializeHierarchy({ next: current.next, ids: current.ids, folders: current.folders }),
        previousSyncKey: prevKey,
        previousData: prevData,
        updatedAt: ctx.svc.clock(),
      },
      row?.syncKey ?? null,
    );
    // Another FolderSync of this device answered first; status 6 makes the device retry.
    if (!ok) return status(FolderSyncStatus.ServerError);
    // A deleted folder's item state can never be used again.
    for (const id of changes.deletes) await states.deleteSyncStates(ctx.device.id, id);
    ctx.log.debug(
      { adds: changes.adds.length, updates: changes.updates.length, deletes: changes.deletes.length },
      'folder sync',
    );
    return respond(
      [f('Status', FolderSyncStatus.Success), f('SyncKey', newKey), changesElement(changes)],
      headers,
    );
  },
};
