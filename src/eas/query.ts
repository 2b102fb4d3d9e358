// The request-line query of [MS-ASHTTP] 2.2.1.1.1: parse and format both forms (plain text and base64).
// Pure functions. Parsing returns a QueryError for every malformed input and never throws.
import { PROTOCOL_VERSIONS } from './types.js';
import type { ProtocolVersion } from './types.js';

/** Headers as Node delivers them (lower-case names). */
export type QueryHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** Command parameters ([MS-ASHTTP] 2.2.1.1.1.2.5) plus the two Options flags of the base64 form. */
export const COMMAND_PARAMS = [
  'AttachmentName',
  'CollectionId',
  'ItemId',
  'LongId',
  'Occurrence',
  'SaveInSent',
  'AcceptMultiPart',
] as const;
export type CommandParam = (typeof COMMAND_PARAMS)[number];

export interface ParsedQuery {
  form: 'plain' | 'base64';
  /** Command wire name, e.g. 'FolderSync'. Not checked against the registry here. */
  cmd: string;
  /** Null in the base64 form when no User parameter (tag 8) was sent. */
  user: string | null;
  deviceId: string;
  deviceType: string;
  protocolVersion: ProtocolVersion;
  /** Decimal string; null when absent. */
  policyKey: string | null;
  /** LCID of the base64 form; null in the plain form. */
  locale: number | null;
  /** SaveInSent / AcceptMultiPart are 'T' or 'F'; absent means 'F' ([MS-ASHTTP] 2.2.1.1.1.2.5). */
  params: Partial<Record<CommandParam, string>>;
}

export type QueryErrorCode =
  | 'EAS_ERR_QUERY_EMPTY'
  | 'EAS_ERR_QUERY_TOO_LONG'
  | 'EAS_ERR_QUERY_ENCODING'
  | 'EAS_ERR_QUERY_BASE64'
  | 'EAS_ERR_QUERY_TRUNCATED'
  | 'EAS_ERR_QUERY_MISSING'
  | 'EAS_ERR_QUERY_DUPLICATE'
  | 'EAS_ERR_QUERY_INVALID'
  | 'EAS_ERR_QUERY_COMMAND'
  | 'EAS_ERR_QUERY_VERSION'
  | 'EAS_ERR_QUERY_POLICY_KEY'
  | 'EAS_ERR_QUERY_PARAM';

/** A malformed query. Returned, not thrown; the transport answers it with HTTP 400. */
export class QueryError extends Error {
  override readonly name = 'QueryError';
  constructor(
    readonly code: QueryErrorCode,
    message: string,
    /** The parameter or field at fault, when there is one. */
    readonly field: string | null = null,
    /** Byte offset into the decoded base64 query, when there is one. */
    readonly offset: number | null = null,
  ) {
    super(message);
  }
}

/**
 * Length bounds. The ABNF allows DeviceId 1*32 alphanumerics, but real clients send longer ids and
 * ids with '-', '_' or '.' (Android builds, GUID strings), so any printable ASCII up to 128 is
 * accepted. Every bound is well above what devices send and well below what could hurt logs or keys.
 */
export const QUERY_LIMITS = {
  /** Raw query string length (before decoding). */
  maxQueryLength: 4096,
  maxCommand: 32,
  maxUser: 256,
  maxDeviceId: 128,
  maxDeviceType: 128,
  /** [MS-ASPROV] 2.2.2.42: PolicyKey is a string of at most 64 characters. */
  maxPolicyKey: 64,
  maxParamValue: 1024,
} as const;

/** [MS-ASHTTP] 2.2.1.1.1.1.2 command codes of the base64 form. See PROTOCOL.md §2.2 for 12 and 23. */
export const COMMAND_CODES: Readonly<Record<string, number>> = {
  Sync: 0,
  SendMail: 1,
  SmartForward: 2,
  SmartReply: 3,
  GetAttachment: 4,
  FolderSync: 9,
  FolderCreate: 10,
  FolderDelete: 11,
  FolderUpdate: 12,
  MoveItems: 13,
  GetItemEstimate: 14,
  MeetingResponse: 15,
  Search: 16,
  Settings: 17,
  Ping: 18,
  ItemOperations: 19,
  Provision: 20,
  ResolveRecipients: 21,
  ValidateCert: 22,
  Find: 23,
};
const COMMAND_BY_CODE: ReadonlyMap<number, string> = new Map(
  Object.entries(COMMAND_CODES).map(([name, code]) => [code, name]),
);

