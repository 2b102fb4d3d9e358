// The Search request as data ([MS-ASCMD] 2.2.1.16): the first Store's name, its query and options,
// already checked, or the Store Status it is refused with. Pure; hostile input gives statuses,
// never exceptions. Structure rules follow Exchange as Microsoft's test suite checks it
// (MS-ASCMD S14_Search): query elements outside the one And, a second And, Or, or an And inside an
// And are "too complex" (8); anything else malformed is a protocol error (2).
import { children, isElement } from '../../../wbxml/index.js';
import type { Namespace, WbxmlElement } from '../../../wbxml/types.js';
import type { BodyOptions } from '../../sync/body.js';
import { parseBodyOptions } from '../../sync/body.js';
import { MAX_ID_LENGTH } from '../../sync/state-store.js';

/** [MS-ASCMD] 2.2.3.177.13 Status (Search), as a child of Store. The Search element's own is 1 or 3. */
export const SearchStatus = {
  Success: 1,
  ProtocolError: 2,
  ServerError: 3,
  BadLink: 4,
  AccessDenied: 5,
  NotFound: 6,
  ConnectionFailed: 7,
  TooComplex: 8,
  TimedOut: 10,
  FolderSyncRequired: 11,
  EndOfRetrievableRange: 12,
  AccessBlocked: 13,
  CredentialsRequired: 14,
} as const;

/** [MS-ASCMD] 2.2.3.177.13 Status of gal:Picture: 173 the user has no contact photo. */
export const NoPicture = 173;

/**
 * [MS-ASCMD] 2.2.3.143.3: Mailbox and GAL default to Range 0-99 and return at most 100 results;
 * a larger range is served up to 100 (Range in the answer says what was sent).
 */
export const MAX_RESULTS = 100;

/** Results a client can page to: indexes 0-999, as in Find's Range ([MS-ASCMD] 2.2.3.143.1). */
export const RETRIEVABLE_RESULTS = 1000;

/**
 * Longest FreeText (and GAL Query) in characters. Phones send what a user typed in a search box;
 * more is not a search but a way to make every message's text be scanned for a long string.
 */
export const MAX_FREETEXT_CHARS = 256;

/** Words of FreeText searched for (each is a substring scan of every message in scope). */
export const MAX_TERMS = 10;

/** CollectionIds in one query: a device searches a folder or a few. */
export const MAX_COLLECTIONS = 50;

/** Elements in the And: room for every legitimate combination several times over. */
export const MAX_AND_CHILDREN = 100;

/** Zero-based, inclusive: "m-n". */
export interface SearchRange {
  start: number;
  end: number;
}

export type MailClass = 'Email' | 'Calendar' | 'Contacts' | 'Tasks' | 'Notes' | 'SMS';

/** [MS-ASCMD] 2.2.3.27.5 Class (Search): the classes a mailbox search may name. */
const CLASSES: readonly MailClass[] = ['Email', 'Calendar', 'Contacts', 'Tasks', 'Notes', 'SMS'];

export interface MailboxSearch {
  kind: 'mailbox';
  /** FreeText split into words (AND); empty = no text condition. */
  terms: string[];
  /** airsync:CollectionId values; empty = the whole mailbox. */
  collectionIds: string[];
  /** airsync:Class values; empty = every class. */
  classes: MailClass[];
  /** Set when the query names a conversation (this server hands out no ConversationIds). */
  conversationId: boolean;
  /** GreaterThan / LessThan on email:DateReceived: exclusive bounds. */
  receivedAfter: Date | null;
  receivedBefore: Date | null;
  range: SearchRange;
  deepTraversal: boolean;
  rebuildResults: boolean;
  body: BodyOptions;
}

export interface GalSearch {
  kind: 'gal';
  query: string;
  range: SearchRange;
  /** 14.1+ Options/Picture: the device wants contact photos. */
  picture: boolean;
}

export interface RefusedSearch {
  kind: 'refused';
  /** The Store Status to answer with. */
  status: number;
}

export type SearchRequest = MailboxSearch | GalSearch | RefusedSearch;

const refused = (status: number): RefusedSearch => ({ kind: 'refused', status });

class Refusal {
  constructor(readonly status: number) {}
}

const fail = (status: number): never => {
  throw new Refusal(status);
};

/** Text content of an element that holds only text (not nested elements, not opaque data). */
function textOnly(e: WbxmlElement): string {
  if (e.children.some((c) => typeof c !== 'string')) fail(SearchStatus.ProtocolError);
  return e.children.join('');
}

/** Text or opaque data among an element's children where only elements belong. */
function strayContent(e: WbxmlElement): boolean {
  return e.children.some((c) => (typeof c === 'string' ? c.trim() !== '' : !isElement(c)));
}

