// ItemOperations EmptyFolderContents ([MS-ASCMD] 2.2.3.58): deletes every message of a folder
// (permanently: phones use it to empty Deleted Items) and, with Options/DeleteSubFolders, its
// subfolders. The device learns of it through Sync (Deletes) and FolderSync (folder Deletes).
import { MailAuthError, MailBackendError, MailNotFoundError } from '../../../mail/types.js';
import type { MailSession } from '../../../mail/types.js';
import { el } from '../../../wbxml/index.js';
import type { ElChild } from '../../../wbxml/index.js';
import type { WbxmlElement } from '../../../wbxml/types.js';
import type { HierarchyData } from '../../sync/folder-map.js';
import { folderOfCollection } from '../../sync/item-lookup.js';
import type { EmptyFolderRequest } from './request.js';
import { ItemOpsStatus } from './request.js';

/** Messages per delete call: bounded backend commands (an IMAP UID set) for very large folders. */
const DELETE_BATCH = 500;

export async function emptyFolder(
  mailbox: MailSession,
  hierarchy: HierarchyData | null,
  req: EmptyFolderRequest,
): Promise<WbxmlElement> {
  const answer = (status: number) =>
    el(
      'ItemOperations',
      'EmptyFolderContents',
      el('ItemOperations', 'Status', status),
      req.collectionId ? el('AirSync', 'CollectionId', req.collectionId) : (null as ElChild),
    );
  if (req.status !== null) return answer(req.status);
  const folderId = folderOfCollection(hierarchy, req.collectionId);
  if (folderId === null) return answer(ItemOpsStatus.ObjectNotFound);
  try {
    const { entries } = await mailbox.listMessages(folderId);
    const ids = entries.map((e) => e.id);
    for (let i = 0; i < ids.length; i += DELETE_BATCH) {
      await mailbox.deleteMessages(folderId, ids.slice(i, i + DELETE_BATCH));
    }
    if (req.deleteSubFolders) {
      // Direct children only: deleting a folder takes its own subfolders with it. Special folders
      // (a server may nest Junk or Archive anywhere) stay.
      const subfolders = (await mailbox.listFolders()).filter(
        (f) => f.parentId === folderId && f.role === null,
      );
      for (const f of subfolders) await mailbox.deleteFolder(f.id);
    }
    return answer(ItemOpsStatus.Success);
  } catch (err) {
    if (err instanceof MailAuthError) throw err;
    if (err instanceof MailNotFoundError) return answer(ItemOpsStatus.ObjectNotFound);
    if (err instanceof MailBackendError) return answer(ItemOpsStatus.ServerError);
    throw err;
  }
}