/** [MS-ASHTTP] 2.2.1.1.1.1: Protocol version byte = version × 10. */
const VERSION_BY_BYTE: ReadonlyMap<number, ProtocolVersion> = new Map(
  PROTOCOL_VERSIONS.map((v) => [Math.round(Number(v) * 10), v]),
);

/** [MS-ASHTTP] 2.2.1.1.1.1.3 parameter tags (2 and 5 are unused). */
const TAG_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'AttachmentName'],
  [1, 'CollectionId'],
  [3, 'ItemId'],
  [4, 'LongId'],
  [6, 'Occurrence'],
  [7, 'Options'],
  [8, 'User'],
]);
const TAG_BY_NAME: ReadonlyMap<string, number> = new Map([...TAG_NAMES].map(([t, n]) => [n, t]));
const OPTION_SAVE_IN_SENT = 0x01;
const OPTION_ACCEPT_MULTIPART = 0x02;

/** Plain-form names, matched case-insensitively (as Exchange's query collection does). */
const PLAIN_NAMES: ReadonlyMap<string, string> = new Map(
  [
    'Cmd',
    'User',
    'DeviceId',
    'DeviceType',
    'AttachmentName',
    'CollectionId',
    'ItemId',
    'LongId',
    'Occurrence',
    'SaveInSent',
  ].map((n) => [n.toLowerCase(), n]),
);

// --- value rules -------------------------------------------------------------------------------

const VCHAR = /^[\x21-\x7e]+$/;
const COMMAND_NAME = /^[A-Za-z]+$/;
// Control, format (bidi overrides, zero-width) and line/paragraph separators: never in an identifier.
const UNSAFE_TEXT = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

function err(
  code: QueryErrorCode,
  message: string,
  field: string | null = null,
  offset: number | null = null,
) {
  return new QueryError(code, message, field, offset);
}

function checkText(field: string, value: string, max: number): QueryError | null {
  if (value.length === 0) return err('EAS_ERR_QUERY_INVALID', `${field} is empty`, field);
  if (value.length > max) return err('EAS_ERR_QUERY_INVALID', `${field} is longer than ${max}`, field);
  if (UNSAFE_TEXT.test(value))
    return err('EAS_ERR_QUERY_INVALID', `${field} contains control characters`, field);
  return null;
}

function checkVchar(field: string, value: string, max: number): QueryError | null {
  const e = checkText(field, value, max);
  if (e) return e;
  if (!VCHAR.test(value)) return err('EAS_ERR_QUERY_INVALID', `${field} must be printable ASCII`, field);
  return null;
}

function checkCommandName(value: string): QueryError | null {
  if (value.length === 0) return err('EAS_ERR_QUERY_INVALID', 'Cmd is empty', 'Cmd');
  if (value.length > QUERY_LIMITS.maxCommand || !COMMAND_NAME.test(value)) {
    return err('EAS_ERR_QUERY_COMMAND', 'Cmd is not a command name (1*ALPHA)', 'Cmd');
  }
  return null;
}

/** Checks one command parameter value; normalises the T/F flags to upper case. */
function checkParam(name: CommandParam, value: string): QueryError | string {
  if (name === 'SaveInSent' || name === 'AcceptMultiPart') {
    const v = value.toUpperCase();
    return v === 'T' || v === 'F' ? v : err('EAS_ERR_QUERY_INVALID', `${name} must be T or F`, name);
  }
  return checkText(name, value, QUERY_LIMITS.maxParamValue) ?? value;
}

