// FolderDelete ([MS-ASCMD] 2.2.1.4): deletes a folder, its messages and its subfolders. The device's
// hierarchy state forgets the folder and everything below it, their item states are dropped (those
// ServerIds are never used again), and the FolderSync key moves on.
import { MailNotFoundError } from '../../mail/types.js';
import { el } from '../../wbxml/index.js';
import type { ElChild } from '../../wbxml/index.js';
import type { CommandHandler } from '../context.js';
import { mailFailure } from '../mailbox.js';
import { checkHierarchyKey, commitHierarchy, removeKnownFolder } from '../sync/hierarchy-edit.js';
import { FolderStatus, folderFields, folderResponse, knownFolder, validId } from './folders/common.js';

const reply = (status: number, ...rest: ElChild[]) => folderResponse('FolderDelete', status, ...rest);

export const folderDeleteCommand: CommandHandler = {
  name: 'FolderDelete',
  checksPolicyKey: true,
  blockedByWipe: true,
  countsAsSync: false,
  quarantine: 'deny',
  async handle(ctx) {
    const fields = folderFields(ctx.body, 'FolderDelete');
    const syncKey = fields?.get('SyncKey');
    const serverId = fields?.get('ServerId');
    if (!fields || !validId(syncKey) || !validId(serverId)) return reply(FolderStatus.BadRequest);
    const states = ctx.svc.store;
    const check = await checkHierarchyKey(states, ctx.device.id, syncKey);
    if (!check.ok) return reply(FolderStatus.InvalidSyncKey);
    const { row, data } = check;
    try {
      const mailbox = await ctx.mailbox();
      const folders = await mailbox.listFolders();
      const folder = knownFolder(data, folders, serverId);
      if (!folder) return reply(FolderStatus.NotFound);
      // [MS-ASCMD] 2.2.3.177.4 Status 3: Inbox, Drafts, Sent, Deleted Items, Outbox... stay.
      if (folder.role !== null) return reply(FolderStatus.SpecialFolder);
      try {
        await mailbox.deleteFolder(folder.id);
      } catch (err) {
        if (err instanceof MailNotFoundError) return reply(FolderStatus.NotFound);
        throw err;
      }
      const removed = removeKnownFolder(data, serverId);
      const key = await commitHierarchy(states, ctx.device.id, row, data, ctx.svc.clock());
      for (const id of removed) await states.deleteSyncStates(ctx.device.id, id);
      // The folder is gone; the device learns it from its next FolderSync (as a Delete).
      if (key === null) return reply(FolderStatus.ServerError);
      return reply(FolderStatus.Success, el('FolderHierarchy', 'SyncKey', key));
    } catch (err) {
      throw mailFailure(err);
    }
  },
};
