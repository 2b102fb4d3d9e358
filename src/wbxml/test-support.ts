// Shared helpers for the codec's tests (fixtures, hex, seeded PRNG, tree comparison). Test-only:
// nothing in src/ imports it.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { WbxmlElement, WbxmlNode } from './types.js';

export const FIXTURES_DIR = fileURLToPath(new URL('../../test/fixtures/wbxml/', import.meta.url));

export interface Fixture {
  name: string;
  xml: string;
  /** WBXML bytes, when the fixture has them. */
  wbxml: Buffer | null;
}

/** Every `<name>.xml` under test/fixtures/wbxml (and constructed/) with its `.hex` / `.derived.hex`. */
export function loadFixtures(): Fixture[] {
  const out: Fixture[] = [];
  for (const dir of ['', 'constructed/']) {
    const files = readdirSync(FIXTURES_DIR + dir);
    for (const f of files.filter((n) => n.endsWith('.xml')).sort()) {
      const base = f.slice(0, -4);
      const hexFile = [`${base}.hex`, `${base}.derived.hex`].find((h) => files.includes(h));
      out.push({
        name: dir + base,
        xml: readFileSync(FIXTURES_DIR + dir + f, 'utf8'),
        wbxml: hexFile ? fromHex(readFileSync(FIXTURES_DIR + dir + hexFile, 'utf8')) : null,
      });
    }
  }
  return out;
}

export function fromHex(hex: string): Buffer {
  return Buffer.from(hex.replace(/\s+/g, ''), 'hex');
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
    .toString('hex')
    .replace(/(..)(?!$)/g, '$1 ');
}

/** mulberry32: small seeded PRNG, so a failing random case can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Plain-data view of a tree for deepStrictEqual: bytes become `{ opaque: hex }`. */
export function plain(node: WbxmlNode): unknown {
  if (typeof node === 'string') return node;
  if (node instanceof Uint8Array) return { opaque: Buffer.from(node).toString('hex') };
  return { ns: node.ns, tag: node.tag, children: node.children.map(plain) };
}

/** Every element of a tree, depth first. */
export function* walk(root: WbxmlElement): Generator<WbxmlElement> {
  const stack = [root];
  while (stack.length > 0) {
    const e = stack.pop() as WbxmlElement;
    yield e;
    for (let i = e.children.length - 1; i >= 0; i--) {
      const c = e.children[i];
      if (typeof c === 'object' && !(c instanceof Uint8Array)) stack.push(c);
    }
  }
}