function header(headers: QueryHeaders, name: string): string | null | QueryError {
  const v = headers[name];
  if (v === undefined) return null;
  if (Array.isArray(v)) return err('EAS_ERR_QUERY_DUPLICATE', `header ${name} sent more than once`, name);
  return (v as string).trim();
}

function versionFromHeader(headers: QueryHeaders): ProtocolVersion | QueryError {
  const v = header(headers, 'ms-asprotocolversion');
  if (v instanceof QueryError) return v;
  if (v === null || v === '') {
    return err(
      'EAS_ERR_QUERY_VERSION',
      'MS-ASProtocolVersion header is required with the plain query',
      'MS-ASProtocolVersion',
    );
  }
  if (!(PROTOCOL_VERSIONS as readonly string[]).includes(v)) {
    return err('EAS_ERR_QUERY_VERSION', 'unsupported protocol version', 'MS-ASProtocolVersion');
  }
  return v as ProtocolVersion;
}

function policyKeyFromHeader(headers: QueryHeaders): string | null | QueryError {
  const v = header(headers, 'x-ms-policykey');
  if (v instanceof QueryError || v === null || v === '') return v === '' ? null : v;
  if (v.length > QUERY_LIMITS.maxPolicyKey || !VCHAR.test(v)) {
    return err('EAS_ERR_QUERY_POLICY_KEY', 'X-MS-PolicyKey is not a policy key', 'X-MS-PolicyKey');
  }
  return v;
}

/** MS-ASAcceptMultiPart ([MS-ASHTTP] 2.2.1.1.2): 'T' or 'F'; any other value means inline, like absence. */
function acceptMultiPartFromHeader(headers: QueryHeaders): 'T' | 'F' | null {
  const v = headers['ms-asacceptmultipart'];
  if (typeof v !== 'string') return null;
  const u = v.trim().toUpperCase();
  return u === 'T' || u === 'F' ? u : null;
}

// --- parsing -----------------------------------------------------------------------------------

/**
 * Parses the raw query string (everything after '?', still percent-encoded) of an EAS request.
 * The form is told apart by shape: a plain query has `name=value` pairs, a base64 query has '='
 * only as trailing padding. `headers` supplies MS-ASProtocolVersion, X-MS-PolicyKey and
 * MS-ASAcceptMultiPart (for the base64 form they are only a fallback; the encoded fields win).
 */
export function parseEasQuery(rawQueryString: string, headers: QueryHeaders): ParsedQuery | QueryError {
  try {
    const raw = rawQueryString.startsWith('?') ? rawQueryString.slice(1) : rawQueryString;
    if (raw.length === 0) return err('EAS_ERR_QUERY_EMPTY', 'request has no query');
    if (raw.length > QUERY_LIMITS.maxQueryLength) return err('EAS_ERR_QUERY_TOO_LONG', 'query is too long');
    return isPlainForm(raw) ? parsePlain(raw, headers) : parseBase64(raw, headers);
  } catch {
    // Defence in depth: the parsers above return errors; nothing they call should throw.
    return err('EAS_ERR_QUERY_INVALID', 'query could not be parsed');
  }
}

/** A plain query has '&' or a '=' followed by something other than '=' (base64 has '=' only as padding). */
function isPlainForm(raw: string): boolean {
  return raw.includes('&') || /=[^=]/.test(raw);
}

function percentDecode(s: string, field: string | null): string | QueryError {
  if (!s.includes('%')) return s;
  try {
    // '+' is kept literally: no user name, id or parameter value legitimately contains a space
    // encoded as '+', while user names do contain '+' (e-mail sub-addressing).
    return decodeURIComponent(s);
  } catch {
    return err('EAS_ERR_QUERY_ENCODING', 'bad percent-encoding or invalid UTF-8', field);
  }
}

