// WBXML bytes -> element tree for the subset EAS uses ([MS-ASWBXML] 2.1.3): header, SWITCH_PAGE,
// tags, END, STR_I, OPAQUE; anything else, and any limit (limits.ts) exceeded, is a WbxmlDecodeError.
// Iterative with an explicit stack: hostile nesting costs bounded heap, never call stack.
// Choices:
// - A tag token its page's table lacks (legacy tokens, e.g. AirSync 0x11) becomes `Unknown_0xNN`,
//   which encodeWbxml writes back as the same token; `unknownTokens: 'error'` fails instead
//   (WBXML_UNKNOWN_TOKEN). A page above 25 always fails: it has no namespace.
// - STR_I must be valid UTF-8 (WBXML_BAD_UTF8) rather than gain U+FFFD we would store and echo
//   back; a leading BOM stays U+FEFF. String tables are rejected; EAS never uses them.
// - Opaque children are copies, so the caller may reuse the input buffer.
import { isUtf8 } from 'node:buffer';
import { WbxmlDecodeError, type WbxmlDecodeErrorCode } from './errors.js';
import { DEFAULT_WBXML_LIMITS, resolveLimits, type WbxmlLimits } from './limits.js';
import { KNOWN_TOKENS, TAG_NAMES } from './tokens.js';
import { NAMESPACES, type Namespace, type WbxmlElement } from './types.js';

export interface WbxmlDecodeOptions extends Partial<WbxmlLimits> {
  /** What to do with a tag token the page's table lacks: keep it as `Unknown_0xNN` (default) or fail. */
  unknownTokens?: 'preserve' | 'error';
}

// Global tokens (WAP-192-WBXML 7.1).
const SWITCH_PAGE = 0x00;
const END = 0x01;
const STR_I = 0x03;
const OPAQUE = 0xc3;
const CONTENT_BIT = 0x40;
const ATTRIBUTE_BIT = 0x80;
const CHARSET_UTF8 = 106; // IANA MIBenum

const UNSUPPORTED_GLOBALS: Readonly<Record<number, string>> = {
  0x02: 'ENTITY',
  0x04: 'LITERAL',
  0x40: 'EXT_I_0',
  0x41: 'EXT_I_1',
  0x42: 'EXT_I_2',
  0x43: 'PI',
  0x44: 'LITERAL_C',
  0x80: 'EXT_T_0',
  0x81: 'EXT_T_1',
  0x82: 'EXT_T_2',
  0x83: 'STR_T',
  0x84: 'LITERAL_A',
  0xc0: 'EXT_0',
  0xc1: 'EXT_1',
  0xc2: 'EXT_2',
  0xc4: 'LITERAL_AC',
};

/** Decode an EAS WBXML document. Throws only WbxmlDecodeError for bad input. */
export function decodeWbxml(bytes: Uint8Array, options?: WbxmlDecodeOptions): WbxmlElement {
  const limits = options ? resolveLimits(options) : DEFAULT_WBXML_LIMITS;
  return new Decoder(bytes, limits, options?.unknownTokens === 'error').run();
}

