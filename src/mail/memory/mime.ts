// MIME structure of a stored message: the part tree with byte ranges into the raw message and
// IMAP-style part ids ("1", "1.2"), so parts can be streamed and decoded without a second copy.
// Header values are decoded by mailparser; this module only finds where things are. No I/O.
import { simpleParser } from 'mailparser';

/** Hostile-input bounds: real mail nests a handful of levels and has tens of parts. */
export const MAX_MIME_DEPTH = 32;
export const MAX_MIME_PARTS = 1000;

export interface MimePart {
  /** IMAP part id (RFC 3501 BODY[<part>]): "1", "1.2"; "" for a multipart root. */
  partId: string;
  /** Where the part's header block starts, where its body starts and ends (exclusive). */
  headerStart: number;
  bodyStart: number;
  end: number;
  /** Lower-case "type/subtype". */
  contentType: string;
  params: Record<string, string>;
  /** Lower-case disposition ("attachment", "inline"), null when absent. */
  disposition: string | null;
  dispositionParams: Record<string, string>;
  /** Lower-case Content-Transfer-Encoding, "7bit" when absent. */
  encoding: string;
  /** Content-ID without angle brackets. */
  contentId: string | null;
  children: MimePart[];
}

/** Index just past the blank line that ends a header block starting at `start`, or -1 within [start, end). */
export function headerEnd(buf: Buffer, start: number, end: number): number {
  let i = start;
  // An empty header block: the part starts with its blank line.
  if (buf[i] === 0x0d && buf[i + 1] === 0x0a) return i + 2;
  if (buf[i] === 0x0a) return i + 1;
  while (i < end) {
    const lf = buf.indexOf(0x0a, i);
    if (lf < 0 || lf >= end) return -1;
    const next = lf + 1;
    if (buf[next] === 0x0a) return Math.min(next + 1, end);
    if (buf[next] === 0x0d && buf[next + 1] === 0x0a) return Math.min(next + 2, end);
    i = next;
  }
  return -1;
}

interface ParsedHeaderValue {
  value?: unknown;
  params?: Record<string, unknown>;
}

function asValue(v: unknown): ParsedHeaderValue {
  if (typeof v === 'string') return { value: v };
  return v && typeof v === 'object' ? (v as ParsedHeaderValue) : {};
}

function stringParams(p: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(p ?? {})) if (typeof v === 'string') out[k.toLowerCase()] = v;
  return out;
}

/** Headers of one part, decoded by mailparser (RFC 2047 words, RFC 2231 parameters). */
async function partHeaders(buf: Buffer, start: number, bodyStart: number) {
  const parsed = await simpleParser(buf.subarray(start, bodyStart), {
    skipHtmlToText: true,
    skipTextToHtml: true,
    skipImageLinks: true,
  });
  return parsed.headers;
}

/** Where each part of the message is; boundaries are found in the raw bytes. */
export async function parseStructure(buf: Buffer): Promise<MimePart> {
  const count = { parts: 0 };
  return parsePart(buf, 0, buf.length, '', 0, 'text/plain', count, true);
}

