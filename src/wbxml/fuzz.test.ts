// Fuzzing the decoder: random bytes and mutations of valid documents must decode to a tree or
// throw WbxmlDecodeError, nothing else; every decoded tree must survive encode -> decode unchanged.
// Seeded: set EAS_TEST_FUZZ_SEED to replay a run, EAS_TEST_FUZZ_ITERATIONS to change its length.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { el } from './build.js';
import { decodeWbxml, type WbxmlDecodeOptions } from './decode.js';
import { encodeWbxml } from './encode.js';
import { WbxmlDecodeError } from './errors.js';
import { loadFixtures, plain, prng, toHex } from './test-support.js';

const seed = Number(process.env.EAS_TEST_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 32));
const iterations = Number(process.env.EAS_TEST_FUZZ_ITERATIONS ?? 40_000);

const corpus: Uint8Array[] = [
  ...loadFixtures().flatMap((f) => (f.wbxml ? [f.wbxml] : [])),
  encodeWbxml(
    el(
      'ComposeMail',
      'SendMail',
      el('ComposeMail', 'ClientId', 'é日本🙂'),
      el(
        'ComposeMail',
        'Mime',
        new Uint8Array(200).map((_, i) => i),
      ),
      el('AirSync', 'Unknown_0x11', ''),
      el('AirNotify', 'Unknown_0x05'),
    ),
  ),
];
// Bytes that mean something to the decoder, so mutations reach more branches.
const INTERESTING = [
  0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x40, 0x43, 0x45, 0x7f, 0x80, 0x83, 0x85, 0xc3, 0xc5, 0xff,
];

// Small limits on some runs so the limit checks are reached too.
const SMALL: WbxmlDecodeOptions = {
  maxDepth: 4,
  maxElements: 20,
  maxStringBytes: 16,
  maxOpaqueBytes: 64,
  maxDocumentBytes: 256,
};

test(`decoder fuzz (seed ${seed}, ${iterations} inputs)`, (t) => {
  t.diagnostic(`replay with EAS_TEST_FUZZ_SEED=${seed}`);
  const rnd = prng(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const byte = () => (rnd() < 0.3 ? (INTERESTING[int(INTERESTING.length)] as number) : int(256));
  const pick = () => corpus[int(corpus.length)] as Uint8Array;

  const mutate = (src: Uint8Array): Uint8Array => {
    let b = Array.from(src);
    for (let k = 1 + int(4); k > 0; k--) {
      const at = int(b.length + 1);
      switch (int(7)) {
        case 0: // bit flip
          if (b.length) b[at % b.length] = (b[at % b.length] as number) ^ (1 << int(8));
          break;
        case 1: // overwrite
          if (b.length) b[at % b.length] = byte();
          break;
        case 2: // insert
          b.splice(at, 0, ...Array.from({ length: 1 + int(4) }, byte));
          break;
        case 3: // delete
          b.splice(at, 1 + int(8));
          break;
        case 4: // truncate
          b = b.slice(0, at);
          break;
        case 5: // duplicate a slice
          b.splice(at, 0, ...b.slice(int(b.length), int(b.length) + int(16)));
          break;
        default: {
          // splice in part of another document
          const o = Array.from(pick());
          b.splice(at, int(8), ...o.slice(int(o.length)));
        }
      }
    }
    return Uint8Array.from(b);
  };

  let decoded = 0;
  for (let i = 0; i < iterations; i++) {
    let input: Uint8Array;
    const kind = int(10);
    if (kind === 0) input = Uint8Array.from({ length: int(64) }, byte);
    else if (kind === 1)
      input = Uint8Array.from([0x03, 0x01, 0x6a, 0x00, ...Array.from({ length: int(64) }, byte)]);
    else input = mutate(pick());
    const options = int(4) === 0 ? SMALL : undefined;
    const where = () => `seed ${seed}, input ${i}: ${toHex(input.subarray(0, 200))}`;

    let tree;
    try {
      tree = decodeWbxml(input, options);
    } catch (e) {
      if (e instanceof WbxmlDecodeError) continue;
      assert.fail(`decode threw ${String(e)} (${where()})`);
    }
    decoded++;
    let again;
    try {
      again = decodeWbxml(encodeWbxml(tree), options);
    } catch (e) {
      assert.fail(`re-encode/decode threw ${String(e)} (${where()})`);
    }
    assert.deepEqual(plain(again), plain(tree), where());
  }
  t.diagnostic(`${decoded} of ${iterations} inputs decoded`);
  assert.ok(decoded > iterations / 100, `only ${decoded} inputs decoded: mutations too destructive`);
});