function parsePlain(raw: string, headers: QueryHeaders): ParsedQuery | QueryError {
  const seen = new Map<string, string>();
  for (const segment of raw.split('&')) {
    if (segment === '') continue; // tolerate "a=1&&b=2" and a trailing '&'
    const eq = segment.indexOf('=');
    const rawName = eq < 0 ? segment : segment.slice(0, eq);
    const name = percentDecode(rawName, null);
    if (name instanceof QueryError) return name;
    const canonical = PLAIN_NAMES.get(name.toLowerCase());
    // Unknown parameters are ignored: future or vendor parameters must not break the request.
    if (canonical === undefined) continue;
    if (seen.has(canonical))
      return err('EAS_ERR_QUERY_DUPLICATE', `${canonical} given more than once`, canonical);
    const value = eq < 0 ? '' : percentDecode(segment.slice(eq + 1), canonical);
    if (value instanceof QueryError) return value;
    seen.set(canonical, value);
  }

  for (const required of ['Cmd', 'User', 'DeviceId', 'DeviceType']) {
    if (!seen.has(required)) return err('EAS_ERR_QUERY_MISSING', `${required} is required`, required);
  }
  const cmd = seen.get('Cmd') as string;
  const user = seen.get('User') as string;
  const deviceId = seen.get('DeviceId') as string;
  const deviceType = seen.get('DeviceType') as string;
  const bad =
    checkCommandName(cmd) ??
    checkText('User', user, QUERY_LIMITS.maxUser) ??
    checkVchar('DeviceId', deviceId, QUERY_LIMITS.maxDeviceId) ??
    checkVchar('DeviceType', deviceType, QUERY_LIMITS.maxDeviceType);
  if (bad) return bad;

  const params: Partial<Record<CommandParam, string>> = {};
  for (const name of COMMAND_PARAMS) {
    const v = seen.get(name);
    if (v === undefined) continue;
    const checked = checkParam(name, v);
    if (checked instanceof QueryError) return checked;
    params[name] = checked;
  }
  const amp = acceptMultiPartFromHeader(headers);
  if (amp !== null) params.AcceptMultiPart = amp;

  const protocolVersion = versionFromHeader(headers);
  if (protocolVersion instanceof QueryError) return protocolVersion;
  const policyKey = policyKeyFromHeader(headers);
  if (policyKey instanceof QueryError) return policyKey;

  return { form: 'plain', cmd, user, deviceId, deviceType, protocolVersion, policyKey, locale: null, params };
}

// RFC 2045 alphabet; padding may be omitted (lengths 4n+2 / 4n+3), never '-' or '_'.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bounds-checked reader over the decoded bytes; every overrun is a TRUNCATED error. */
class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  get remaining(): number {
    return this.buf.length - this.pos;
  }
  u8(field: string): number | QueryError {
    if (this.remaining < 1)
      return err('EAS_ERR_QUERY_TRUNCATED', `query ends before ${field}`, field, this.pos);
    return this.buf[this.pos++] as number;
  }
  bytes(n: number, field: string): Buffer | QueryError {
    if (this.remaining < n) {
      return err(
        'EAS_ERR_QUERY_TRUNCATED',
        `${field} length ${n} runs past the end of the query`,
        field,
        this.pos,
      );
    }
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}

function text(bytes: Buffer, field: string, offset: number): string | QueryError {
  try {
    return utf8.decode(bytes);
  } catch {
    return err('EAS_ERR_QUERY_ENCODING', `${field} is not valid UTF-8`, field, offset);
  }
}

/**
 * Device ID: [MS-ASHTTP] 2.2.1.1.1.1 says "string or GUID". Printable ASCII is taken as is (so the
 * spec's "v140Device" matches the plain form); anything else (a binary GUID) becomes lower-case hex.
 */
function deviceIdFromBytes(b: Buffer): string {
  for (const c of b) if (c < 0x21 || c > 0x7e) return b.toString('hex');
  return b.toString('latin1');
}

