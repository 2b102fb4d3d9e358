// WBXML pieces the client's request builders and response parsers share. Internal: not re-exported
// from the library's entry (index.ts).
import { el } from '../wbxml/index.js';
import type { WbxmlElement } from '../wbxml/types.js';
import type { BodyPreferenceRequest } from './mail-sync.js';

/** airsyncbase:BodyPreference ([MS-ASAIRS] 2.2.2.7) with only the children the request sets. */
export function bodyPreference(p: BodyPreferenceRequest): WbxmlElement {
  const b = (tag: string, v: number) => el('AirSyncBase', tag, v);
  return el(
    'AirSyncBase',
    'BodyPreference',
    b('Type', p.type),
    p.truncationSize === undefined ? null : b('TruncationSize', p.truncationSize),
    p.allOrNone === undefined ? null : b('AllOrNone', p.allOrNone ? 1 : 0),
    p.preview === undefined ? null : b('Preview', p.preview),
  );
}

/** A Status, Total and the like as a number; null when absent or empty. */
export const optionalNumber = (v: string | null): number | null =>
  v === null || v.trim() === '' ? null : Number(v);
