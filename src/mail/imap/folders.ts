// Folder operations on one connection. A folder's id is its full mailbox path as imapflow reports
// it (unicode, server delimiter, e.g. "INBOX/Projects"); renaming a folder (or its parent) changes
// its id. Roles come from INBOX and SPECIAL-USE (RFC 6154), then from well-known names.
import type { ImapFlow, ListResponse } from 'imapflow';
import {
  MailBackendError,
  MailFolderExistsError,
  MailNotFoundError,
  type FolderRole,
  type MailFolder,
} from '../types.js';

const INBOX = 'INBOX';

/** RFC 6154 attributes; \All and \Flagged are virtual views with no EAS role. */
const SPECIAL_USE: Record<string, FolderRole> = {
  '\\sent': 'sent',
  '\\drafts': 'drafts',
  '\\trash': 'deleted',
  '\\junk': 'junk',
  '\\archive': 'archive',
};

/** Names servers without SPECIAL-USE use (Outlook's and the common English ones); top level only. */
const NAME_FALLBACK: Record<string, FolderRole> = {
  sent: 'sent',
  'sent items': 'sent',
  'sent messages': 'sent',
  trash: 'deleted',
  'deleted items': 'deleted',
  'deleted messages': 'deleted',
  drafts: 'drafts',
  junk: 'junk',
  'junk e-mail': 'junk',
  'junk email': 'junk',
  spam: 'junk',
  archive: 'archive',
};

function specialUseOf(f: ListResponse): FolderRole {
  for (const flag of f.flags) {
    const role = SPECIAL_USE[flag.toLowerCase()];
    if (role) return role;
  }
  return null;
}

function selectable(f: ListResponse): boolean {
  return ![...f.flags].some((x) => x.toLowerCase() === '\\nonexistent');
}

/** LIST -> folders with roles; each role goes to one folder (SPECIAL-USE beats a name match). */
export function foldersFromList(list: readonly ListResponse[]): MailFolder[] {
  const entries = list.filter(selectable);
  const roles = new Map<string, FolderRole>();
  const taken = new Set<FolderRole>();
  for (const f of entries) {
    const role = f.path.toUpperCase() === INBOX ? 'inbox' : specialUseOf(f);
    if (role && !taken.has(role)) {
      roles.set(f.path, role);
      taken.add(role);
    }
  }
  for (const f of entries) {
    if (roles.has(f.path) || f.parentPath) continue;
    const role = NAME_FALLBACK[f.name.toLowerCase()];
    if (role && !taken.has(role)) {
      roles.set(f.path, role);
      taken.add(role);
    }
  }
  return entries.map((f) => ({
    id: f.path.toUpperCase() === INBOX ? INBOX : f.path,
    parentId: f.parentPath ? f.parentPath : null,
    name: f.path.toUpperCase() === INBOX ? INBOX : f.name,
    role: roles.get(f.path) ?? null,
  }));
}

async function listRaw(c: ImapFlow): Promise<ListResponse[]> {
  return c.list({ listOnly: true });
}

export async function listFolders(c: ImapFlow): Promise<MailFolder[]> {
  return foldersFromList(await listRaw(c));
}

function delimiterOf(c: ImapFlow, list: readonly ListResponse[]): string {
  return list.find((f) => f.delimiter)?.delimiter ?? c.namespace?.delimiter ?? '/';
}

function checkName(name: string, delimiter: string): void {
  const control = [...name].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);
  if (!name.trim() || control || name.includes(delimiter) || name.includes('*') || name.includes('%')) {
    throw new MailBackendError(`imap: invalid folder name ${JSON.stringify(name)}`);
  }
}

function pathOf(parentId: string | null, name: string, delimiter: string): string {
  return parentId === null ? name : `${parentId}${delimiter}${name}`;
}

function find(list: readonly ListResponse[], id: string): ListResponse | undefined {
  return list.find(
    (f) => selectable(f) && (f.path === id || (id === INBOX && f.path.toUpperCase() === INBOX)),
  );
}

async function folderAt(c: ImapFlow, path: string): Promise<MailFolder> {
  const folder = (await listFolders(c)).find((f) => f.id === path);
  if (!folder)
    throw new MailBackendError(`imap: folder ${JSON.stringify(path)} missing right after it was written`);
  return folder;
}

/** Commands on the selected mailbox (or below it) are refused by some servers: EXAMINE INBOX instead. */
async function leave(c: ImapFlow, path: string, delimiter: string): Promise<void> {
  const selected = c.mailbox ? c.mailbox.path : null;
  if (selected && (selected === path || selected.startsWith(path + delimiter))) {
    await c.mailboxOpen(INBOX, { readOnly: true });
  }
}

export async function createFolder(c: ImapFlow, parentId: string | null, name: string): Promise<MailFolder> {
  const list = await listRaw(c);
  const delimiter = delimiterOf(c, list);
  checkName(name, delimiter);
  if (parentId !== null && !find(list, parentId)) throw new MailNotFoundError('imap: no such parent folder');
  const path = pathOf(parentId, name, delimiter);
  if (find(list, path)) throw new MailFolderExistsError('imap: the folder already exists');
  const res = await c.mailboxCreate(path);
  if (!res.created) throw new MailFolderExistsError('imap: the folder already exists');
  return folderAt(c, res.path);
}

export async function renameFolder(
  c: ImapFlow,
  folderId: string,
  parentId: string | null,
  name: string,
): Promise<MailFolder> {
  const list = await listRaw(c);
  const delimiter = delimiterOf(c, list);
  checkName(name, delimiter);
  const source = find(list, folderId);
  if (!source) throw new MailNotFoundError('imap: no such folder');
  if (source.path.toUpperCase() === INBOX) throw new MailBackendError('imap: INBOX cannot be renamed');
  if (parentId !== null) {
    if (!find(list, parentId)) throw new MailNotFoundError('imap: no such parent folder');
    if (parentId === source.path || parentId.startsWith(source.path + delimiter)) {
      throw new MailBackendError('imap: a folder cannot move below itself');
    }
  }
  const target = pathOf(parentId, name, delimiter);
  if (target === source.path) return folderAt(c, target);
  if (find(list, target)) throw new MailFolderExistsError('imap: the folder already exists');
  await leave(c, source.path, delimiter);
  await c.mailboxRename(source.path, target);
  return folderAt(c, target);
}

/** Deletes the folder and, deepest first, every folder below it (IMAP DELETE leaves children). */
export async function deleteFolder(c: ImapFlow, folderId: string): Promise<string[]> {
  const list = await listRaw(c);
  const delimiter = delimiterOf(c, list);
  const source = find(list, folderId);
  if (!source) throw new MailNotFoundError('imap: no such folder');
  if (source.path.toUpperCase() === INBOX) throw new MailBackendError('imap: INBOX cannot be deleted');
  const doomed = list
    .filter((f) => f.path === source.path || f.path.startsWith(source.path + delimiter))
    .map((f) => f.path)
    .sort((a, b) => b.length - a.length);
  await leave(c, source.path, delimiter);
  for (const path of doomed) await c.mailboxDelete(path);
  return doomed;
}