function only(e: WbxmlElement, tag: string, ns: Namespace): WbxmlElement | null {
  const found = children(e, tag, ns);
  if (found.length > 1) fail(SearchStatus.ProtocolError);
  return found[0] ?? null;
}

/** [MS-ASCMD] 2.2.3.143.3 Range "m-n", m <= n; null when absent, a refusal when malformed. */
export function parseSearchRange(v: string): SearchRange | null {
  const m = /^\s*(\d{1,9})-(\d{1,9})\s*$/.exec(v);
  if (!m) return null;
  const start = Number(m[1]);
  const end = Number(m[2]);
  return start <= end ? { start, end } : null;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?$/;

/** [MS-ASDTYPE] dateTime as devices send it ("2012-03-28T07:31:09.314Z"); no zone = UTC. Null if invalid. */
export function parseDateTime(v: string): Date | null {
  const s = v.trim();
  const m = DATE_TIME.exec(s);
  if (!m) return null;
  const [y, mo, d, h, mi, sec] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  // Date.parse rolls 2012-02-30 over into March: check the calendar first.
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth) return null;
  if (h > 23 || mi > 59 || sec > 59) return null;
  const frac = m[7] ? m[7].slice(0, 4) : '';
  const zone = m[8] ?? 'Z';
  const iso = `${s.slice(0, 19)}${frac}${zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone}`;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? new Date(t) : null;
}

/** GreaterThan / LessThan: exactly email:DateReceived and one search:Value ([MS-ASCMD] 2.2.3.86, 2.2.3.96). */
function dateBound(e: WbxmlElement): Date {
  if (strayContent(e)) fail(SearchStatus.ProtocolError);
  const kids = e.children.filter(isElement);
  const prop = kids.filter((k) => k.ns === 'Email' && k.tag === 'DateReceived');
  const value = kids.filter((k) => k.ns === 'Search' && k.tag === 'Value');
  if (prop.length !== 1 || value.length !== 1 || kids.length !== 2) return fail(SearchStatus.ProtocolError);
  if ((prop[0] as WbxmlElement).children.length > 0) fail(SearchStatus.ProtocolError);
  return parseDateTime(textOnly(value[0] as WbxmlElement)) ?? fail(SearchStatus.ProtocolError);
}

/** Query elements that are allowed only inside the And. */
const AND_ONLY = new Set([
  'AirSync:Class',
  'AirSync:CollectionId',
  'Search:FreeText',
  'Search:ConversationId',
  'Search:GreaterThan',
  'Search:LessThan',
]);

/** Operators this server (like Exchange for mailboxes) does not combine: Or, EqualTo, a nested And. */
const OPERATORS = new Set(['Search:And', 'Search:Or', 'Search:EqualTo']);

const key = (e: WbxmlElement) => `${e.ns}:${e.tag}`;

function parseMailboxQuery(
  query: WbxmlElement,
): Omit<MailboxSearch, 'kind' | 'range' | 'deepTraversal' | 'rebuildResults' | 'body'> {
  // Text or data beside the And: not a mailbox query (a GAL query sent to the mailbox).
  if (strayContent(query)) fail(SearchStatus.ProtocolError);
  const top = query.children.filter(isElement);
  if (top.length === 0) fail(SearchStatus.ProtocolError);
  for (const e of top) {
    const k = key(e);
    // [MS-ASCMD] 2.2.3.10, 2.2.3.27.5, 2.2.3.30.5, 2.2.3.80.2, 2.2.3.86, 2.2.3.96: outside And -> 8.
    if (k === 'Search:And') continue;
    if (AND_ONLY.has(k) || OPERATORS.has(k)) fail(SearchStatus.TooComplex);
    fail(SearchStatus.ProtocolError);
  }
  // [MS-ASCMD] 2.2.3.10: several And elements -> 8.
  if (top.length > 1) fail(SearchStatus.TooComplex);
  const and = top[0] as WbxmlElement;
  if (strayContent(and)) fail(SearchStatus.ProtocolError);
  const items = and.children.filter(isElement);
  if (items.length > MAX_AND_CHILDREN) fail(SearchStatus.TooComplex);
  const out: ReturnType<typeof parseMailboxQuery> = {
    terms: [],
    collectionIds: [],
    classes: [],
    conversationId: false,
    receivedAfter: null,
    receivedBefore: null,
  };
  let conversations = 0;
  let freeText = 0;
  for (const e of items) {
    const k = key(e);
    if (OPERATORS.has(k)) fail(SearchStatus.TooComplex);
    switch (k) {
      case 'Search:FreeText': {
        const text = textOnly(e);
        freeText += text.length;
        if (freeText > MAX_FREETEXT_CHARS) fail(SearchStatus.TooComplex);
        for (const word of text.split(/\s+/)) {
          if (word !== '' && !out.terms.includes(word)) out.terms.push(word);
        }
        if (out.terms.length > MAX_TERMS) fail(SearchStatus.TooComplex);
        break;
      }
      case 'AirSync:CollectionId': {
        const id = textOnly(e).trim();
        if (id === '' || id.length > MAX_ID_LENGTH) fail(SearchStatus.ProtocolError);
        if (!out.collectionIds.includes(id)) out.collectionIds.push(id);
        if (out.collectionIds.length > MAX_COLLECTIONS) fail(SearchStatus.TooComplex);
        break;
      }
      case 'AirSync:Class': {
        const name = textOnly(e).trim().toLowerCase();
        const cls = CLASSES.find((c) => c.toLowerCase() === name) ?? fail(SearchStatus.ProtocolError);
        if (!out.classes.includes(cls)) out.classes.push(cls);
        break;
      }
      case 'Search:ConversationId':
        // [MS-ASCMD] 2.2.3.35.2: Exchange answers several with a protocol error.
        if (++conversations > 1) fail(SearchStatus.ProtocolError);
        if (e.children.length === 0) fail(SearchStatus.ProtocolError);
        out.conversationId = true;
        break;
      case 'Search:GreaterThan': {
        const d = dateBound(e);
        if (!out.receivedAfter || d > out.receivedAfter) out.receivedAfter = d;
        break;
      }
      case 'Search:LessThan': {
        const d = dateBound(e);
        if (!out.receivedBefore || d < out.receivedBefore) out.receivedBefore = d;
        break;
      }
      default:
        // email:To and friends: not searchable properties ([MS-ASCMD] S14_Search TC11: 2).
        fail(SearchStatus.ProtocolError);
    }
  }
  return out;
}

