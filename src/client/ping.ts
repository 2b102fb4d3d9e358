// Ping request builder and response parser, as a phone sends and reads them ([MS-ASCMD] 2.2.1.13).
// Pure: EasClient does the I/O; the benchmarks reuse the builder for raw keep-alive requests.
import { child, childText, children, el, text } from '../wbxml/index.js';
import type { WbxmlElement } from '../wbxml/types.js';

export interface PingFolderRequest {
  /** ServerId from FolderSync. */
  id: string;
  /** Default 'Email'. */
  class?: 'Email' | 'Calendar' | 'Contacts' | 'Tasks' | 'Notes';
}

export interface PingRequestOptions {
  /** Seconds; omit to reuse the interval the server cached. */
  heartbeatInterval?: number;
  /** Omit to reuse the folders the server cached. */
  folders?: PingFolderRequest[];
}

export interface PingParsed {
  /** 1 no changes, 2 changes (see folders), 3 send everything again, 4 syntax error, 5 bad interval, 6 too many folders, 7 FolderSync first, 8 server error. */
  status: number | null;
  /** ServerIds of the folders with new mail (Status 2). */
  folders: string[];
  /** The allowed minimum or maximum (Status 5). */
  heartbeatInterval: number | null;
  /** Status 6. */
  maxFolders: number | null;
}

/** The Ping body, or null for an empty Ping (everything from the server's cache). */
export function pingRequest(o: PingRequestOptions = {}): WbxmlElement | null {
  if (o.heartbeatInterval === undefined && o.folders === undefined) return null;
  const p = (tag: string, ...c: Array<WbxmlElement | string | number | null>) => el('Ping', tag, ...c);
  return p(
    'Ping',
    o.heartbeatInterval === undefined ? null : p('HeartbeatInterval', o.heartbeatInterval),
    o.folders === undefined
      ? null
      : p('Folders', ...o.folders.map((f) => p('Folder', p('Id', f.id), p('Class', f.class ?? 'Email')))),
  );
}

export function parsePing(body: WbxmlElement | null): PingParsed {
  const num = (v: string | null) => (v === null ? null : Number(v));
  return {
    status: num(childText(body, 'Status', 'Ping')),
    folders: children(child(body, 'Folders', 'Ping'), 'Folder', 'Ping').map((f) => text(f)),
    heartbeatInterval: num(childText(body, 'HeartbeatInterval', 'Ping')),
    maxFolders: num(childText(body, 'MaxFolders', 'Ping')),
  };
}