class Decoder {
  private pos = 0;
  private readonly len: number;
  /** The input as a Buffer view (no copy), for Buffer's string decoding. */
  private readonly buf: Buffer;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly limits: Readonly<WbxmlLimits>,
    private readonly strictTokens: boolean,
  ) {
    this.len = bytes.length;
    this.buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  run(): WbxmlElement {
    if (this.len > this.limits.maxDocumentBytes) {
      this.fail(
        'WBXML_TOO_LARGE',
        0,
        `document of ${this.len} bytes exceeds ${this.limits.maxDocumentBytes}`,
      );
    }
    this.header();
    return this.body();
  }

  private fail(code: WbxmlDecodeErrorCode, offset: number, message: string): never {
    throw new WbxmlDecodeError(code, offset, message, this.bytes);
  }

  private byte(what: string): number {
    if (this.pos >= this.len) this.fail('WBXML_TRUNCATED', this.len, `input ends in ${what}`);
    return this.bytes[this.pos++] as number;
  }

  /** mb_u_int32 (WAP-192-WBXML 5.1): 7 bits per byte, high bit = more; at most 5 bytes, value < 2^32. */
  private mbUint(what: string): number {
    const start = this.pos;
    let value = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.byte(what);
      value = value * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) {
        if (value > 0xffffffff) this.fail('WBXML_BAD_MBUINT', start, `${what} overflows 32 bits`);
        return value;
      }
    }
    return this.fail('WBXML_BAD_MBUINT', start, `${what} is longer than 5 bytes`);
  }

  /** version, publicid, charset, strtbl (WAP-192-WBXML 5.4-5.7); EAS sends 03 01 6A 00 ([MS-ASWBXML] 3). */
  private header(): void {
    const version = this.byte('the header');
    if (version < 0x01 || version > 0x03) {
      this.fail('WBXML_BAD_HEADER', 0, `WBXML version 0x${version.toString(16)} is not 1.1-1.3`);
    }
    const publicId = this.mbUint('the public id');
    if (publicId === 0) this.mbUint('the public id string index'); // id given as a string-table entry
    const charsetAt = this.pos;
    const charset = this.mbUint('the charset');
    if (charset !== CHARSET_UTF8)
      this.fail('WBXML_BAD_HEADER', charsetAt, `charset ${charset} is not UTF-8 (106)`);
    const tableAt = this.pos;
    const tableLength = this.mbUint('the string table length');
    if (tableLength !== 0) this.fail('WBXML_UNSUPPORTED', tableAt, 'string tables are not used by EAS');
    if (publicId === 0) this.fail('WBXML_BAD_HEADER', tableAt, 'public id refers to an empty string table');
  }

  private body(): WbxmlElement {
    const { bytes, len } = this;
    const { maxDepth, maxElements } = this.limits;
    const stack: WbxmlElement[] = [];
    let root: WbxmlElement | null = null;
    let parent: WbxmlElement | undefined;
    let page = 0;
    let ns: Namespace = NAMESPACES[0];
    let names = TAG_NAMES[0] as readonly string[];
    let known = KNOWN_TOKENS[0] as readonly boolean[];
    let elements = 0;
    let pos = this.pos;

    while (pos < len) {
      const at = pos;
      const b = bytes[pos++] as number;
      if (parent === undefined && root !== null)
        this.fail('WBXML_TRAILING_DATA', at, 'data after the root element');

      if ((b & 0x3f) >= 0x05) {
        // A tag: token in the low 6 bits, 0x40 = has content, 0x80 = attributes (WAP-192-WBXML 5.8.2).
        if ((b & ATTRIBUTE_BIT) !== 0) this.fail('WBXML_UNSUPPORTED', at, 'attributes are not used by EAS');
        const token = b & 0x3f;
        if (this.strictTokens && !known[token]) {
          this.fail(
            'WBXML_UNKNOWN_TOKEN',
            at,
            `token 0x${token.toString(16)} is not defined on page ${page}`,
          );
        }
        if (++elements > maxElements)
          this.fail('WBXML_TOO_MANY_ELEMENTS', at, `over ${maxElements} elements`);
        if (stack.length >= maxDepth) this.fail('WBXML_TOO_DEEP', at, `nesting deeper than ${maxDepth}`);
        const element: WbxmlElement = { ns, tag: names[token] as string, children: [] };
        if (parent === undefined) root = element;
        else parent.children.push(element);
        if ((b & CONTENT_BIT) !== 0) {
          stack.push(element);
          parent = element;
        }
      } else if (b === END) {
        if (parent === undefined) this.fail('WBXML_BAD_STRUCTURE', at, 'END outside an element');
        stack.pop();
        parent = stack[stack.length - 1];
      } else if (b === STR_I) {
        if (parent === undefined) this.fail('WBXML_BAD_STRUCTURE', at, 'string outside an element');
        this.pos = pos;
        parent.children.push(this.inlineString(at));
        pos = this.pos;
      } else if (b === SWITCH_PAGE) {
        if (pos >= len) this.fail('WBXML_TRUNCATED', len, 'input ends in SWITCH_PAGE');
        page = bytes[pos++] as number;
        if (page >= NAMESPACES.length)
          this.fail('WBXML_UNKNOWN_PAGE', at, `code page ${page} does not exist`);
        ns = NAMESPACES[page] as Namespace;
        names = TAG_NAMES[page] as readonly string[];
        known = KNOWN_TOKENS[page] as readonly boolean[];
      } else if (b === OPAQUE) {
        if (parent === undefined) this.fail('WBXML_BAD_STRUCTURE', at, 'opaque data outside an element');
        this.pos = pos;
        parent.children.push(this.opaque(at));
        pos = this.pos;
      } else {
        this.fail('WBXML_UNSUPPORTED', at, `${UNSUPPORTED_GLOBALS[b] ?? 'token'} is not used by EAS`);
      }
    }
    if (root === null) this.fail('WBXML_TRUNCATED', len, 'input ends before the root element');
    if (stack.length > 0)
      this.fail('WBXML_TRUNCATED', len, `input ends inside ${stack.length} open element(s)`);
    return root;
  }

  /** STR_I: UTF-8 up to a NUL terminator. */
  private inlineString(at: number): string {
    const start = this.pos;
    const end = this.bytes.indexOf(0, start);
    if (end === -1) this.fail('WBXML_TRUNCATED', this.len, 'unterminated inline string');
    if (end - start > this.limits.maxStringBytes) {
      this.fail(
        'WBXML_TOO_LARGE',
        at,
        `inline string of ${end - start} bytes exceeds ${this.limits.maxStringBytes}`,
      );
    }
    this.pos = end + 1;
    return (
      decodeUtf8(this.buf, start, end) ?? this.fail('WBXML_BAD_UTF8', at, 'inline string is not valid UTF-8')
    );
  }

  /** OPAQUE: mb_u_int32 length, then that many bytes. */
  private opaque(at: number): Uint8Array {
    const length = this.mbUint('an opaque length');
    if (length > this.limits.maxOpaqueBytes) {
      this.fail(
        'WBXML_TOO_LARGE',
        at,
        `opaque data of ${length} bytes exceeds ${this.limits.maxOpaqueBytes}`,
      );
    }
    if (length > this.len - this.pos)
      this.fail('WBXML_TRUNCATED', this.len, `opaque data of ${length} bytes runs past the input`);
    const start = this.pos;
    this.pos += length;
    return new Uint8Array(this.bytes.subarray(start, this.pos)); // a copy, also for Buffer input
  }
}

/** Strict UTF-8 decode of buf[start, end); null when invalid. Short ASCII, the common case, skips validation. */
function decodeUtf8(buf: Buffer, start: number, end: number): string | null {
  const n = end - start;
  if (n <= 6) {
    // Status codes, keys, booleans: building the string by hand beats a native call at this size.
    let s = '';
    for (let i = start; i < end; i++) {
      const c = buf[i] as number;
      if (c >= 0x80) return decodeChecked(buf, start, end);
      s += String.fromCharCode(c);
    }
    return s;
  }
  if (n <= 64) {
    let i = start;
    while (i < end && (buf[i] as number) < 0x80) i++;
    if (i === end) return buf.toString('latin1', start, end);
  }
  return decodeChecked(buf, start, end);
}

function decodeChecked(buf: Buffer, start: number, end: number): string | null {
  return isUtf8(buf.subarray(start, end)) ? buf.toString('utf8', start, end) : null;
}