function parseBase64(raw: string, headers: QueryHeaders): ParsedQuery | QueryError {
  // Some clients percent-encode '+', '/' and '='.
  const encoded = percentDecode(raw, null);
  if (encoded instanceof QueryError) return encoded;
  if (!BASE64.test(encoded))
    return err('EAS_ERR_QUERY_BASE64', 'query is neither name=value pairs nor base64');
  const r = new Reader(Buffer.from(encoded, 'base64'));

  const vByte = r.u8('ProtocolVersion');
  if (vByte instanceof QueryError) return vByte;
  const protocolVersion = VERSION_BY_BYTE.get(vByte);
  if (!protocolVersion)
    return err('EAS_ERR_QUERY_VERSION', `unsupported protocol version byte ${vByte}`, 'ProtocolVersion', 0);

  const cByte = r.u8('Command');
  if (cByte instanceof QueryError) return cByte;
  const cmd = COMMAND_BY_CODE.get(cByte);
  if (!cmd) return err('EAS_ERR_QUERY_COMMAND', `unknown command code ${cByte}`, 'Command', 1);

  // Locale: 2 bytes, little-endian (the spec example carries 09 04 = 0x0409, en-US).
  const loc = r.bytes(2, 'Locale');
  if (loc instanceof QueryError) return loc;
  const locale = loc.readUInt16LE(0);

  const idLen = r.u8('DeviceIdLength');
  if (idLen instanceof QueryError) return idLen;
  if (idLen === 0) return err('EAS_ERR_QUERY_INVALID', 'DeviceId length must be > 0', 'DeviceId', r.pos - 1);
  const idAt = r.pos;
  const idBytes = r.bytes(idLen, 'DeviceId');
  if (idBytes instanceof QueryError) return idBytes;
  const deviceId = deviceIdFromBytes(idBytes);
  if (deviceId.length > QUERY_LIMITS.maxDeviceId) {
    return err(
      'EAS_ERR_QUERY_INVALID',
      `DeviceId is longer than ${QUERY_LIMITS.maxDeviceId}`,
      'DeviceId',
      idAt,
    );
  }

  // Policy key: length 0 (absent) or 4, uint32. Byte order not stated in the spec text;
  // little-endian as every implementation we know (PROTOCOL.md §2.2, UNCONFIRMED).
  const pkLen = r.u8('PolicyKeyLength');
  if (pkLen instanceof QueryError) return pkLen;
  let policyKey: string | null = null;
  if (pkLen === 4) {
    const pk = r.bytes(4, 'PolicyKey');
    if (pk instanceof QueryError) return pk;
    policyKey = String(pk.readUInt32LE(0));
  } else if (pkLen !== 0) {
    return err(
      'EAS_ERR_QUERY_POLICY_KEY',
      `policy key length must be 0 or 4, got ${pkLen}`,
      'PolicyKey',
      r.pos - 1,
    );
  }

  const typeLen = r.u8('DeviceTypeLength');
  if (typeLen instanceof QueryError) return typeLen;
  const typeAt = r.pos;
  const typeBytes = r.bytes(typeLen, 'DeviceType');
  if (typeBytes instanceof QueryError) return typeBytes;
  const deviceType = typeBytes.toString('latin1');
  const badType = checkVchar('DeviceType', deviceType, QUERY_LIMITS.maxDeviceType);
  if (badType) return err(badType.code, badType.message, 'DeviceType', typeAt);

  // Command parameters: {tag, length, value}* to the end ([MS-ASHTTP] 2.2.1.1.1.1.3).
  const params: Partial<Record<CommandParam, string>> = {};
  let user: string | null = null;
  const seenTags = new Set<number>();
  while (r.remaining > 0) {
    const tagAt = r.pos;
    const tag = r.u8('ParameterTag') as number; // remaining > 0
    const name = TAG_NAMES.get(tag);
    if (name === undefined)
      return err('EAS_ERR_QUERY_PARAM', `unknown parameter tag ${tag}`, 'ParameterTag', tagAt);
    if (seenTags.has(tag)) return err('EAS_ERR_QUERY_DUPLICATE', `${name} given more than once`, name, tagAt);
    seenTags.add(tag);
    const len = r.u8(`${name} length`);
    if (len instanceof QueryError) return len;
    const valueAt = r.pos;
    const value = r.bytes(len, name);
    if (value instanceof QueryError) return value;

    if (name === 'Options') {
      if (len !== 1)
        return err('EAS_ERR_QUERY_PARAM', `Options must be 1 byte, got ${len}`, 'Options', valueAt);
      // Only set flags are reported; a clear flag equals absence ('F'). Unknown bits are ignored.
      const bits = value[0] as number;
      if (bits & OPTION_SAVE_IN_SENT) params.SaveInSent = 'T';
      if (bits & OPTION_ACCEPT_MULTIPART) params.AcceptMultiPart = 'T';
      continue;
    }
    const s = text(value, name, valueAt);
    if (s instanceof QueryError) return s;
    if (name === 'User') {
      const bad = checkText('User', s, QUERY_LIMITS.maxUser);
      if (bad) return err(bad.code, bad.message, 'User', valueAt);
      user = s;
      continue;
    }
    const checked = checkParam(name as CommandParam, s);
    if (checked instanceof QueryError) return err(checked.code, checked.message, name, valueAt);
    params[name as CommandParam] = checked;
  }

  // [MS-ASHTTP] 2.2.1.1.1.1: with the base64 form these headers SHOULD NOT be sent; accept them as a fallback.
  if (policyKey === null) {
    const h = policyKeyFromHeader(headers);
    if (h instanceof QueryError) return h;
    policyKey = h;
  }
  if (params.AcceptMultiPart === undefined && acceptMultiPartFromHeader(headers) === 'T')
    params.AcceptMultiPart = 'T';

  return { form: 'base64', cmd, user, deviceId, deviceType, protocolVersion, policyKey, locale, params };
}