async function parsePart(
  buf: Buffer,
  start: number,
  end: number,
  partId: string,
  depth: number,
  defaultType: string,
  count: { parts: number },
  root: boolean,
): Promise<MimePart> {
  if (++count.parts > MAX_MIME_PARTS) throw new RangeError('mime: too many parts');
  const he = headerEnd(buf, start, end);
  const bodyStart = he < 0 ? end : he;
  const headers = await partHeaders(buf, start, bodyStart);
  const ct = asValue(headers.get('content-type'));
  const cd = asValue(headers.get('content-disposition'));
  const cte = headers.get('content-transfer-encoding');
  const cid = headers.get('content-id');
  const type = typeof ct.value === 'string' && ct.value.includes('/') ? ct.value.toLowerCase() : defaultType;
  const part: MimePart = {
    partId,
    headerStart: start,
    bodyStart,
    end,
    contentType: type,
    params: stringParams(ct.params),
    disposition: typeof cd.value === 'string' && cd.value ? cd.value.toLowerCase() : null,
    dispositionParams: stringParams(cd.params),
    encoding: typeof cte === 'string' && cte.trim() ? cte.trim().toLowerCase() : '7bit',
    contentId: typeof cid === 'string' ? cid.trim().replace(/^<(.*)>$/, '$1') || null : null,
    children: [],
  };
  const boundary = part.params.boundary;
  if (type.startsWith('multipart/') && boundary && depth < MAX_MIME_DEPTH) {
    const ranges = splitMultipart(buf, bodyStart, end, boundary);
    const childType = type === 'multipart/digest' ? 'message/rfc822' : 'text/plain';
    let n = 0;
    for (const [s, e] of ranges) {
      n++;
      const id = partId ? `${partId}.${n}` : String(n);
      part.children.push(await parsePart(buf, s, e, id, depth + 1, childType, count, false));
    }
    // IMAP numbers the parts of a multipart root from 1; the root itself has no number.
    return part;
  }
  // A single-part message is BODY[1] in IMAP.
  if (root) part.partId = '1';
  return part;
}

/**
 * Body ranges between `--boundary` delimiter lines ([RFC 2046] 5.1.1). The line break before a
 * delimiter belongs to the delimiter; the preamble and epilogue are dropped.
 */
export function splitMultipart(
  buf: Buffer,
  start: number,
  end: number,
  boundary: string,
): Array<[number, number]> {
  const delim = Buffer.from(`--${boundary}`, 'latin1');
  const out: Array<[number, number]> = [];
  let from = start;
  let partStart = -1;
  while (from < end) {
    const at = buf.indexOf(delim, from);
    if (at < 0 || at + delim.length > end) break;
    const lineStart = at === start || buf[at - 1] === 0x0a;
    if (!lineStart) {
      from = at + delim.length;
      continue;
    }
    let after = at + delim.length;
    const closing = buf[after] === 0x2d && buf[after + 1] === 0x2d;
    if (closing) after += 2;
    // Transport padding (spaces, tabs) may follow the delimiter; then the line must end.
    while (after < end && (buf[after] === 0x20 || buf[after] === 0x09)) after++;
    if (after < end && buf[after] !== 0x0d && buf[after] !== 0x0a) {
      from = at + delim.length;
      continue;
    }
    if (partStart >= 0) {
      let partEnd = at;
      if (partEnd > partStart && buf[partEnd - 1] === 0x0a) partEnd--;
      if (partEnd > partStart && buf[partEnd - 1] === 0x0d) partEnd--;
      out.push([partStart, Math.max(partStart, partEnd)]);
    }
    if (closing) return out;
    if (buf[after] === 0x0d) after++;
    if (buf[after] === 0x0a) after++;
    partStart = Math.min(after, end);
    from = partStart;
  }
  // No closing delimiter (a truncated message): the last part runs to the end.
  if (partStart >= 0 && partStart <= end) out.push([partStart, end]);
  return out;
}

/** Leaves in document order, not descending into message/rfc822 (one attachment, as IMAP shows it). */
export function leaves(root: MimePart): MimePart[] {
  const out: MimePart[] = [];
  const walk = (p: MimePart): void => {
    if (p.children.length > 0) {
      for (const c of p.children) walk(c);
      return;
    }
    if (p.contentType.startsWith('multipart/')) return;
    out.push(p);
  };
  walk(root);
  return out;
}

export function fileNameOf(p: MimePart): string | null {
  const name = p.dispositionParams.filename ?? p.params.name;
  return name && name.trim() ? name.trim() : null;
}

/** Same rule as the IMAP backend: an attachment is anything that is not a text/plain or text/html body. */
export function isAttachment(p: MimePart): boolean {
  if (p.disposition === 'attachment') return true;
  if (fileNameOf(p) !== null) return true;
  return p.contentType !== 'text/plain' && p.contentType !== 'text/html';
}
