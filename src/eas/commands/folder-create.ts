// FolderCreate ([MS-ASCMD] 2.2.1.3): a mail folder under the root (ParentId 0) or under a folder the
// device knows. The new folder gets its ServerId from the device's hierarchy state, is recorded
// as known to the device, and the FolderSync key moves on, so the next FolderSync does not Add it.
import { MailFolderExistsError, MailNotFoundError } from '../../mail/types.js';
import { el } from '../../wbxml/index.js';
import type { ElChild } from '../../wbxml/index.js';
import type { CommandHandler } from '../context.js';
import { mailFailure } from '../mailbox.js';
import { ROOT_PARENT } from '../sync/folder-map.js';
import { checkHierarchyKey, commitHierarchy, serverIdFor, setKnownFolder } from '../sync/hierarchy-edit.js';
import {
  FolderStatus,
  backendParent,
  folderFields,
  folderResponse,
  nameTaken,
  validFolderName,
  validId,
} from './folders/common.js';

/**
 * [MS-ASCMD] 2.2.3.186.2 Type: 1 generic and 12 mail are what a mail store can hold. 13-17
 * (calendar, contacts, tasks, journal, notes) would become mail folders the device misfiles, and
 * 2-11, 19 are default folders no client may create: all refused as malformed (Status 10).
 */
const MAIL_TYPES = new Set([1, 12]);

const reply = (status: number, ...rest: ElChild[]) => folderResponse('FolderCreate', status, ...rest);

export const folderCreateCommand: CommandHandler = {
  name: 'FolderCreate',
  checksPolicyKey: true,
  blockedByWipe: true,
  countsAsSync: false,
  quarantine: 'deny',
  async handle(ctx) {
    const fields = folderFields(ctx.body, 'FolderCreate');
    const syncKey = fields?.get('SyncKey');
    const parentId = fields?.get('ParentId');
    const name = fields?.get('DisplayName');
    const type = Number(fields?.get('Type') ?? NaN);
    if (
      !fields ||
      !validId(syncKey) ||
      !validId(parentId) ||
      !validFolderName(name) ||
      !MAIL_TYPES.has(type)
    ) {
      return reply(FolderStatus.BadRequest);
    }
    const states = ctx.svc.store;
    const check = await checkHierarchyKey(states, ctx.device.id, syncKey);
    if (!check.ok) return reply(FolderStatus.InvalidSyncKey);
    const { row, data } = check;
    try {
      const mailbox = await ctx.mailbox();
      const folders = await mailbox.listFolders();
      const parent = backendParent(data, folders, parentId);
      if (parent === undefined) return reply(FolderStatus.ParentNotFound);
      if (nameTaken(folders, parent, name)) return reply(FolderStatus.Exists);
      let created;
      try {
        created = await mailbox.createFolder(parent, name);
      } catch (err) {
        if (err instanceof MailFolderExistsError) return reply(FolderStatus.Exists);
        if (err instanceof MailNotFoundError) return reply(FolderStatus.ParentNotFound);
        throw err;
      }
      const serverId = serverIdFor(data, created.id);
      // The device has the folder as it asked for it; a type the server sees otherwise (12 for a
      // generic 1) reaches the device as a FolderSync Update.
      setKnownFolder(data, serverId, {
        parentId: parent === null ? ROOT_PARENT : parentId,
        name: created.name,
        type,
      });
      const key = await commitHierarchy(states, ctx.device.id, row, data, ctx.svc.clock());
      // A FolderSync of the same device answered first: the folder exists and reaches the device
      // with its next FolderSync; Status 6 makes it retry, and the retry finds the name taken (2).
      if (key === null) return reply(FolderStatus.ServerError);
      ctx.log.debug({ serverId }, 'folder created');
      const f = (tag: string, v: string) => el('FolderHierarchy', tag, v);
      return reply(FolderStatus.Success, f('SyncKey', key), f('ServerId', serverId));
    } catch (err) {
      throw mailFailure(err);
    }
  },
};