// --- formatting (used by the client library) -----------------------------------------------------

export interface PlainQueryInput {
  cmd: string;
  user: string;
  deviceId: string;
  deviceType: string;
  /** AttachmentName, CollectionId, ItemId, LongId, Occurrence, SaveInSent. */
  params?: Readonly<Record<string, string>>;
}

export interface Base64QueryInput {
  cmd: string;
  /** Sent as parameter tag 8 when given. */
  user?: string | null;
  deviceId: string;
  deviceType: string;
  protocolVersion: ProtocolVersion;
  /** Decimal uint32 string; null or absent = no policy key. */
  policyKey?: string | null;
  /** LCID; default 0x0409 (en-US), as in the spec example. */
  locale?: number | null;
  /** AttachmentName, CollectionId, ItemId, LongId, Occurrence, SaveInSent, AcceptMultiPart. */
  params?: Readonly<Record<string, string>>;
}

function assertValid(e: QueryError | null): void {
  if (e) throw new RangeError(`eas query: ${e.message}`);
}

function checkedParams(
  params: Readonly<Record<string, string>> | undefined,
  allowed: readonly CommandParam[],
) {
  const out: [CommandParam, string][] = [];
  for (const [k, v] of Object.entries(params ?? {})) {
    if (!(allowed as readonly string[]).includes(k))
      throw new RangeError(`eas query: parameter ${k} is not allowed here`);
    const checked = checkParam(k as CommandParam, v);
    assertValid(checked instanceof QueryError ? checked : null);
    out.push([k as CommandParam, checked as string]);
  }
  // Canonical order, so equal inputs give equal strings.
  return out.sort((a, b) => COMMAND_PARAMS.indexOf(a[0]) - COMMAND_PARAMS.indexOf(b[0]));
}

/**
 * Plain-text query ([MS-ASHTTP] 2.2.1.1.1.2), without the leading '?'. The protocol version, policy
 * key and AcceptMultiPart travel in headers with this form: see {@link plainQueryHeaders}.
 * Throws RangeError on values the server would refuse.
 */
export function formatPlainQuery(input: PlainQueryInput): string {
  assertValid(
    checkCommandName(input.cmd) ??
      checkText('User', input.user, QUERY_LIMITS.maxUser) ??
      checkVchar('DeviceId', input.deviceId, QUERY_LIMITS.maxDeviceId) ??
      checkVchar('DeviceType', input.deviceType, QUERY_LIMITS.maxDeviceType),
  );
  const params = checkedParams(
    input.params,
    COMMAND_PARAMS.filter((p) => p !== 'AcceptMultiPart'),
  );
  const pairs: [string, string][] = [
    ['Cmd', input.cmd],
    ['User', input.user],
    ['DeviceId', input.deviceId],
    ['DeviceType', input.deviceType],
    ...params,
  ];
  return pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
}

