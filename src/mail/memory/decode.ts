// Content-Transfer-Encoding decoders that stream a byte range of a stored message in bounded
// chunks ([RFC 2045] 6.7 quoted-printable, 6.8 base64), so a 25 MB attachment never exists twice.
import { Readable } from 'node:stream';

/** Bytes read from the stored message per step; the decoded chunk is at most this big. */
export const CHUNK = 64 * 1024;

function isBase64Char(b: number): boolean {
  return (
    (b >= 0x41 && b <= 0x5a) ||
    (b >= 0x61 && b <= 0x7a) ||
    (b >= 0x30 && b <= 0x39) ||
    b === 0x2b ||
    b === 0x2f
  );
}

/** Raw bytes of [start, end) in CHUNK-sized views (no copies). */
export function* rawChunks(buf: Buffer, start: number, end: number): Generator<Buffer> {
  for (let i = start; i < end; i += CHUNK) yield buf.subarray(i, Math.min(end, i + CHUNK));
}

/** base64, skipping line breaks and anything else outside the alphabet; stops at padding. */
export function* base64Chunks(buf: Buffer, start: number, end: number): Generator<Buffer> {
  let carry = '';
  for (let i = start; i < end; i += CHUNK) {
    const slice = buf.subarray(i, Math.min(end, i + CHUNK));
    const clean = Buffer.allocUnsafe(slice.length);
    let n = 0;
    let padded = false;
    for (const b of slice) {
      if (isBase64Char(b)) clean[n++] = b;
      else if (b === 0x3d) {
        padded = true;
        break;
      }
    }
    const text = carry + clean.toString('latin1', 0, n);
    const whole = padded ? text.length : text.length - (text.length % 4);
    carry = text.slice(whole);
    if (whole > 0) yield Buffer.from(text.slice(0, whole), 'base64');
    if (padded) return;
  }
  // A final group of 2 or 3 characters without its padding still carries bytes.
  if (carry.length >= 2) yield Buffer.from(carry, 'base64');
}

function hexValue(b: number | undefined): number {
  if (b === undefined) return -1;
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  return -1;
}

/** Decodes one quoted-printable line (without its line break); `soft` = it ended in "=". */
function decodeQpLine(line: Buffer): { bytes: Buffer; soft: boolean } {
  let end = line.length;
  // Trailing whitespace is transport padding ([RFC 2045] 6.7 rule 3).
  while (end > 0 && (line[end - 1] === 0x20 || line[end - 1] === 0x09)) end--;
  const out = Buffer.allocUnsafe(end);
  let n = 0;
  let soft = false;
  for (let i = 0; i < end; i++) {
    const b = line[i] as number;
    if (b !== 0x3d) {
      out[n++] = b;
      continue;
    }
    if (i === end - 1) {
      soft = true;
      break;
    }
    const hi = hexValue(line[i + 1]);
    const lo = hexValue(line[i + 2]);
    if (hi >= 0 && lo >= 0) {
      out[n++] = hi * 16 + lo;
      i += 2;
    } else {
      out[n++] = b; // a stray "=": kept as is, as lenient decoders do
    }
  }
  return { bytes: out.subarray(0, n), soft };
}

/** quoted-printable, line by line; hard line breaks are kept as CRLF. */
export function* quotedPrintableChunks(buf: Buffer, start: number, end: number): Generator<Buffer> {
  let pos = start;
  const pending: Buffer[] = [];
  let size = 0;
  while (pos < end) {
    let lf = buf.indexOf(0x0a, pos);
    if (lf < 0 || lf >= end) lf = end;
    let lineEnd = lf;
    if (lineEnd > pos && buf[lineEnd - 1] === 0x0d) lineEnd--;
    const { bytes, soft } = decodeQpLine(buf.subarray(pos, lineEnd));
    pending.push(bytes);
    size += bytes.length;
    if (!soft && lf < end) {
      pending.push(CRLF);
      size += 2;
    }
    pos = lf + 1;
    if (size >= CHUNK) {
      yield Buffer.concat(pending, size);
      pending.length = 0;
      size = 0;
    }
  }
  if (size > 0) yield Buffer.concat(pending, size);
}

const CRLF = Buffer.from('\r\n');

/** The decoded content of [start, end) for a Content-Transfer-Encoding, as chunks. */
export function decodedChunks(buf: Buffer, start: number, end: number, encoding: string): Generator<Buffer> {
  if (encoding === 'base64') return base64Chunks(buf, start, end);
  if (encoding === 'quoted-printable') return quotedPrintableChunks(buf, start, end);
  return rawChunks(buf, start, end);
}

/** Decoded size without keeping the decoded bytes. */
export function decodedSize(buf: Buffer, start: number, end: number, encoding: string): number {
  let n = 0;
  for (const c of decodedChunks(buf, start, end, encoding)) n += c.length;
  return n;
}

/** A stream over chunks, pulled one at a time (backpressure keeps memory bounded). */
export function streamOf(chunks: Iterable<Buffer>): Readable {
  return Readable.from(chunks, { objectMode: false, highWaterMark: CHUNK });
}
