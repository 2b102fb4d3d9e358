// What FolderCreate, FolderUpdate and FolderDelete share ([MS-ASCMD] 2.2.1.3, 2.2.1.6, 2.2.1.4): the
// request fields, the Status values, the response shape, folder-name rules, and carrying a folder's
// ServerId (and its item states) over a backend rename that changed its id (IMAP paths).
import type { MailFolder } from '../../../mail/types.js';
import type { SyncStateStore } from '../../../store/sync-state.js';
import { childText, el } from '../../../wbxml/index.js';
import type { ElChild } from '../../../wbxml/index.js';
import type { WbxmlElement } from '../../../wbxml/types.js';
import type { HierarchyData } from '../../sync/folder-map.js';
import { ROOT_PARENT } from '../../sync/folder-map.js';
import { folderOfCollection } from '../../sync/item-lookup.js';
import { parseCollection, serializeCollection } from '../../sync/item-state.js';
import { MAX_ID_LENGTH } from '../../sync/state-store.js';
import type { EasResponse } from '../../types.js';

/**
 * Status values of the three commands ([MS-ASCMD] 2.2.3.177.3/.4/.6). Their meanings differ
 * slightly per command: FolderUpdate answers 2 for a special folder, FolderDelete 3.
 */
export const FolderStatus = {
  Success: 1,
  Exists: 2,
  SpecialFolder: 3,
  NotFound: 4,
  ParentNotFound: 5,
  ServerError: 6,
  InvalidSyncKey: 9,
  BadRequest: 10,
} as const;

export type FolderCommand = 'FolderCreate' | 'FolderUpdate' | 'FolderDelete';

/** The response: Status first, then (on success) SyncKey and, for FolderCreate, ServerId. */
export function folderResponse(root: FolderCommand, status: number, ...rest: ElChild[]): EasResponse {
  const f = (tag: string, ...c: ElChild[]) => el('FolderHierarchy', tag, ...c);
  return { httpStatus: 200, headers: {}, body: f(root, f('Status', status), ...rest) };
}

/**
 * The request's text fields, or null when the root is not the command's or a field repeats or
 * carries markup ([MS-ASCMD] 2.2.3.72/.73/.77: each child at most once, all strings).
 */
export function folderFields(body: WbxmlElement | null, root: FolderCommand): Map<string, string> | null {
  if (!body || body.ns !== 'FolderHierarchy' || body.tag !== root) return null;
  const out = new Map<string, string>();
  for (const c of body.children) {
    if (typeof c === 'string' && c.trim() === '') continue;
    if (typeof c === 'string' || c instanceof Uint8Array || c.ns !== 'FolderHierarchy') return null;
    if (out.has(c.tag)) return null;
    const v = childText(body, c.tag, 'FolderHierarchy');
    if (v === null || c.children.some((x) => typeof x !== 'string')) return null;
    out.set(c.tag, v);
  }
  return out;
}

/** An id the device may send: a non-empty string of at most 64 characters ([MS-ASCMD] 2.2.3.166). */
export function validId(v: string | undefined): v is string {
  return v !== undefined && v !== '' && v.length <= MAX_ID_LENGTH;
}

/**
 * [MS-ASCMD] 2.2.3.49.3 DisplayName is a string; we also refuse what no mail store can hold: empty
 * or blank names, control characters, and names over 256 characters (IMAP servers cap mailbox
 * names around there). Backends add their own rules (an IMAP delimiter), refused as malformed too.
 */
export function validFolderName(name: string | undefined): name is string {
  if (name === undefined || name.trim() === '' || [...name].length > 256) return false;
  return ![...name].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
}

/** Sibling names are unique case-insensitively (Exchange, and the backends): Status 2. */
export function nameTaken(
  folders: readonly MailFolder[],
  parentId: string | null,
  name: string,
  except: string | null = null,
): boolean {
  const lower = name.toLowerCase();
  return folders.some((f) => f.id !== except && f.parentId === parentId && f.name.toLowerCase() === lower);
}

/** The backend parent of a device ParentId: '0' is the root (null); undefined = not a folder we know. */
/** The folder the device knows as `serverId`, or undefined when it knows none or it is gone. */
export function knownFolder(
  d: HierarchyData,
  folders: readonly MailFolder[],
  serverId: string,
): MailFolder | undefined {
  const backendId = folderOfCollection(d, serverId);
  return backendId === null ? undefined : folders.find((f) => f.id === backendId);
}

export function backendParent(
  d: HierarchyData,
  folders: readonly MailFolder[],
  parentId: string,
): string | null | undefined {
  if (parentId === ROOT_PARENT) return null;
  for (const [backend, sid] of d.ids) {
    if (sid === parentId) return folders.some((f) => f.id === backend) ? backend : undefined;
  }
  return undefined;
}

/**
 * After a rename that changed backend ids (IMAP renames the paths of the folder and everything below
 * it), the device's ServerIds move to the new ids, matched by parent and name, so the device keeps
 * its folders and their item states instead of seeing them deleted and added again. Item states
 * are re-pointed at the new folder id; message ids that did not survive the rename show up as
 * Deletes and Adds on the next Sync, as any change would.
 */
export async function carryServerIds(
  d: HierarchyData,
  states: SyncStateStore,
  deviceId: string,
  before: readonly MailFolder[],
  after: readonly MailFolder[],
  renamed: { from: string; to: string },
): Promise<void> {
  const moves = new Map<string, string>([[renamed.from, renamed.to]]);
  const queue: Array<[string, string]> = [[renamed.from, renamed.to]];
  while (queue.length) {
    const [oldParent, newParent] = queue.shift() as [string, string];
    for (const child of before.filter((f) => f.parentId === oldParent)) {
      const match = after.find((f) => f.parentId === newParent && f.name === child.name);
      if (match && match.id !== child.id) {
        moves.set(child.id, match.id);
        queue.push([child.id, match.id]);
      }
    }
  }
  for (const [from, to] of moves) {
    if (from === to) continue;
    const sid = d.ids.get(from);
    if (sid === undefined) continue;
    d.ids.delete(from);
    d.ids.set(to, sid);
    const row = await states.getSyncState(deviceId, sid);
    if (!row) continue;
    const repoint = (json: string | null): string | null => {
      const c = parseCollection(json);
      if (!c || c.folderId !== from) return json;
      c.folderId = to;
      return serializeCollection(c);
    };
    // Same key: the device's key stays valid. A lost race only costs that collection a resync.
    await states.putSyncState(
      { ...row, data: repoint(row.data) ?? row.data, previousData: repoint(row.previousData) },
      row.syncKey,
    );
  }
}