const DEFAULT_RANGE: SearchRange = { start: 0, end: MAX_RESULTS - 1 };

function parseRangeOption(options: WbxmlElement | null): SearchRange {
  // Exchange takes several Range elements without complaint ([MS-ASCMD] 2.2.3.143.3): the first counts.
  const first = children(options, 'Range', 'Search')[0];
  if (!first) return DEFAULT_RANGE;
  return parseSearchRange(textOnly(first)) ?? fail(SearchStatus.ProtocolError);
}

/** The store names of [MS-ASCMD] 2.2.3.120.2, compared case-insensitively. */
function storeKind(name: string): 'mailbox' | 'gal' | 'documentlibrary' | null {
  const n = name.trim().toLowerCase().replace(/\s+/g, '');
  return n === 'mailbox'
    ? 'mailbox'
    : n === 'gal'
      ? 'gal'
      : n === 'documentlibrary'
        ? 'documentlibrary'
        : null;
}

function parseStore(store: WbxmlElement): SearchRequest {
  const nameEl = only(store, 'Name', 'Search');
  const queryEl = only(store, 'Query', 'Search');
  const options = only(store, 'Options', 'Search');
  if (!nameEl || !queryEl) return refused(SearchStatus.ProtocolError);
  const kind = storeKind(textOnly(nameEl));
  if (kind === null) return refused(SearchStatus.ProtocolError);
  // UNC and SharePoint document libraries are not served here; 13 "access is blocked to the
  // specified resource" is the status that says so without blaming the request.
  if (kind === 'documentlibrary') return refused(SearchStatus.AccessBlocked);
  const range = parseRangeOption(options);
  if (kind === 'gal') {
    const query = textOnly(queryEl).trim();
    if (query === '') return refused(SearchStatus.ProtocolError);
    if (query.length > MAX_FREETEXT_CHARS) return refused(SearchStatus.TooComplex);
    return { kind: 'gal', query, range, picture: children(options, 'Picture', 'Search').length > 0 };
  }
  const q = parseMailboxQuery(queryEl);
  const body = parseBodyOptions(options) ?? fail(SearchStatus.ProtocolError);
  return {
    kind: 'mailbox',
    ...q,
    range,
    deepTraversal: children(options, 'DeepTraversal', 'Search').length > 0,
    rebuildResults: children(options, 'RebuildResults', 'Search').length > 0,
    body,
  };
}

/**
 * The request, or the Store Status it gets. A body that is no Search document, or has no Store,
 * is a protocol error too. Of several Store elements the first is served, as Exchange does
 * ([MS-ASCMD] 2.2.3.178.3 leaves it undefined).
 */
export function parseSearchRequest(body: WbxmlElement | null): SearchRequest {
  if (!body || body.ns !== 'Search' || body.tag !== 'Search') return refused(SearchStatus.ProtocolError);
  const store = children(body, 'Store', 'Search')[0];
  if (!store) return refused(SearchStatus.ProtocolError);
  try {
    return parseStore(store);
  } catch (err) {
    if (err instanceof Refusal) return refused(err.status);
    throw err;
  }
}
