// Search requests as a phone sends them ([MS-ASCMD] 2.2.1.16): a mailbox query (FreeText, folders,
// DateReceived bounds, Range, body preferences) or a GAL lookup, and the answer as a typed view.
// Pure builders and parsers plus two helpers that send through an EasClient.
import { child, childText, children, el } from '../wbxml/index.js';
import type { ElChild } from '../wbxml/index.js';
import type { WbxmlElement } from '../wbxml/types.js';
import type { EasClient } from './eas-client.js';
import type { ClientEmail } from './email.js';
import { parseEmail } from './email.js';
import type { BodyPreferenceRequest } from './mail-sync.js';
import { bodyPreference, optionalNumber } from './wire.js';

const sr = (tag: string, ...c: ElChild[]) => el('Search', tag, ...c);

export interface MailboxSearchRequest {
  freeText?: string;
  collectionIds?: string[];
  /** airsync:Class values (Exchange clients send "Email"). */
  classes?: string[];
  /** email:DateReceived bounds (exclusive), as Date or the wire string. */
  receivedAfter?: Date | string;
  receivedBefore?: Date | string;
  /** "m-n"; absent: the server's default (0-99). */
  range?: string;
  deepTraversal?: boolean;
  rebuildResults?: boolean;
  bodyPreferences?: BodyPreferenceRequest[];
  mimeSupport?: 0 | 1 | 2;
}

const wireDate = (d: Date | string) => (typeof d === 'string' ? d : d.toISOString());

function dateBound(tag: 'GreaterThan' | 'LessThan', d: Date | string): WbxmlElement {
  return sr(tag, el('Email', 'DateReceived'), sr('Value', wireDate(d)));
}

export function mailboxSearchRequest(o: MailboxSearchRequest): WbxmlElement {
  const prefs = o.bodyPreferences ?? [];
  return sr(
    'Search',
    sr(
      'Store',
      sr('Name', 'Mailbox'),
      sr(
        'Query',
        sr(
          'And',
          (o.classes ?? []).map((c) => el('AirSync', 'Class', c)),
          (o.collectionIds ?? []).map((c) => el('AirSync', 'CollectionId', c)),
          o.freeText !== undefined ? sr('FreeText', o.freeText) : null,
          o.receivedAfter !== undefined ? dateBound('GreaterThan', o.receivedAfter) : null,
          o.receivedBefore !== undefined ? dateBound('LessThan', o.receivedBefore) : null,
        ),
      ),
      sr(
        'Options',
        o.rebuildResults ? sr('RebuildResults') : null,
        o.range !== undefined ? sr('Range', o.range) : null,
        o.deepTraversal ? sr('DeepTraversal') : null,
        o.mimeSupport !== undefined ? el('AirSync', 'MIMESupport', o.mimeSupport) : null,
        prefs.map(bodyPreference),
      ),
    ),
  );
}

export function galSearchRequest(query: string, o: { range?: string; picture?: boolean } = {}): WbxmlElement {
  return sr(
    'Search',
    sr(
      'Store',
      sr('Name', 'GAL'),
      sr('Query', query),
      o.range !== undefined || o.picture
        ? sr('Options', o.range !== undefined ? sr('Range', o.range) : null, o.picture ? sr('Picture') : null)
        : null,
    ),
  );
}

export interface SearchResultItem {
  class: string | null;
  longId: string | null;
  collectionId: string | null;
  /** Mailbox results: the message as Sync shows it. */
  email: ClientEmail | null;
  /** GAL results: property name -> value (DisplayName, Alias, EmailAddress, ...). */
  gal: Record<string, string> | null;
  /** Number of Result children (0 = the empty Result of "no match"). */
  size: number;
}

export interface SearchResponse {
  httpStatus: number;
  /** Search/Status. */
  status: number | null;
  /** Response/Store/Status. */
  storeStatus: number | null;
  results: SearchResultItem[];
  range: string | null;
  total: number | null;
  body: WbxmlElement | null;
}

export function parseSearchResponse(httpStatus: number, body: WbxmlElement | null): SearchResponse {
  const store = child(child(body, 'Response', 'Search'), 'Store', 'Search');
  const results = children(store, 'Result', 'Search').map((r): SearchResultItem => {
    const props = child(r, 'Properties', 'Search');
    const galProps = children(props).filter((p) => p.ns === 'Gal');
    const isMail = childText(r, 'Class', 'AirSync') !== null;
    return {
      class: childText(r, 'Class', 'AirSync'),
      longId: childText(r, 'LongId', 'Search'),
      collectionId: childText(r, 'CollectionId', 'AirSync'),
      email: isMail && props ? parseEmail(props) : null,
      gal: galProps.length
        ? Object.fromEntries(galProps.map((p) => [p.tag, childText(props, p.tag, 'Gal') ?? '']))
        : null,
      size: r.children.length,
    };
  });
  return {
    httpStatus,
    status: optionalNumber(childText(body, 'Status', 'Search')),
    storeStatus: optionalNumber(childText(store, 'Status', 'Search')),
    results,
    range: childText(store, 'Range', 'Search'),
    total: optionalNumber(childText(store, 'Total', 'Search')),
    body,
  };
}

/** A mailbox search through the client (re-provisioning if the server asks). */
export async function searchMailbox(c: EasClient, o: MailboxSearchRequest): Promise<SearchResponse> {
  const r = await c.command('Search', mailboxSearchRequest(o));
  return parseSearchResponse(r.httpStatus, r.body);
}

/** A GAL search through the client. */
export async function searchGal(
  c: EasClient,
  query: string,
  o: { range?: string; picture?: boolean } = {},
): Promise<SearchResponse> {
  const r = await c.command('Search', galSearchRequest(query, o));
  return parseSearchResponse(r.httpStatus, r.body);
}
