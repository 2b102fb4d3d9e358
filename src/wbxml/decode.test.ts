// Decoder behaviour on valid input: header variants, tokens, strings, opaque data, options.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeWbxml } from './decode.js';
import { WbxmlDecodeError } from './errors.js';
import { fromHex, plain } from './test-support.js';

const H = '03 01 6a 00';

describe('decodeWbxml', () => {
  test('decodes the minimal document: empty <Provision/> (constructed vector)', () => {
    assert.deepEqual(decodeWbxml(fromHex(`${H} 00 0e 05`)), {
      ns: 'Provision',
      tag: 'Provision',
      children: [],
    });
  });

  test('accepts WBXML versions 1.1-1.3 and any public id, including multi-byte ones', () => {
    for (const head of ['01 01 6a 00', '02 01 6a 00', '03 01 6a 00', '03 81 7f 6a 00', '03 04 6a 00']) {
      assert.equal(decodeWbxml(fromHex(`${head} 45 01`)).tag, 'Sync', head);
    }
  });

  test('page switches persist across elements and END does not reset them', () => {
    // Sync > (FolderHierarchy) Status, then SyncKey stays on page 7 = FolderHierarchy:SyncKey.
    const tree = decodeWbxml(fromHex(`${H} 45 00 07 4c 03 31 00 01 52 03 32 00 01 01`));
    assert.deepEqual(plain(tree), {
      ns: 'AirSync',
      tag: 'Sync',
      children: [
        { ns: 'FolderHierarchy', tag: 'Status', children: ['1'] },
        { ns: 'FolderHierarchy', tag: 'SyncKey', children: ['2'] },
      ],
    });
  });

  test('keeps strings exactly: empty STR_I, UTF-8, a leading BOM, whitespace', () => {
    const s = (t: string) => `03 ${Buffer.from(t, 'utf8').toString('hex')} 00`;
    const tree = decodeWbxml(
      fromHex(`${H} 45 4b 03 00 01 4b ${s('\ufeffé 日本 🙂')} 01 4b ${s('  a\r\n')} 01 01`),
    );
    assert.deepEqual(
      tree.children.map((c) => (typeof c === 'object' && !(c instanceof Uint8Array) ? c.children : c)),
      [[''], ['\ufeffé 日本 🙂'], ['  a\r\n']],
    );
  });

  test('adjacent STR_I and OPAQUE stay separate children', () => {
    const tree = decodeWbxml(fromHex(`${H} 45 4b 03 61 00 03 62 00 c3 02 00 ff 01 01`));
    assert.deepEqual(plain(tree.children[0] as never), {
      ns: 'AirSync',
      tag: 'SyncKey',
      children: ['a', 'b', { opaque: '00ff' }],
    });
  });

  test('opaque data is a copy, also from a Buffer', () => {
    const input = fromHex(`${H} 00 15 45 50 c3 03 01 02 03 01 01`);
    const tree = decodeWbxml(input);
    const mime = (tree.children[0] as { children: Uint8Array[] }).children[0] as Uint8Array;
    assert.equal(Object.getPrototypeOf(mime), Uint8Array.prototype);
    input.fill(0);
    assert.deepEqual([...mime], [1, 2, 3]);
  });

  test('opaque with a multi-byte length', () => {
    const payload = Buffer.alloc(300, 7);
    const tree = decodeWbxml(
      Buffer.concat([fromHex(`${H} 00 15 45 50 c3 82 2c`), payload, fromHex('01 01')]),
    );
    const mime = (tree.children[0] as { children: Uint8Array[] }).children[0] as Uint8Array;
    assert.equal(mime.length, 300);
  });

  test('decodes from a Uint8Array view with a byte offset', () => {
    const backing = new Uint8Array([9, 9, 9, ...fromHex(`${H} 45 4b 03 61 00 01 01`)]);
    assert.equal(decodeWbxml(backing.subarray(3)).children.length, 1);
  });

  test('unknown tokens on a known page decode to Unknown_0xNN by default', () => {
    // AirSync 0x11 (legacy "Version"), an empty AirNotify element, Provision 0x12.
    const tree = decodeWbxml(fromHex(`${H} 45 51 03 31 00 01 00 03 05 00 0e 12 01`));
    assert.deepEqual(plain(tree), {
      ns: 'AirSync',
      tag: 'Sync',
      children: [
        { ns: 'AirSync', tag: 'Unknown_0x11', children: ['1'] },
        { ns: 'AirNotify', tag: 'Unknown_0x05', children: [] },
        { ns: 'Provision', tag: 'Unknown_0x12', children: [] },
      ],
    });
  });

  test("unknownTokens: 'error' rejects them with WBXML_UNKNOWN_TOKEN", () => {
    assert.throws(
      () => decodeWbxml(fromHex(`${H} 45 11 01`), { unknownTokens: 'error' }),
      (e: unknown) => e instanceof WbxmlDecodeError && e.code === 'WBXML_UNKNOWN_TOKEN' && e.offset === 5,
    );
    assert.equal(decodeWbxml(fromHex(`${H} 45 0e 01`), { unknownTokens: 'error' }).children.length, 1);
  });

  test('the error keeps the input, not enumerable', () => {
    const input = fromHex(`${H} 45`);
    try {
      decodeWbxml(input);
      assert.fail('expected an error');
    } catch (e) {
      assert.ok(e instanceof WbxmlDecodeError);
      assert.equal(e.bytes, input);
      assert.ok(!Object.keys(e).includes('bytes'));
      assert.match(e.message, /WBXML_TRUNCATED at offset 5/);
    }
  });

  test('limits can be raised and lowered; bad limit values are a RangeError', () => {
    const deep = fromHex(`${H} ${'45 '.repeat(70)}${'01 '.repeat(70)}`);
    assert.throws(() => decodeWbxml(deep), { code: 'WBXML_TOO_DEEP' });
    assert.equal(decodeWbxml(deep, { maxDepth: 70 }).tag, 'Sync');
    assert.throws(() => decodeWbxml(deep, { maxDepth: -1 }), RangeError);
    assert.throws(() => decodeWbxml(deep, { maxElements: 1.5 }), RangeError);
  });
});
