// The device's view of the folder hierarchy ([MS-ASCMD] 2.2.1.5 FolderSync): short, stable
// ServerIds for backend folder ids, and the snapshot of folders the device was last told about,
// from which Adds, Updates and Deletes are computed. Pure; stored as the 'hierarchy' sync state.
import type { FolderRole, MailFolder } from '../../mail/types.js';

/** [MS-ASCMD] 2.2.3.186.3 Type: 2 Inbox, 3 Drafts, 4 Deleted Items, 5 Sent Items, 6 Outbox, 12 user mail. */
export function folderType(role: FolderRole): number {
  switch (role) {
    case 'inbox':
      return 2;
    case 'drafts':
      return 3;
    case 'deleted':
      return 4;
    case 'sent':
      return 5;
    case 'outbox':
      return 6;
    default:
      // Junk and Archive have no type of their own: they are user mail folders to the device.
      return 12;
  }
}

/** ParentId of top-level folders (Exchange practice; [MS-ASCMD] ParentId). */
export const ROOT_PARENT = '0';

export interface DeviceFolder {
  parentId: string;
  name: string;
  type: number;
}

export interface HierarchyData {
  /** Next short ServerId to hand out. */
  next: number;
  /**
   * Backend folder id -> ServerId. Never rolled back by a retry and never pruned (folders are few),
   * so a folder keeps its ServerId across SyncKey-0 resyncs and after a rename.
   */
  ids: Map<string, string>;
  /** ServerId -> the folder as the device was told it. */
  folders: Map<string, DeviceFolder>;
}

export function emptyHierarchy(): HierarchyData {
  return { next: 1, ids: new Map(), folders: new Map() };
}

interface Stored {
  v: 1;
  next: number;
  ids: Array<[string, string]>;
  folders: Array<[string, string, string, number]>;
}

export function serializeHierarchy(d: HierarchyData): string {
  const s: Stored = {
    v: 1,
    next: d.next,
    ids: [...d.ids],
    folders: [...d.folders].map(([id, f]) => [id, f.parentId, f.name, f.type]),
  };
  return JSON.stringify(s);
}

/** null when the document is not one we wrote (corrupt state is treated as no state). */
export function parseHierarchy(json: string | null): HierarchyData | null {
  if (json === null) return null;
  try {
    const s = JSON.parse(json) as Stored;
    if (s?.v !== 1 || !Number.isSafeInteger(s.next) || !Array.isArray(s.ids) || !Array.isArray(s.folders))
      return null;
    const ids = new Map<string, string>();
    for (const p of s.ids) {
      if (!Array.isArray(p) || typeof p[0] !== 'string' || typeof p[1] !== 'string') return null;
      ids.set(p[0], p[1]);
    }
    const folders = new Map<string, DeviceFolder>();
    for (const f of s.folders) {
      if (
        !Array.isArray(f) ||
        typeof f[0] !== 'string' ||
        typeof f[1] !== 'string' ||
        typeof f[2] !== 'string'
      ) {
        return null;
      }
      folders.set(f[0], { parentId: f[1], name: f[2], type: Number(f[3]) });
    }
    return { next: s.next, ids, folders };
  } catch {
    return null;
  }
}

/**
 * The backend's folders as the device should see them, giving new folders the next short ids.
 * Returns the current snapshot and the (possibly grown) id map; `base` is not changed.
 */
export function currentHierarchy(
  base: HierarchyData,
  backend: readonly MailFolder[],
): { ids: Map<string, string>; next: number; folders: Map<string, DeviceFolder> } {
  const ids = new Map(base.ids);
  let next = base.next;
  const present = new Set(backend.map((f) => f.id));
  const depths = depthsOf(backend);
  // Parents first; among siblings the special folders in Type order (Inbox gets the first id), then by name.
  const ordered = [...backend].sort(
    (a, b) =>
      (depths.get(a.id) ?? 0) - (depths.get(b.id) ?? 0) ||
      folderType(a.role) - folderType(b.role) ||
      a.name.localeCompare(b.name),
  );
  for (const f of ordered) {
    if (!ids.has(f.id)) ids.set(f.id, String(next++));
  }
  const folders = new Map<string, DeviceFolder>();
  for (const f of ordered) {
    const parent =
      f.parentId !== null && present.has(f.parentId) ? (ids.get(f.parentId) ?? ROOT_PARENT) : ROOT_PARENT;
    folders.set(ids.get(f.id) as string, { parentId: parent, name: f.name, type: folderType(f.role) });
  }
  return { ids, next, folders };
}

/** Nesting depth of every folder (0 = top level); a cycle a broken backend might report stops at 64. */
function depthsOf(all: readonly MailFolder[]): Map<string, number> {
  const byId = new Map(all.map((x) => [x.id, x]));
  const out = new Map<string, number>();
  for (const f of all) {
    let d = 0;
    for (let p = f.parentId; p !== null && d < 64; d++) p = byId.get(p)?.parentId ?? null;
    out.set(f.id, d);
  }
  return out;
}

export interface HierarchyChanges {
  adds: Array<[string, DeviceFolder]>;
  updates: Array<[string, DeviceFolder]>;
  deletes: string[];
}

/** What the device must be told to go from `known` to `current` (Adds keep the parents-first order). */
export function diffHierarchy(
  known: ReadonlyMap<string, DeviceFolder>,
  current: ReadonlyMap<string, DeviceFolder>,
): HierarchyChanges {
  const out: HierarchyChanges = { adds: [], updates: [], deletes: [] };
  for (const [id, f] of current) {
    const k = known.get(id);
    if (!k) out.adds.push([id, f]);
    else if (k.parentId !== f.parentId || k.name !== f.name || k.type !== f.type) out.updates.push([id, f]);
  }
  for (const id of known.keys()) if (!current.has(id)) out.deletes.push(id);
  return out;
}

/** Backend folder id of a ServerId, or null when the id was never handed out. */
export function backendFolderOf(d: HierarchyData, serverId: string): string | null {
  for (const [backend, short] of d.ids) if (short === serverId) return backend;
  return null;
}
