// Element tree -> EAS WBXML bytes ([MS-ASWBXML] 2.1.2, byte-exact with its section 3 example).
// SWITCH_PAGE only when the page changes, empty elements as the bare token, strings as STR_I,
// Uint8Array as OPAQUE. Writes into a reused scratch buffer; the caller owns the returned Buffer.
import { WbxmlEncodeError, type WbxmlEncodeErrorCode } from './errors.js';
import { MAX_ENCODE_DEPTH } from './limits.js';
import { KNOWN_TOKENS, PAGE_BY_NAMESPACE, parseUnknownTagName } from './tokens.js';
import { CODE_PAGES } from './code-pages.js';
import type { Namespace, WbxmlElement, WbxmlNode } from './types.js';

/**
 * Tag -> the namespaces defining it and their (page << 8 | token). One Map lookup per element plus
 * a scan of a few namespaces (Status, the most shared tag, is on 17 pages) beats two lookups.
 */
const BY_TAG = new Map<string, { namespaces: Namespace[]; codes: number[] }>();
for (const cp of CODE_PAGES) {
  for (const [token, tag] of cp.tokens) {
    let entry = BY_TAG.get(tag);
    if (!entry) BY_TAG.set(tag, (entry = { namespaces: [], codes: [] }));
    entry.namespaces.push(cp.namespace);
    entry.codes.push((cp.page << 8) | token);
  }
}

// 03 = WBXML 1.3, 01 = unknown public id, 6A = UTF-8, 00 = empty string table.
const HEADER = [0x03, 0x01, 0x6a, 0x00] as const;
const SWITCH_PAGE = 0x00;
const END = 0x01;
const STR_I = 0x03;
const OPAQUE = 0xc3;
const CONTENT_BIT = 0x40;

const INITIAL_SCRATCH = 64 * 1024;
// A scratch buffer grown past this (e.g. by a 1 MB attachment) is dropped after use, not kept.
const RETAINED_SCRATCH = 1024 * 1024;
let scratch: Buffer | null = Buffer.allocUnsafe(INITIAL_SCRATCH);

/** Encode a tree as an EAS WBXML document. Throws WbxmlEncodeError for what the code pages cannot express. */
export function encodeWbxml(root: WbxmlElement): Buffer {
  const borrowed = scratch;
  scratch = null; // a re-entrant call (a getter in the tree calling us) gets its own buffer
  const w = new Writer(borrowed ?? Buffer.allocUnsafe(INITIAL_SCRATCH));
  let keep: Buffer | null = borrowed;
  try {
    for (const b of HEADER) w.buf[w.len++] = b;
    w.element(root, 0);
    const { buf, len } = w;
    if (buf.length <= RETAINED_SCRATCH) keep = buf;
    // Too big to keep as scratch: hand it out rather than copy it, unless it is mostly slack.
    else if (len >= buf.length * 0.75) return buf.subarray(0, len);
    const out = Buffer.allocUnsafe(len);
    buf.copy(out, 0, 0, len);
    return out;
  } finally {
    scratch = keep;
  }
}

class Writer {
  len = 0;
  private page = 0;
  private readonly path: WbxmlElement[] = [];

  constructor(public buf: Buffer) {}

  private ensure(extra: number): void {
    const need = this.len + extra;
    if (need <= this.buf.length) return;
    // Double, or leave 1/8 slack past a big jump (one large OPAQUE), so the END after it still fits.
    const next = Buffer.allocUnsafe(Math.max(need + (need >> 3), this.buf.length * 2));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  private fail(code: WbxmlEncodeErrorCode, message: string, last?: string): never {
    const tags = this.path.map((e) => `${e.ns}:${e.tag}`);
    if (last !== undefined) tags.push(last);
    throw new WbxmlEncodeError(code, tags.join('/') || '(root)', message);
  }

  element(e: WbxmlElement, depth: number): void {
    if (e === null || typeof e !== 'object' || !Array.isArray(e.children)) {
      this.fail('WBXML_BAD_NODE', `child is ${e === null ? 'null' : typeof e}, not an element`);
    }
    if (depth >= MAX_ENCODE_DEPTH)
      this.fail('WBXML_TOO_DEEP', `tree deeper than ${MAX_ENCODE_DEPTH} (a cycle?)`);
    let code = -1;
    const entry = BY_TAG.get(e.tag);
    if (entry !== undefined) {
      const { namespaces } = entry;
      for (let i = 0; i < namespaces.length; i++) {
        if (namespaces[i] === e.ns) {
          code = entry.codes[i] as number;
          break;
        }
      }
    }
    if (code === -1) code = this.unlisted(e);
    const page = code >> 8;
    const token = code & 0x3f;

    this.ensure(3);
    if (page !== this.page) {
      this.buf[this.len++] = SWITCH_PAGE;
      this.buf[this.len++] = page;
      this.page = page;
    }
    const children = e.children;
    if (children.length === 0) {
      this.buf[this.len++] = token;
      return;
    }
    this.buf[this.len++] = token | CONTENT_BIT;
    this.path.push(e);
    for (let i = 0; i < children.length; i++) this.node(children[i] as WbxmlNode, depth + 1);
    this.path.pop();
    this.ensure(1);
    this.buf[this.len++] = END;
  }

  /** A tag not in the tables: `Unknown_0xNN` for a token its page lacks (see decode.ts), else an error. */
  private unlisted(e: WbxmlElement): number {
    const page = PAGE_BY_NAMESPACE.get(e.ns);
    if (page === undefined)
      this.fail('WBXML_UNKNOWN_NAMESPACE', `unknown namespace "${String(e.ns)}"`, String(e.tag));
    const token = typeof e.tag === 'string' ? parseUnknownTagName(e.tag) : null;
    if (token === null || KNOWN_TOKENS[page]?.[token]) {
      this.fail(
        'WBXML_UNKNOWN_TAG',
        `tag "${String(e.tag)}" is not on code page ${page} (${e.ns})`,
        `${e.ns}:${String(e.tag)}`,
      );
    }
    return (page << 8) | token;
  }

  private node(c: WbxmlNode, depth: number): void {
    if (typeof c === 'string') this.string(c);
    else if (c instanceof Uint8Array) this.opaque(c);
    else this.element(c, depth);
  }

  private string(s: string): void {
    const n = s.length;
    this.ensure(n * 3 + 2); // UTF-8 needs at most 3 bytes per UTF-16 unit
    const buf = this.buf;
    let at = this.len;
    buf[at++] = STR_I;
    let ascii = n <= 64;
    if (ascii) {
      // Short ASCII strings (keys, ids, statuses) dominate EAS; a loop beats a native call here.
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c === 0 || c >= 0x80) {
          ascii = false;
          break;
        }
        buf[at + i] = c;
      }
    }
    if (ascii) {
      at += n;
    } else {
      if (s.includes('\0')) this.fail('WBXML_BAD_STRING', 'string contains U+0000, which STR_I cannot carry');
      at += buf.write(s, at, 'utf8');
    }
    buf[at++] = 0;
    this.len = at;
  }

  private opaque(bytes: Uint8Array): void {
    const n = bytes.length;
    this.ensure(n + 6);
    const buf = this.buf;
    buf[this.len++] = OPAQUE;
    // mb_u_int32: 7 bits per byte, most significant first, high bit = more bytes follow.
    let shift = 28;
    while (shift > 0 && n >>> shift === 0) shift -= 7;
    for (; shift > 0; shift -= 7) buf[this.len++] = ((n >>> shift) & 0x7f) | 0x80;
    buf[this.len++] = n & 0x7f;
    buf.set(bytes, this.len);
    this.len += n;
  }
}
