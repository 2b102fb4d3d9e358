// Multipart framing ([MS-ASCMD] 2.2.1.10.1.1) byte for byte, the streamed body (exact length,
// parts in order, files removed), and the spool that gives parts their exact lengths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { MAX_MULTIPART_BYTES, MULTIPART_CONTENT_TYPE, multipartBody, multipartHeader } from './multipart.js';
import { spoolBuffer, spoolStream } from './spool.js';

async function collect(s: Readable): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of s) out.push(Buffer.from(c as Buffer));
  return Buffer.concat(out);
}

function chunked(b: Buffer, size: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) parts.push(b.subarray(i, i + size));
  return Readable.from(parts);
}

/** Removal is asynchronous (unlink after close): wait for it, bounded, rather than a fixed sleep. */
async function filesGone(dir: string): Promise<void> {
  for (let i = 0; i < 200 && spoolFiles(dir) > 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(spoolFiles(dir), 0, 'spool files closed');
}

/**
 * Spool files in `dir` this process still holds. They are unlinked at creation (never visible in
 * the directory: a kill -9 leaves nothing), so they are counted through /proc/self/fd (Linux).
 */
function spoolFiles(dir: string): number {
  assert.deepEqual(readdirSync(dir), [], 'nothing visible in the spool directory');
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(`${dir}/`)) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

test('multipartHeader: PartsCount, then offset/length pairs, little-endian, offsets from the start', () => {
  assert.equal(
    multipartHeader([3, 5]).toString('hex'),
    // count=2 | part0 offset 20, length 3 | part1 offset 23, length 5
    '02000000' + '14000000' + '03000000' + '17000000' + '05000000',
  );
  assert.equal(multipartHeader([0]).toString('hex'), '01000000' + '0c000000' + '00000000');
  assert.throws(() => multipartHeader([MAX_MULTIPART_BYTES]), RangeError);
  assert.throws(() => multipartHeader([-1]), RangeError);
});

test('multipartBody streams header, WBXML and parts with the announced length', async () => {
  const wbxml = Buffer.from([3, 1, 0x6a, 0, 0x45, 1]);
  const a = Buffer.from('first part');
  const b = Buffer.alloc(70_000, 7);
  const body = multipartBody(wbxml, [spoolBuffer(a), spoolBuffer(b)]);
  assert.equal(body.contentType, MULTIPART_CONTENT_TYPE);
  const bytes = await collect(body.stream);
  assert.equal(bytes.length, body.length);
  assert.equal(bytes.readUInt32LE(0), 3);
  const part = (i: number) =>
    bytes.subarray(
      bytes.readUInt32LE(4 + 8 * i),
      bytes.readUInt32LE(4 + 8 * i) + bytes.readUInt32LE(8 + 8 * i),
    );
  assert.deepEqual(part(0), wbxml);
  assert.deepEqual(part(1), a);
  assert.deepEqual(part(2), b);
});

test('a part that is not the size it announced breaks the stream instead of shifting offsets', async () => {
  const liar = { ...spoolBuffer(Buffer.from('abc')), length: 5 };
  const body = multipartBody(Buffer.from([3, 1, 0x6a, 0]), [liar]);
  await assert.rejects(collect(body.stream), /announced 5/);
});

test('spoolStream: small in memory, large in a private file that goes away once read', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'spool-test-'));
  try {
    const small = await spoolStream(chunked(Buffer.from('hello world'), 3), { dir });
    assert.deepEqual(
      [small.spooled.buffer?.toString(), small.ended, small.skipped],
      ['hello world', true, 0],
    );
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 1);
    big[big.length - 1] = 2;
    const file = await spoolStream(chunked(big, 64 * 1024), { dir, memoryMax: 1024 * 1024 });
    assert.equal(file.spooled.buffer, null);
    assert.equal(file.spooled.length, big.length);
    assert.equal(spoolFiles(dir), 1);
    const back = await collect(file.spooled.open());
    assert.deepEqual(back, big);
    await filesGone(dir);
    assert.throws(() => file.spooled.open(), /twice/);
    // Discarded without reading: removed too.
    const unread = await spoolStream(chunked(big, 64 * 1024), { dir, memoryMax: 1000 });
    await unread.spooled.discard();
    await unread.spooled.discard();
    assert.equal(spoolFiles(dir), 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('spoolStream ranges: skip, take, stop early, and a start past the end', async () => {
  const src = Buffer.from('0123456789abcdef');
  const mid = await spoolStream(chunked(src, 5), { start: 3, count: 6 });
  assert.deepEqual([mid.spooled.buffer?.toString(), mid.skipped], ['345678', 3]);
  const tail = await spoolStream(chunked(src, 5), { start: 10, count: 100 });
  assert.deepEqual([tail.spooled.buffer?.toString(), tail.ended], ['abcdef', true]);
  const past = await spoolStream(chunked(src, 5), { start: 40, count: 2 });
  assert.deepEqual([past.skipped, past.spooled.length], [16, 0]);
  // A source stopped early is destroyed (a backend connection is given back).
  const endless = new Readable({
    read() {
      this.push(Buffer.alloc(1024));
    },
  });
  const head = await spoolStream(endless, { count: 10 });
  assert.equal(head.spooled.length, 10);
  assert.equal(endless.destroyed, true);
});

test('spoolStream: a failing source leaves no file behind', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'spool-test-'));
  try {
    let sent = 0;
    const failing = new Readable({
      read() {
        if (sent++ < 40) this.push(Buffer.alloc(64 * 1024));
        else this.destroy(new Error('connection reset'));
      },
    });
    await assert.rejects(spoolStream(failing, { dir, memoryMax: 1024 }), /connection reset/);
    assert.equal(spoolFiles(dir), 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a multipart stream destroyed before its parts are read removes their files', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'spool-test-'));
  try {
    const big = () => chunked(Buffer.alloc(2 * 1024 * 1024, 3), 64 * 1024);
    const p1 = (await spoolStream(big(), { dir })).spooled;
    const p2 = (await spoolStream(big(), { dir })).spooled;
    assert.equal(spoolFiles(dir), 2);
    const body = multipartBody(Buffer.from([3, 1, 0x6a, 0]), [p1, p2]);
    body.stream.destroy();
    await filesGone(dir);
    assert.equal(existsSync(dir), true);
    // Read half-way (first part open), then destroyed: both gone.
    const p3 = (await spoolStream(big(), { dir })).spooled;
    const p4 = (await spoolStream(big(), { dir })).spooled;
    const body2 = multipartBody(Buffer.from([3, 1, 0x6a, 0]), [p3, p4]);
    let chunks = 0;
    for await (const _ of body2.stream) {
      void _;
      if (++chunks === 3) break;
    }
    await filesGone(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
