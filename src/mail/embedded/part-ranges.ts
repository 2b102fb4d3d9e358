// Where each leaf part's encoded body lies in a stored message, found while it is being stored, so
// an attachment fetch can read that byte range and decode it instead of re-parsing the whole
// message. Not a MIME parser: it only follows multipart boundaries. Its ranges are trusted only
// where its decoding matched mailparser's (index.ts checks size and SHA-256 per part).
import { createHash, type Hash } from 'node:crypto';
import type { AttachmentEncoding, MessageSummary } from '../../store/mail-store.js';
import { decoding, type Decoding } from './transfer-decode.js';

/** One leaf part as scanned: its IMAP-style part id, body range, and what its decoding gave. */
export interface ScannedPart {
  partId: string;
  start: number;
  end: number;
  encoding: AttachmentEncoding;
  size: number;
  sha256: string;
}

/** A line this long cannot be a boundary (RFC 2046: at most 70 characters, plus "--" twice). */
const MAX_BOUNDARY_LINE = 1024;
const LINE_DASHES = Buffer.from('\n--');
/** A header block past this is not scanned further (no ranges for the message). */
const MAX_HEADER_BYTES = 256 * 1024;

function encodingOf(value: string | undefined): AttachmentEncoding | null {
  const v = (value ?? '').trim().toLowerCase();
  if (v === 'base64' || v === 'quoted-printable') return v;
  if (v === '' || v === '7bit' || v === '8bit' || v === 'binary') return 'binary';
  return null; // x-uuencode and the like: left to mailparser
}

/** The value of `name` in a header block (unfolded, case-insensitive), or undefined. */
function header(lines: string[], name: string): string | undefined {
  const prefix = `${name}:`;
  const line = lines.find((l) => l.slice(0, prefix.length).toLowerCase() === prefix);
  return line?.slice(prefix.length).trim();
}

function boundaryOf(contentType: string): string | null {
  const m = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^\s;]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2] ?? null) : null;
}

interface Frame {
  boundary: string;
  prefix: string;
  count: number;
}

interface Leaf {
  partId: string;
  start: number;
  encoding: AttachmentEncoding;
  decoding: Decoding | null;
  hash: Hash;
  size: number;
  /** The line break after the last body line, fed only if another body line follows. */
  held: Buffer | null;
}

/**
 * Scans a message written to it chunk by chunk (write, then end) and lists its leaf parts with
 * their body ranges and decoded size and digest. Gives up (no parts) on what it cannot follow:
 * a huge header block, an unknown transfer encoding is just left out.
 */
export class PartScanner {
  private offset = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** The current line was already cut at MAX_BOUNDARY_LINE: it is no boundary. */
  private midLine = false;
  private state: 'header' | 'leaf' | 'skip' = 'header';
  private headerLines: string[] = [];
  private headerBytes = 0;
  private nodeId = '';
  private readonly stack: Frame[] = [];
  private leaf: Leaf | null = null;
  private readonly parts: ScannedPart[] = [];
  private failed = false;

  write(chunk: Uint8Array): void {
    if (this.failed) return;
    const buf = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let from = 0;
    while (from < buf.length && !this.failed) {
      // Fast path through a body: whole lines up to the next one starting with "--" are body.
      if (this.state !== 'header' && this.pendingBytes === 0 && !this.midLine && buf[from] !== 0x2d) {
        const dashes = buf.indexOf(LINE_DASHES, from);
        const end = dashes >= 0 ? dashes + 1 : buf.lastIndexOf(0x0a) + 1;
        if (end > from) {
          this.bodyRun(buf.subarray(from, end));
          from = end;
          continue;
        }
      }
      const nl = buf.indexOf(0x0a, from);
      if (nl < 0) {
        // Copied: the source may reuse its buffer once this returns.
        this.pending.push(Buffer.from(buf.subarray(from)));
        this.pendingBytes += buf.length - from;
        if (this.state !== 'header' && this.pendingBytes > MAX_BOUNDARY_LINE) this.flushLine(false);
        else if (this.pendingBytes > MAX_HEADER_BYTES) this.fail();
        return;
      }
      this.pending.push(buf.subarray(from, nl + 1));
      this.pendingBytes += nl + 1 - from;
      from = nl + 1;
      this.flushLine(true);
    }
  }

  /** Complete body lines, none of them a boundary: as bodyLine would take them one by one. */
  private bodyRun(run: Buffer): void {
    this.offset += run.length;
    const leaf = this.leaf;
    if (this.state !== 'leaf' || !leaf) return;
    if (leaf.held) this.feed(leaf.held);
    const breakLength = run.length >= 2 && run[run.length - 2] === 0x0d ? 2 : 1;
    this.feed(run.subarray(0, run.length - breakLength));
    leaf.held = Buffer.from(run.subarray(run.length - breakLength));
  }

  /** The parts found; [] if the scan gave up. */
  end(): ScannedPart[] {
    if (this.failed) return [];
    if (this.pendingBytes > 0) this.flushLine(false);
    if (this.leaf) {
      if (this.leaf.held) this.feed(this.leaf.held);
      this.finishLeaf(this.offset);
    }
    return this.failed ? [] : this.parts;
  }