/** Headers that accompany a plain query ([MS-ASHTTP] 2.2.1.1.2). */
export function plainQueryHeaders(input: {
  protocolVersion: ProtocolVersion;
  policyKey?: string | null;
  acceptMultiPart?: boolean;
}): Record<string, string> {
  const h: Record<string, string> = { 'MS-ASProtocolVersion': input.protocolVersion };
  if (input.policyKey !== undefined && input.policyKey !== null) h['X-MS-PolicyKey'] = input.policyKey;
  if (input.acceptMultiPart) h['MS-ASAcceptMultiPart'] = 'T';
  return h;
}

const UINT32_DECIMAL = /^(?:0|[1-9][0-9]{0,9})$/;

/**
 * Base64 query ([MS-ASHTTP] 2.2.1.1.1.1), without the leading '?'. Standard alphabet with padding,
 * not percent-encoded ('+', '/', '=' are legal in a query). Throws RangeError on values that do not
 * fit the byte layout (unknown command, value over 255 bytes, policy key not a uint32…).
 */
export function formatBase64Query(input: Base64QueryInput): string {
  const code = Object.hasOwn(COMMAND_CODES, input.cmd) ? COMMAND_CODES[input.cmd] : undefined;
  if (code === undefined) throw new RangeError(`eas query: ${input.cmd} has no base64 command code`);
  const version = [...VERSION_BY_BYTE].find(([, v]) => v === input.protocolVersion)?.[0];
  if (version === undefined)
    throw new RangeError(`eas query: unsupported protocol version ${input.protocolVersion}`);
  assertValid(
    checkVchar('DeviceId', input.deviceId, QUERY_LIMITS.maxDeviceId) ??
      checkVchar('DeviceType', input.deviceType, QUERY_LIMITS.maxDeviceType) ??
      (input.user == null ? null : checkText('User', input.user, QUERY_LIMITS.maxUser)),
  );
  const locale = input.locale ?? 0x0409;
  if (!Number.isInteger(locale) || locale < 0 || locale > 0xffff)
    throw new RangeError('eas query: locale is not a uint16');

  const out: number[] = [version, code, locale & 0xff, locale >> 8];
  const field = (name: string, bytes: Buffer) => {
    if (bytes.length > 255) throw new RangeError(`eas query: ${name} is longer than 255 bytes`);
    out.push(bytes.length, ...bytes);
  };
  field('DeviceId', Buffer.from(input.deviceId, 'latin1'));
  if (input.policyKey === undefined || input.policyKey === null) {
    out.push(0);
  } else {
    if (!UINT32_DECIMAL.test(input.policyKey) || Number(input.policyKey) > 0xffffffff) {
      throw new RangeError('eas query: policy key must be a decimal uint32 in the base64 form');
    }
    const pk = Buffer.alloc(4);
    pk.writeUInt32LE(Number(input.policyKey));
    out.push(4, ...pk);
  }
  field('DeviceType', Buffer.from(input.deviceType, 'latin1'));

  let options = 0;
  for (const [name, value] of checkedParams(input.params, COMMAND_PARAMS)) {
    if (name === 'SaveInSent' || name === 'AcceptMultiPart') {
      if (value === 'T') options |= name === 'SaveInSent' ? OPTION_SAVE_IN_SENT : OPTION_ACCEPT_MULTIPART;
      continue;
    }
    out.push(TAG_BY_NAME.get(name) as number);
    field(name, Buffer.from(value, 'utf8'));
  }
  if (options !== 0) out.push(TAG_BY_NAME.get('Options') as number, 1, options);
  if (input.user != null) {
    out.push(TAG_BY_NAME.get('User') as number);
    field('User', Buffer.from(input.user, 'utf8'));
  }
  return Buffer.from(out).toString('base64');
}
