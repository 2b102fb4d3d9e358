// Ping responses ([MS-ASCMD] 2.2.1.13, 6.30 PingResponse.xsd): the Status values and the one
// document shape every outcome of the command is answered with.
import { el } from '../../../wbxml/index.js';
import type { WbxmlElement } from '../../../wbxml/types.js';
import type { EasResponse } from '../../types.js';

/** Ping Status ([MS-ASCMD] 2.2.3.177.11). */
export const PingStatus = {
  /** The heartbeat ended with no new mail in the watched folders. */
  NoChanges: 1,
  /** New mail in at least one watched folder; Folders lists them. */
  Changes: 2,
  /** No HeartbeatInterval or Folders in the request and none cached. */
  MissingParameters: 3,
  SyntaxError: 4,
  /** HeartbeatInterval out of range; the response carries the nearest allowed value. */
  InvalidHeartbeat: 5,
  /** More folders than MaxFolders; the response carries MaxFolders. */
  TooManyFolders: 6,
  /** The device's folder hierarchy is out of date: FolderSync first. */
  FolderSyncRequired: 7,
  ServerError: 8,
} as const;

/** [MS-ASCMD] 6.30 PingResponse.xsd: Status, Folders, MaxFolders, HeartbeatInterval, in this order. */
export function pingResponse(
  status: number,
  o: { folders?: string[]; maxFolders?: number; heartbeatInterval?: number } = {},
): EasResponse {
  const p = (tag: string, ...c: Array<WbxmlElement | string | number>) => el('Ping', tag, ...c);
  return {
    httpStatus: 200,
    headers: {},
    body: p(
      'Ping',
      p('Status', status),
      ...(o.folders?.length ? [p('Folders', ...o.folders.map((id) => p('Folder', id)))] : []),
      ...(o.maxFolders !== undefined ? [p('MaxFolders', o.maxFolders)] : []),
      ...(o.heartbeatInterval !== undefined ? [p('HeartbeatInterval', o.heartbeatInterval)] : []),
    ),
  };
}
