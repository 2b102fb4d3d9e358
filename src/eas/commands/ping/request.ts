// Ping request bodies ([MS-ASCMD] 2.2.1.13, 6.29 PingRequest.xsd): HeartbeatInterval and Folders,
// parsed strictly. Anything malformed is a PingSyntaxError (Status 4); completing the request from
// the cache and checking it against the limits is parameters.ts.
import { isElement, text } from '../../../wbxml/index.js';
import type { WbxmlElement } from '../../../wbxml/types.js';
import { MAX_ID_LENGTH } from '../../sync/state-store.js';
import type { ProtocolVersion } from '../../types.js';

/** [MS-ASCMD] 6.29 PingRequest.xsd Class enumeration. */
export const CLASSES = ['Email', 'Calendar', 'Contacts', 'Tasks', 'Notes'] as const;
export type PingClass = (typeof CLASSES)[number];

export interface PingFolder {
  /** The folder's ServerId from FolderSync. */
  id: string;
  class: PingClass;
}

/** What the request carried; null = omitted (the cached value applies). */
export interface PingRequest {
  heartbeatInterval: number | null;
  folders: PingFolder[] | null;
}

/** A request answered with Status 4 ([MS-ASCMD] 2.2.3.177.11: syntax error). */
export class PingSyntaxError extends Error {}

const bad = (why: string) => new PingSyntaxError(why);

/** Whitespace-only text between elements is tolerated; any other content is not. */
function elementsOf(e: WbxmlElement, what: string): WbxmlElement[] {
  const out: WbxmlElement[] = [];
  for (const c of e.children) {
    if (isElement(c)) out.push(c);
    else if (typeof c !== 'string' || c.trim() !== '') throw bad(`content in ${what}`);
  }
  return out;
}

/** Text content only: an element inside a value is a syntax error. */
function valueOf(e: WbxmlElement, what: string): string {
  if (e.children.some((c) => isElement(c))) throw bad(`element inside ${what}`);
  return text(e);
}

/**
 * Parses a Ping body ([MS-ASCMD] 6.29: HeartbeatInterval and Folders in any order, each at most
 * once; Folder = exactly one Id (at most 64 characters) and one Class). A null body (an empty Ping)
 * carries nothing. Throws PingSyntaxError for anything else.
 */
export function parsePingRequest(body: WbxmlElement | null, version: ProtocolVersion): PingRequest {
  const out: PingRequest = { heartbeatInterval: null, folders: null };
  if (body === null) return out;
  if (body.ns !== 'Ping' || body.tag !== 'Ping') throw bad('root is not Ping:Ping');
  let seenHeartbeat = false;
  for (const c of elementsOf(body, 'Ping')) {
    if (c.ns === 'Ping' && c.tag === 'HeartbeatInterval' && !seenHeartbeat) {
      seenHeartbeat = true;
      const v = valueOf(c, 'HeartbeatInterval').trim();
      if (!/^\d{1,9}$/.test(v)) throw bad('HeartbeatInterval is not a number');
      out.heartbeatInterval = Number(v);
    } else if (c.ns === 'Ping' && c.tag === 'Folders' && out.folders === null) {
      out.folders = parseFolders(c, version);
    } else {
      throw bad(`unexpected ${c.ns}:${c.tag}`);
    }
  }
  return out;
}

function parseFolders(folders: WbxmlElement, version: ProtocolVersion): PingFolder[] {
  const list = elementsOf(folders, 'Folders');
  if (list.length === 0) throw bad('Folders without Folder');
  const seen = new Set<string>();
  const out: PingFolder[] = [];
  for (const f of list) {
    if (f.ns !== 'Ping' || f.tag !== 'Folder') throw bad(`unexpected ${f.ns}:${f.tag} in Folders`);
    let id: string | null = null;
    let cls: string | null = null;
    for (const c of elementsOf(f, 'Folder')) {
      if (c.ns === 'Ping' && c.tag === 'Id' && id === null) id = valueOf(c, 'Id');
      else if (c.ns === 'Ping' && c.tag === 'Class' && cls === null) cls = valueOf(c, 'Class');
      else throw bad(`unexpected ${c.ns}:${c.tag} in Folder`);
    }
    if (id === null || id === '' || id.length > MAX_ID_LENGTH) throw bad('bad Folder Id');
    if (!CLASSES.includes(cls as PingClass)) throw bad('bad Folder Class');
    // [MS-ASCMD] 2.2.3.27.4: Notes exists from 14.0 on.
    if (cls === 'Notes' && version === '12.1') throw bad('Class Notes in 12.1');
    // [MS-ASCMD] 2.2.3.90: the same Id twice is Status 4.
    if (seen.has(id)) throw bad('duplicate Folder Id');
    seen.add(id);
    out.push({ id, class: cls as PingClass });
  }
  return out;
}