  /** Stop scanning and let go of what is held: the message gets no ranges. */
  private fail(): void {
    this.failed = true;
    this.pending = [];
    this.pendingBytes = 0;
    this.leaf = null;
  }

  private flushLine(complete: boolean): void {
    const line = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    const start = this.offset;
    this.offset += line.length;
    const wasMid = this.midLine;
    this.midLine = !complete;
    if (this.state === 'header') this.headerLine(line);
    else this.bodyLine(line, start, wasMid);
  }

  private headerLine(line: Buffer): void {
    this.headerBytes += line.length;
    if (this.headerBytes > MAX_HEADER_BYTES) {
      this.fail();
      return;
    }
    const text = line.toString('latin1').replace(/\r?\n$/, '');
    if (text === '' || text === '\r') this.endHeaders();
    else if (/^[ \t]/.test(text) && this.headerLines.length > 0) {
      this.headerLines[this.headerLines.length - 1] += ` ${text.trim()}`;
    } else this.headerLines.push(text);
  }

  private endHeaders(): void {
    const contentType = header(this.headerLines, 'content-type') ?? 'text/plain';
    const boundary = /^multipart\//i.test(contentType) ? boundaryOf(contentType) : null;
    const encoding = encodingOf(header(this.headerLines, 'content-transfer-encoding'));
    this.headerLines = [];
    this.headerBytes = 0;
    if (boundary !== null) {
      this.stack.push({ boundary, prefix: this.nodeId === '' ? '' : `${this.nodeId}.`, count: 0 });
      this.state = 'skip'; // the preamble
      return;
    }
    this.state = 'leaf';
    this.leaf = {
      partId: this.nodeId === '' ? '1' : this.nodeId,
      start: this.offset,
      // An unknown encoding still gets its range skipped over; it is just not listed.
      encoding: encoding ?? 'binary',
      decoding: null,
      hash: createHash('sha256'),
      size: 0,
      held: null,
    };
    if (encoding === null) this.leaf.partId = '';
    this.leaf.decoding = decoding(this.leaf.encoding);
  }

  private bodyLine(line: Buffer, start: number, wasMid: boolean): void {
    if (!wasMid && line.length <= MAX_BOUNDARY_LINE && line[0] === 0x2d && line[1] === 0x2d) {
      const text = line.toString('latin1').replace(/[ \t\r\n]+$/, '');
      for (let d = this.stack.length - 1; d >= 0; d--) {
        const frame = this.stack[d] as Frame;
        const open = `--${frame.boundary}`;
        if (text !== open && text !== `${open}--`) continue;
        if (this.leaf) this.finishLeaf(start - (this.leaf.held?.length ?? 0));
        this.stack.length = d + 1;
        if (text === open) {
          frame.count += 1;
          this.nodeId = `${frame.prefix}${frame.count}`;
          this.state = 'header';
        } else {
          this.stack.pop(); // the epilogue is skipped up to an outer boundary
          this.state = 'skip';
        }
        return;
      }
    }
    const leaf = this.leaf;
    if (this.state !== 'leaf' || !leaf) return;
    if (leaf.held) this.feed(leaf.held);
    const breakLength = line[line.length - 1] !== 0x0a ? 0 : line[line.length - 2] === 0x0d ? 2 : 1;
    this.feed(line.subarray(0, line.length - breakLength));
    leaf.held = breakLength > 0 ? Buffer.from(line.subarray(line.length - breakLength)) : null;
  }

  private feed(data: Buffer): void {
    const leaf = this.leaf;
    if (!leaf || data.length === 0) return;
    this.count(leaf, leaf.decoding ? leaf.decoding.update(data) : data);
  }

  private count(leaf: Leaf, decoded: Buffer): void {
    leaf.hash.update(decoded);
    leaf.size += decoded.length;
  }

  private finishLeaf(end: number): void {
    const leaf = this.leaf;
    if (!leaf) return;
    this.leaf = null;
    this.state = 'skip';
    if (leaf.decoding) this.count(leaf, leaf.decoding.final());
    if (leaf.partId === '') return;
    this.parts.push({
      partId: leaf.partId,
      start: leaf.start,
      end,
      encoding: leaf.encoding,
      size: leaf.size,
      sha256: leaf.hash.digest('hex'),
    });
  }
}

/** Pass `source` through unchanged while the scanner reads it. */
export async function* scanThrough(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  scanner: PartScanner,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    scanner.write(chunk);
    yield chunk;
  }
}

/**
 * The summary with each attachment's encoded range set where the scan found a part with its id
 * that decodes to the same size and SHA-256 as mailparser gave (`digests`); others are left alone.
 */
export function withRanges(
  summary: MessageSummary,
  digests: ReadonlyMap<string, string>,
  parts: readonly ScannedPart[],
): MessageSummary {
  const byId = new Map(parts.map((p) => [p.partId, p]));
  return {
    ...summary,
    attachments: summary.attachments.map((a) => {
      const p = byId.get(a.partId);
      if (!p || p.size !== a.size || p.sha256 !== digests.get(a.partId)) return a;
      return { ...a, encoded: { start: p.start, end: p.end, encoding: p.encoding } };
    }),
  };
}
