// Reading a multipart ItemOperations response ([MS-ASCMD] 2.2.1.10.1.1) as a phone does: PartsCount,
// {Offset, Length} per part (32-bit little-endian, offsets from the start of the body), part 0 the
// WBXML document. Pure; a malformed body is a MultipartError, never an out-of-range read.

export class MultipartError extends Error {
  override readonly name = 'MultipartError';
}

export const MULTIPART_TYPE = 'application/vnd.ms-sync.multipart';

/** The parts of a multipart body, in order (views into `body`, not copies). */
export function parseMultipart(body: Buffer): Buffer[] {
  if (body.length < 4) throw new MultipartError('multipart: shorter than PartsCount');
  const count = body.readUInt32LE(0);
  if (count === 0) throw new MultipartError('multipart: no parts');
  const head = 4 + 8 * count;
  if (head > body.length) throw new MultipartError('multipart: metadata runs past the body');
  const parts: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const offset = body.readUInt32LE(4 + 8 * i);
    const length = body.readUInt32LE(8 + 8 * i);
    if (offset < head || offset + length > body.length) {
      throw new MultipartError(`multipart: part ${i} lies outside the body`);
    }
    parts.push(body.subarray(offset, offset + length));
  }
  return parts;
}
