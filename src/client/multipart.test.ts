// The client's multipart reader against hand-built bodies, including hostile ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MultipartError, parseMultipart } from './multipart.js';

function body(parts: Buffer[]): Buffer {
  const head = Buffer.alloc(4 + 8 * parts.length);
  head.writeUInt32LE(parts.length, 0);
  let off = head.length;
  parts.forEach((p, i) => {
    head.writeUInt32LE(off, 4 + 8 * i);
    head.writeUInt32LE(p.length, 8 + 8 * i);
    off += p.length;
  });
  return Buffer.concat([head, ...parts]);
}

test('parts come back in order, as views of the body', () => {
  const parts = [Buffer.from([3, 1, 0x6a, 0]), Buffer.from('attachment'), Buffer.alloc(0)];
  assert.deepEqual(parseMultipart(body(parts)), parts);
});

test('hostile bodies are MultipartErrors, never reads out of range', () => {
  const ok = body([Buffer.from('abc')]);
  const lying = Buffer.from(ok);
  lying.writeUInt32LE(1000, 8);
  const before = Buffer.from(ok);
  before.writeUInt32LE(2, 4);
  const huge = Buffer.alloc(8);
  huge.writeUInt32LE(0xffffffff, 0);
  for (const bad of [
    Buffer.alloc(0),
    Buffer.alloc(3),
    Buffer.alloc(4),
    lying,
    before,
    huge,
    ok.subarray(0, ok.length - 1),
  ]) {
    assert.throws(() => parseMultipart(bad), MultipartError);
  }
});
