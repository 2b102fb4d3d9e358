// Bytes of a backend stream held for one response, with their exact length: in memory when small,
// otherwise in a private temporary file, unlinked as soon as it is created so that not even a
// kill -9 leaves it behind (the open descriptor keeps the bytes until it is closed). Multipart
// ItemOperations needs exact part lengths before the first byte goes out, and backends only
// estimate attachment sizes (IMAP BODYSTRUCTURE sizes are encoded sizes scaled by 3/4), so parts
// pass through here. It also frees the backend connection before a slow phone reads 25 MB.
import { randomUUID } from 'node:crypto';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

/** Parts up to this size stay in memory; bigger ones go to a file (bounded memory per request). */
export const SPOOL_MEMORY_MAX = 1024 * 1024;

export interface Spooled {
  readonly length: number;
  /** The bytes when they are held in memory, else null. */
  readonly buffer: Buffer | null;
  /** A stream of the bytes, once; a backing file is removed when the stream closes. */
  open(): Readable;
  /** Removes a backing file that was never opened; idempotent, never throws. */
  discard(): Promise<void>;
}

export function spoolBuffer(b: Buffer): Spooled {
  return {
    length: b.length,
    buffer: b,
    open: () => Readable.from([b]),
    discard: async () => undefined,
  };
}

class FileSpool implements Spooled {
  readonly buffer = null;
  private opened = false;
  constructor(
    private readonly fh: FileHandle,
    readonly length: number,
  ) {}
  open(): Readable {
    if (this.opened) throw new Error('spool: opened twice');
    this.opened = true;
    // Closing the stream closes the descriptor, which frees the (already unlinked) file.
    return this.fh.createReadStream({ start: 0, highWaterMark: 256 * 1024, autoClose: true });
  }
  async discard(): Promise<void> {
    if (this.opened) return;
    this.opened = true;
    await this.fh.close().catch(() => undefined);
  }
}

export interface SpoolResult {
  spooled: Spooled;
  /** Bytes of the source before the kept range (less than `start` when the source ended first). */
  skipped: number;
  /** Whether the source ended (so skipped + length is its exact size). */
  ended: boolean;
}

export interface SpoolOptions {
  /** First byte to keep (default 0). */
  start?: number;
  /** Most bytes to keep (default: all). */
  count?: number;
  /** Keep in memory up to this many bytes (default SPOOL_MEMORY_MAX); Infinity never uses a file. */
  memoryMax?: number;
  /** Directory for the file (default the OS temporary directory). */
  dir?: string;
}

function asBuffer(chunk: unknown): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array | string);
}

/**
 * Reads `source` from `start`, keeping at most `count` bytes. The source is destroyed when reading
 * stops early; it is never read further than needed. Throws what the source throws.
 */
export async function spoolStream(source: Readable, o: SpoolOptions = {}): Promise<SpoolResult> {
  const start = o.start ?? 0;
  const count = o.count ?? Number.POSITIVE_INFINITY;
  const memoryMax = o.memoryMax ?? SPOOL_MEMORY_MAX;
  let skipped = 0;
  let kept = 0;
  let ended = true;
  const mem: Buffer[] = [];
  let file: FileHandle | null = null;
  try {
    for await (const raw of source) {
      let chunk = asBuffer(raw);
      if (skipped < start) {
        const drop = Math.min(start - skipped, chunk.length);
        skipped += drop;
        chunk = chunk.subarray(drop);
        if (chunk.length === 0) continue;
      }
      if (kept + chunk.length > count) chunk = chunk.subarray(0, count - kept);
      if (!file && kept + chunk.length > memoryMax) {
        const path = join(o.dir ?? tmpdir(), `syncward-${randomUUID()}.part`);
        file = await open(path, 'wx+', 0o600);
        await unlink(path);
        for (const b of mem.splice(0)) await file.write(b);
      }
      if (file) await file.write(chunk);
      else mem.push(chunk);
      kept += chunk.length;
      if (kept >= count) {
        // Breaking out of for-await destroys the source; an item that ends exactly here still ended.
        ended = source.readableEnded;
        break;
      }
    }
  } catch (err) {
    await file?.close().catch(() => undefined);
    throw err;
  }
  if (!file) return { spooled: spoolBuffer(Buffer.concat(mem, kept)), skipped, ended };
  return { spooled: new FileSpool(file, kept), skipped, ended };
}
