// The mobilesync Autodiscover command ([MS-ASCMD] 2.2.1.1): parse the request XML, build the
// response XML. Pure functions; the route authenticates and picks the user and URL.
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export const AUTODISCOVER_REQUEST_SCHEMA =
  'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006';
/** The only AcceptableResponseSchema we serve ([MS-ASCMD] 2.2.3.1: the value MUST be this). */
export const MOBILESYNC_RESPONSE_SCHEMA =
  'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006';
export const AUTODISCOVER_RESPONSE_SCHEMA =
  'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006';

/** The request is two short strings; anything near this size is not a real client. */
export const AUTODISCOVER_MAX_BYTES = 16 * 1024;

export interface AutodiscoverRequest {
  emailAddress: string;
  acceptableResponseSchema: string;
}

/** [MS-ASCMD] 2.2.3.64: 600 invalid request, 601 no provider for the AcceptableResponseSchema. */
export type AutodiscoverErrorCode = 600 | 601;

export type AutodiscoverParseResult =
  | { ok: true; request: AutodiscoverRequest }
  | { ok: false; errorCode: AutodiscoverErrorCode; reason: string };

// Hostile-input settings: no entity expansion beyond the five predefined ones (DOCTYPE is refused
// before parsing anyway), no value coercion, attributes kept only to read xmlns.
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  processEntities: true,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

const EMAIL = /^[^\s@<>"]+@[^\s@<>"]+$/;
const MAX_EMAIL = 320;

function fail(errorCode: AutodiscoverErrorCode, reason: string): AutodiscoverParseResult {
  return { ok: false, errorCode, reason };
}

type XmlObj = Record<string, unknown>;

function isObj(v: unknown): v is XmlObj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function localName(key: string): string {
  const i = key.indexOf(':');
  return i < 0 ? key : key.slice(i + 1);
}

/** The single child with this local name (any prefix); undefined if absent, null if repeated. */
function child(obj: XmlObj, name: string): unknown {
  let found: unknown = undefined;
  for (const [k, v] of Object.entries(obj)) {
    if (k.startsWith('@') || k === '#text' || localName(k) !== name) continue;
    if (found !== undefined || Array.isArray(v)) return null;
    found = v;
  }
  return found;
}

/** Namespace of an element written `key` with attributes in `obj` (default or prefixed xmlns). */
function namespaceOf(key: string, obj: XmlObj): string | undefined {
  const i = key.indexOf(':');
  const attr = i < 0 ? '@xmlns' : `@xmlns:${key.slice(0, i)}`;
  const v = obj[attr];
  return typeof v === 'string' ? v : undefined;
}

/**
 * Parses an Autodiscover request body. Never throws. Malformed XML, a DOCTYPE, a wrong root or
 * missing/invalid EMailAddress → 600; an AcceptableResponseSchema other than mobilesync → 601
 * (so an Outlook-schema request learns the schema, not the syntax, is the problem).
 */
export function parseAutodiscoverRequest(body: Buffer | string): AutodiscoverParseResult {
  try {
    const size = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    if (size === 0) return fail(600, 'empty body');
    if (size > AUTODISCOVER_MAX_BYTES) return fail(600, 'body too large');
    let xml = typeof body === 'string' ? body : body.toString('utf8');
    if (xml.charCodeAt(0) === 0xfeff) xml = xml.slice(1);
    // No DTDs at all: they are the vehicle for entity expansion and external entity attacks.
    if (/<!DOCTYPE|<!ENTITY/i.test(xml)) return fail(600, 'DOCTYPE not allowed');
    if (XMLValidator.validate(xml) !== true) return fail(600, 'not well-formed XML');
    const doc: unknown = parser.parse(xml);
    if (!isObj(doc)) return fail(600, 'no root element');
    const roots = Object.keys(doc).filter((k) => !k.startsWith('@') && k !== '#text');
    const rootKey = roots[0];
    if (roots.length !== 1 || rootKey === undefined || localName(rootKey) !== 'Autodiscover') {
      return fail(600, 'root is not Autodiscover');
    }
    const root = doc[rootKey];
    if (!isObj(root)) return fail(600, 'Autodiscover is empty');
    const request = child(root, 'Request');
    if (!isObj(request)) return fail(600, 'Request missing');
    const email = child(request, 'EMailAddress');
    const schema = child(request, 'AcceptableResponseSchema');
    if (typeof schema !== 'string' || schema === '') return fail(600, 'AcceptableResponseSchema missing');
    if (schema !== MOBILESYNC_RESPONSE_SCHEMA) return fail(601, 'unsupported AcceptableResponseSchema');
    // A missing xmlns is tolerated (some clients omit it); a different one is not ours.
    const ns = namespaceOf(rootKey, root);
    if (ns !== undefined && ns !== AUTODISCOVER_REQUEST_SCHEMA) return fail(600, 'wrong request namespace');
    if (typeof email !== 'string' || email.length > MAX_EMAIL || !EMAIL.test(email)) {
      return fail(600, 'EMailAddress missing or invalid');
    }
    return { ok: true, request: { emailAddress: email, acceptableResponseSchema: schema } };
  } catch {
    // fast-xml-parser throws on limits such as nesting depth.
    return fail(600, 'XML could not be parsed');
  }
}

