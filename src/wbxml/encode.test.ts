// Encoder behaviour: page switching, empty elements, OPAQUE lengths, strings, error cases.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { el } from './build.js';
import { decodeWbxml } from './decode.js';
import { encodeWbxml } from './encode.js';
import { WbxmlEncodeError } from './errors.js';
import { plain, toHex } from './test-support.js';
import type { WbxmlElement } from './types.js';

const hex = (e: WbxmlElement) => toHex(encodeWbxml(e));

describe('encodeWbxml', () => {
  test('empty element is the bare token; SWITCH_PAGE only when the page changes', () => {
    assert.equal(hex(el('Provision', 'Provision')), '03 01 6a 00 00 0e 05');
    assert.equal(
      hex(el('Provision', 'Provision', el('Provision', 'Status', 1), el('Provision', 'RemoteWipe'))),
      '03 01 6a 00 00 0e 45 4b 03 31 00 01 0c 01',
    );
    // AirSync root needs no switch; back to page 0 after Email needs one.
    assert.equal(
      hex(el('AirSync', 'Sync', el('Email', 'Read', '1'), el('Email', 'Flag'), el('AirSync', 'Status', '1'))),
      '03 01 6a 00 45 00 02 55 03 31 00 01 3a 00 00 4e 03 31 00 01 01',
    );
  });

  test('empty string is STR_I with no bytes, kept distinct from an empty element', () => {
    assert.equal(hex(el('AirSync', 'Sync', '')), '03 01 6a 00 45 03 00 01');
  });

  test('strings: ASCII, long ASCII, non-ASCII, astral, lone surrogate', () => {
    for (const s of ['abc', 'x'.repeat(65), 'é', 'a'.repeat(63) + 'é', '日本🙂', 'z'.repeat(100_000) + '€']) {
      const tree = el('AirSync', 'Sync', s);
      assert.deepEqual(decodeWbxml(encodeWbxml(tree)).children, [s]);
      assert.equal(encodeWbxml(tree).length, 4 + 1 + 1 + Buffer.byteLength(s) + 1 + 1);
    }
    // A lone surrogate cannot be UTF-8; it is written as U+FFFD, as Buffer does.
    assert.deepEqual(decodeWbxml(encodeWbxml(el('AirSync', 'Sync', 'a\ud800'))).children, ['a\ufffd']);
  });

  test('OPAQUE lengths use minimal mb_u_int32 at every byte-count boundary', () => {
    const cases: [number, string][] = [
      [0, '00'],
      [1, '01'],
      [127, '7f'],
      [128, '81 00'],
      [16383, 'ff 7f'],
      [16384, '81 80 00'],
      [2097151, 'ff ff 7f'],
      [2097152, '81 80 80 00'],
    ];
    for (const [n, mb] of cases) {
      const out = encodeWbxml(el('ComposeMail', 'Mime', new Uint8Array(n)));
      assert.equal(
        toHex(out.subarray(0, 8 + mb.split(' ').length)),
        `03 01 6a 00 00 15 50 c3 ${mb}`,
        `length ${n}`,
      );
      assert.equal(out.length, 8 + mb.split(' ').length + n + 1);
    }
  });

  test('a large document after a small one, and the reverse, encode correctly (scratch reuse)', () => {
    const big = el('ComposeMail', 'SendMail', el('ComposeMail', 'Mime', new Uint8Array(3_000_000).fill(5)));
    const small = el('Ping', 'Ping', el('Ping', 'Status', 1));
    const a = hex(small);
    assert.equal(encodeWbxml(big).length, 3_000_000 + 15);
    assert.equal(hex(small), a);
    const decoded = decodeWbxml(encodeWbxml(big), { maxOpaqueBytes: 4_000_000 });
    assert.equal(((decoded.children[0] as WbxmlElement).children[0] as Uint8Array)[2_999_999], 5);
  });

  test('returns a Buffer of exactly the document', () => {
    const out = encodeWbxml(el('Ping', 'Ping'));
    assert.ok(Buffer.isBuffer(out));
    assert.equal(out.length, 7);
  });

  test('Unknown_0xNN encodes to its token only where the page defines none', () => {
    assert.equal(
      hex(el('AirSync', 'Sync', el('AirSync', 'Unknown_0x11', '1'))),
      '03 01 6a 00 45 51 03 31 00 01 01',
    );
    assert.equal(hex(el('AirNotify', 'Unknown_0x05')), '03 01 6a 00 00 03 05');
    for (const tag of ['Unknown_0x05', 'Unknown_0x40', 'Unknown_0x04', 'Unknown_0x1f', 'Unknown_0x011']) {
      assert.throws(() => encodeWbxml(el('AirSync', tag)), { code: 'WBXML_UNKNOWN_TAG' }, tag);
    }
  });

  test('errors name the code and the path', () => {
    const check = (tree: WbxmlElement, code: string, path: string) =>
      assert.throws(
        () => encodeWbxml(tree),
        (e: unknown) => e instanceof WbxmlEncodeError && e.code === code && e.path === path,
      );
    check(
      el('Provision', 'Provision', el('Provision', 'Policies', el('Provision', 'Nope'))),
      'WBXML_UNKNOWN_TAG',
      'Provision:Provision/Provision:Policies/Provision:Nope',
    );
    check({ ns: 'Nope' as never, tag: 'X', children: [] }, 'WBXML_UNKNOWN_NAMESPACE', 'X');
    check(
      el('AirSync', 'Sync', el('AirSync', 'SyncKey', 'a\0b')),
      'WBXML_BAD_STRING',
      'AirSync:Sync/AirSync:SyncKey',
    );
    check({ ns: 'AirSync', tag: 'Sync', children: [42 as never] }, 'WBXML_BAD_NODE', 'AirSync:Sync');
    check({ ns: 'AirSync', tag: 'Sync', children: [null as never] }, 'WBXML_BAD_NODE', 'AirSync:Sync');
    const cyclic: WbxmlElement = { ns: 'AirSync', tag: 'Sync', children: [] };
    cyclic.children.push(cyclic);
    assert.throws(() => encodeWbxml(cyclic), { code: 'WBXML_TOO_DEEP' });
  });

  test('encode after a failed encode starts clean', () => {
    assert.throws(() => encodeWbxml(el('AirSync', 'Sync', el('AirSync', 'Bogus'))));
    assert.deepEqual(
      plain(decodeWbxml(encodeWbxml(el('AirSync', 'Sync', '1')))),
      plain(el('AirSync', 'Sync', '1')),
    );
  });
});
