// The multipart ItemOperations body ([MS-ASCMD] 2.2.1.10.1.1 MultiPartResponse): PartsCount, then
// an {Offset, Length} per part (offsets from the start of the body), then the parts; part 0 is the
// WBXML document, the others are referenced from it by itemoperations:Part. The integers are
// 32-bit little-endian: the spec text we have does not say, every implementation we know (Exchange,
// Z-Push, the Interop suite's client) uses little-endian.
import { Readable } from 'node:stream';
import type { EasStreamBody } from '../../types.js';
import type { Spooled } from './spool.js';

export const MULTIPART_CONTENT_TYPE = 'application/vnd.ms-sync.multipart';

/** Offsets and lengths are uint32: a body past 4 GiB cannot be described. */
export const MAX_MULTIPART_BYTES = 0xffffffff;

/** PartsCount and PartsMetaData for parts of these lengths (part 0 first). */
export function multipartHeader(lengths: readonly number[]): Buffer {
  const head = Buffer.alloc(4 + 8 * lengths.length);
  head.writeUInt32LE(lengths.length, 0);
  let offset = head.length;
  lengths.forEach((len, i) => {
    if (!Number.isSafeInteger(len) || len < 0 || offset + len > MAX_MULTIPART_BYTES) {
      throw new RangeError('multipart: part too large to describe');
    }
    head.writeUInt32LE(offset, 4 + 8 * i);
    head.writeUInt32LE(len, 8 + 8 * i);
    offset += len;
  });
  return head;
}

/**
 * The whole body as a stream of exactly `length` bytes: header, WBXML, then each part in order.
 * Parts are opened one at a time as the reader gets to them; whatever is not read (the client went
 * away) is discarded when the stream is destroyed.
 */
export function multipartBody(wbxml: Buffer, parts: readonly Spooled[]): EasStreamBody {
  const head = multipartHeader([wbxml.length, ...parts.map((p) => p.length)]);
  const length = head.length + wbxml.length + parts.reduce((n, p) => n + p.length, 0);
  async function* chunks(): AsyncGenerator<Buffer> {
    yield Buffer.concat([head, wbxml]);
    for (const [i, part] of parts.entries()) {
      let n = 0;
      for await (const c of part.open()) {
        const b = Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array);
        n += b.length;
        yield b;
      }
      // A part that changed size would shift every later offset: fail rather than mislead.
      if (n !== part.length)
        throw new Error(`multipart: part ${i + 1} had ${n} bytes, announced ${part.length}`);
    }
  }
  const stream = Readable.from(chunks(), { objectMode: false });
  // Parts never reached (the client went away, or the response was never sent) free their files.
  stream.once('close', () => {
    for (const p of parts) void p.discard();
  });
  return { stream, length, contentType: MULTIPART_CONTENT_TYPE };
}
