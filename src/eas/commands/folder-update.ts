// FolderUpdate ([MS-ASCMD] 2.2.1.6): rename a folder and/or move it under another parent. The
// folder keeps its ServerId (also when the backend gives it a new id, as IMAP does for a renamed
// path), the device's hierarchy state records the change as known, and the FolderSync key moves on.
import { MailFolderExistsError, MailNotFoundError } from '../../mail/types.js';
import { el } from '../../wbxml/index.js';
import type { ElChild } from '../../wbxml/index.js';
import type { CommandHandler } from '../context.js';
import { mailFailure } from '../mailbox.js';
import { folderType } from '../sync/folder-map.js';
import { checkHierarchyKey, commitHierarchy, isSelfOrBelow, setKnownFolder } from '../sync/hierarchy-edit.js';
import {
  FolderStatus,
  backendParent,
  carryServerIds,
  folderFields,
  folderResponse,
  knownFolder,
  nameTaken,
  validFolderName,
  validId,
} from './folders/common.js';

const reply = (status: number, ...rest: ElChild[]) => folderResponse('FolderUpdate', status, ...rest);

export const folderUpdateCommand: CommandHandler = {
  name: 'FolderUpdate',
  checksPolicyKey: true,
  blockedByWipe: true,
  countsAsSync: false,
  quarantine: 'deny',
  async handle(ctx) {
    const fields = folderFields(ctx.body, 'FolderUpdate');
    const syncKey = fields?.get('SyncKey');
    const serverId = fields?.get('ServerId');
    const parentId = fields?.get('ParentId');
    const name = fields?.get('DisplayName');
    // [MS-ASCMD] 2.2.3.181.1: no SyncKey is Status 10, like any other missing or malformed field.
    if (!fields || !validId(syncKey) || !validId(serverId) || !validId(parentId) || !validFolderName(name)) {
      return reply(FolderStatus.BadRequest);
    }
    const states = ctx.svc.store;
    const check = await checkHierarchyKey(states, ctx.device.id, syncKey);
    if (!check.ok) return reply(FolderStatus.InvalidSyncKey);
    const { row, data } = check;
    try {
      const mailbox = await ctx.mailbox();
      const folders = await mailbox.listFolders();
      const folder = knownFolder(data, folders, serverId);
      if (!folder) return reply(FolderStatus.NotFound);
      // [MS-ASCMD] 2.2.3.177.6: Status 2 also means "the specified folder is a special folder".
      if (folder.role !== null) return reply(FolderStatus.Exists);
      const parent = backendParent(data, folders, parentId);
      if (parent === undefined) return reply(FolderStatus.ParentNotFound);
      // Under itself or its own subfolder: no such hierarchy can exist; the request is malformed.
      if (parent !== null && isSelfOrBelow(data, serverId, parentId)) return reply(FolderStatus.BadRequest);
      if (nameTaken(folders, parent, name, folder.id)) return reply(FolderStatus.Exists);
      let updated;
      try {
        updated = await mailbox.renameFolder(folder.id, parent, name);
      } catch (err) {
        if (err instanceof MailFolderExistsError) return reply(FolderStatus.Exists);
        if (err instanceof MailNotFoundError) return reply(FolderStatus.NotFound);
        throw err;
      }
      if (updated.id !== folder.id) {
        const after = await mailbox.listFolders();
        await carryServerIds(data, states, ctx.device.id, folders, after, {
          from: folder.id,
          to: updated.id,
        });
      }
      const known = data.folders.get(serverId);
      setKnownFolder(data, serverId, {
        parentId,
        name: updated.name,
        type: known?.type ?? folderType(updated.role),
      });
      const key = await commitHierarchy(states, ctx.device.id, row, data, ctx.svc.clock());
      // The rename happened; the device learns it from its next FolderSync (as an Update).
      if (key === null) return reply(FolderStatus.ServerError);
      return reply(FolderStatus.Success, el('FolderHierarchy', 'SyncKey', key));
    } catch (err) {
      throw mailFailure(err);
    }
  },
};