/** Escapes text for element content and double-quoted attributes. */
export function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`,
  );
}

export interface AutodiscoverSettings {
  emailAddress: string;
  displayName?: string | null;
  /** Default "en:us", the form the spec examples use. */
  culture?: string;
  /** The ActiveSync endpoint, e.g. from {@link activeSyncUrl}. */
  url: string;
}

/** Success response ([MS-ASCMD] 4.2.4 "Response - Case Server Settings", MobileSync server only). */
export function buildAutodiscoverResponse(s: AutodiscoverSettings): string {
  const url = escapeXml(s.url);
  const name = s.displayName ? `<DisplayName>${escapeXml(s.displayName)}</DisplayName>` : '';
  return (
    '<?xml version="1.0" encoding="utf-8"?>\n' +
    `<Autodiscover xmlns="${AUTODISCOVER_RESPONSE_SCHEMA}">` +
    `<Response xmlns="${MOBILESYNC_RESPONSE_SCHEMA}">` +
    `<Culture>${escapeXml(s.culture ?? 'en:us')}</Culture>` +
    `<User>${name}<EMailAddress>${escapeXml(s.emailAddress)}</EMailAddress></User>` +
    '<Action><Settings><Server>' +
    // [MS-ASCMD] 2.2.3.120.1: for MobileSync, Name also carries the URL.
    `<Type>MobileSync</Type><Url>${url}</Url><Name>${url}</Name>` +
    '</Server></Settings></Action>' +
    '</Response></Autodiscover>'
  );
}

const ERROR_MESSAGES: Record<AutodiscoverErrorCode, string> = {
  600: 'Invalid Request',
  601: 'Requested schema version not supported',
};

/**
 * Error response for 600/601. Shape from the AutodiscoverResponse.xsd choice ([MS-ASCMD] 6.4): an
 * un-namespaced-schema Response holding Error/{ErrorCode, Message, DebugData}. (The spec's example
 * also puts the mobilesync xmlns on that Response; the schema does not, and it cannot be the
 * mobilesync Response, which has no ErrorCode.) Time ([MS-ASCMD] 2.2.3.63) when `now` is given.
 */
export function buildAutodiscoverError(code: AutodiscoverErrorCode, opts: { now?: Date } = {}): string {
  const time = opts.now ? ` Time="${errorTime(opts.now)}"` : '';
  return (
    '<?xml version="1.0" encoding="utf-8"?>\n' +
    `<Autodiscover xmlns="${AUTODISCOVER_RESPONSE_SCHEMA}">` +
    `<Response><Error${time}><ErrorCode>${code}</ErrorCode><Message>${ERROR_MESSAGES[code]}</Message><DebugData />` +
    '</Error></Response></Autodiscover>'
  );
}

/** time_val = hours ":" minutes ":" seconds ["." fractional_seconds] (UTC). */
function errorTime(d: Date): string {
  return d.toISOString().slice(11, 23);
}

const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

/**
 * `https://<host>/Microsoft-Server-ActiveSync` for a Host header value, or null when the value is
 * not a plain host[:port] (it is client-controlled and ends up in the XML the phone trusts).
 */
export function activeSyncUrl(host: string, proto: 'https' | 'http' = 'https'): string | null {
  if (host.length === 0 || host.length > 260 || !HOST.test(host)) return null;
  return `${proto}://${host}/Microsoft-Server-ActiveSync`;
}
