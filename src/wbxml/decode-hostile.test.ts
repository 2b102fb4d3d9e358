// Hostile and malformed input: every case must end in a WbxmlDecodeError with the specific code,
// quickly and without deep recursion.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { el } from './build.js';
import { decodeWbxml, type WbxmlDecodeOptions } from './decode.js';
import { encodeWbxml } from './encode.js';
import { WbxmlDecodeError, type WbxmlDecodeErrorCode } from './errors.js';
import { fromHex, loadFixtures } from './test-support.js';

const H = '03 01 6a 00';

function rejects(
  input: Uint8Array | string,
  code: WbxmlDecodeErrorCode,
  offset?: number,
  options?: WbxmlDecodeOptions,
): void {
  const bytes = typeof input === 'string' ? fromHex(input) : input;
  assert.throws(
    () => decodeWbxml(bytes, options),
    (e: unknown) => {
      assert.ok(e instanceof WbxmlDecodeError, `not a WbxmlDecodeError: ${String(e)}`);
      assert.equal(e.code, code, e.message);
      if (offset !== undefined) assert.equal(e.offset, offset, e.message);
      return true;
    },
  );
}

describe('hostile input', () => {
  test('truncated at every byte offset of valid documents', () => {
    const docs = loadFixtures().flatMap((f) => (f.wbxml ? [f.wbxml] : []));
    docs.push(
      encodeWbxml(el('ComposeMail', 'SendMail', el('ComposeMail', 'Mime', new Uint8Array(300).fill(1)))),
    );
    docs.push(encodeWbxml(el('AirSync', 'Sync', el('AirSync', 'SyncKey', 'é日本🙂'))));
    let cases = 0;
    for (const doc of docs) {
      for (let n = 0; n < doc.length; n++) {
        rejects(doc.subarray(0, n), 'WBXML_TRUNCATED', n);
        cases++;
      }
    }
    assert.ok(cases > 1200, `${cases} prefixes`);
  });

  test('empty input, partial header, header only', () => {
    rejects('', 'WBXML_TRUNCATED', 0);
    rejects('03 01 6a', 'WBXML_TRUNCATED', 3);
    rejects(H, 'WBXML_TRUNCATED', 4);
    rejects(`${H} 00 0e`, 'WBXML_TRUNCATED', 6); // only a SWITCH_PAGE
  });

  test('bad header: version, charset, public id in an empty string table', () => {
    rejects('00 01 6a 00 45 01', 'WBXML_BAD_HEADER', 0);
    rejects('04 01 6a 00 45 01', 'WBXML_BAD_HEADER', 0);
    rejects('03 01 04 00 45 01', 'WBXML_BAD_HEADER', 2); // ISO-8859-1
    rejects('03 01 83 6a 00 45 01', 'WBXML_BAD_HEADER', 2); // 0x1EA, not 0x6A
    rejects('03 00 00 6a 00 45 01', 'WBXML_BAD_HEADER', 4);
  });

  test('string table non-zero (also as written by xml2wbxml without -a)', () => {
    rejects('03 01 6a 02 41 00 45 01', 'WBXML_UNSUPPORTED', 3);
    rejects('03 00 00 6a 05 41 42 43 44 00 45 01', 'WBXML_UNSUPPORTED', 4);
    rejects('03 01 6a 8f ff ff ff 7f', 'WBXML_UNSUPPORTED', 3); // huge table length: no allocation
  });

  test('bad mb_u_int32: 6 bytes, overflow past 2^32-1, in the header and as an opaque length', () => {
    rejects('03 80 80 80 80 80 01 6a 00 45 01', 'WBXML_BAD_MBUINT', 1);
    rejects('03 90 80 80 80 00 6a 00 45 01', 'WBXML_BAD_MBUINT', 1);
    rejects('03 01 6a 81 80 80 80 80 00 45 01', 'WBXML_BAD_MBUINT', 3);
    rejects(`${H} 00 15 45 50 c3 ff ff ff ff ff 7f`, 'WBXML_BAD_MBUINT', 9);
    assert.equal(decodeWbxml(fromHex(`03 8f ff ff ff 7f 6a 00 45 01`)).tag, 'Sync'); // 2^32-1 is fine
  });

  test('mb_u_int32 cut short is truncation', () => {
    rejects('03 81', 'WBXML_TRUNCATED', 2);
    rejects(`${H} 00 15 45 50 c3 81`, 'WBXML_TRUNCATED', 10);
  });

  test('unknown code page', () => {
    rejects(`${H} 00 1a 45 01`, 'WBXML_UNKNOWN_PAGE', 4);
    rejects(`${H} 45 00 ff 05 01`, 'WBXML_UNKNOWN_PAGE', 5);
  });

  test("unknown token with unknownTokens: 'error' (preserved otherwise)", () => {
    rejects(`${H} 00 0e 45 12 01`, 'WBXML_UNKNOWN_TOKEN', 7, { unknownTokens: 'error' });
    rejects(`${H} 00 03 45 01`, 'WBXML_UNKNOWN_TOKEN', 6, { unknownTokens: 'error' }); // AirNotify has none
    assert.equal(decodeWbxml(fromHex(`${H} 00 0e 45 12 01`)).children.length, 1);
  });

  test('opaque length beyond the input, and 0xFFFFFFFF', () => {
    rejects(`${H} 00 15 45 50 c3 05 01 02 01 01`, 'WBXML_TRUNCATED', 14);
    rejects(`${H} 00 15 45 50 c3 8f ff ff ff 7f 01 01`, 'WBXML_TOO_LARGE', 8);
    const raised = { maxOpaqueBytes: 0xffffffff };
    rejects(`${H} 00 15 45 50 c3 8f ff ff ff 7f 01 01`, 'WBXML_TRUNCATED', 16, raised);
  });

  test('100k nested opens: WBXML_TOO_DEEP, no stack overflow, also with the limit raised', () => {
    const opens = new Uint8Array(100_000).fill(0x45);
    const closes = new Uint8Array(100_000).fill(0x01);
    const deep = Buffer.concat([fromHex(H), opens, closes]);
    rejects(deep, 'WBXML_TOO_DEEP', 4 + 64);
    const tree = decodeWbxml(deep, { maxDepth: 100_000 });
    assert.equal(tree.tag, 'Sync');
    rejects(Buffer.concat([fromHex(H), opens]), 'WBXML_TRUNCATED', 100_004, { maxDepth: 100_000 });
  });

  test('depth counts empty elements too', () => {
    rejects(`${H} 45 45 05 01 01`, 'WBXML_TOO_DEEP', 6, { maxDepth: 2 });
    assert.equal(decodeWbxml(fromHex(`${H} 45 45 05 01 01`), { maxDepth: 3 }).tag, 'Sync');
  });

  test('document, string and element-count limits', () => {
    const doc = encodeWbxml(el('AirSync', 'Sync', el('AirSync', 'SyncKey', 'x'.repeat(100))));
    rejects(doc, 'WBXML_TOO_LARGE', 0, { maxDocumentBytes: doc.length - 1 });
    assert.equal(decodeWbxml(doc, { maxDocumentBytes: doc.length }).tag, 'Sync');
    rejects(doc, 'WBXML_TOO_LARGE', 6, { maxStringBytes: 99 });
    assert.equal(decodeWbxml(doc, { maxStringBytes: 100 }).tag, 'Sync');
    const wide = Buffer.concat([fromHex(`${H} 45`), new Uint8Array(1000).fill(0x05), fromHex('01')]);
    rejects(wide, 'WBXML_TOO_MANY_ELEMENTS', 4 + 1 + 999, { maxElements: 1000 });
    assert.equal(decodeWbxml(wide, { maxElements: 1001 }).children.length, 1000);
  });

  test('the default document limit is 16 MiB', () => {
    rejects(new Uint8Array(16 * 1024 * 1024 + 1), 'WBXML_TOO_LARGE', 0);
  });

  test('unterminated STR_I', () => {
    rejects(`${H} 45 4b 03 61 62 63`, 'WBXML_TRUNCATED', 10);
  });

  test('invalid UTF-8 in short and long strings', () => {
    const bad = ['80', 'c0 af', 'c3', 'e2 82', 'ed a0 80', 'f4 90 80 80', 'f8 88 80 80 80', 'ff', 'fe'];
    for (const b of bad) {
      rejects(`${H} 45 4b 03 61 ${b} 00 01 01`, 'WBXML_BAD_UTF8', 6);
      rejects(`${H} 45 4b 03 ${'61 '.repeat(40)}${b} 00 01 01`, 'WBXML_BAD_UTF8', 6);
    }
  });

  test('trailing data after the root END', () => {
    rejects(`${H} 45 01 00`, 'WBXML_TRAILING_DATA', 6);
    rejects(`${H} 45 01 01`, 'WBXML_TRAILING_DATA', 6);
    rejects(`${H} 45 01 45 01`, 'WBXML_TRAILING_DATA', 6); // a second root
    rejects(`${H} 05 05`, 'WBXML_TRAILING_DATA', 5);
    rejects(`${H} 45 01 00 00`, 'WBXML_TRAILING_DATA', 6);
  });

  test('content or END outside the root', () => {
    rejects(`${H} 01`, 'WBXML_BAD_STRUCTURE', 4);
    rejects(`${H} 03 61 00 45 01`, 'WBXML_BAD_STRUCTURE', 4);
    rejects(`${H} c3 00 45 01`, 'WBXML_BAD_STRUCTURE', 4);
  });

  test('attribute bit set on a tag', () => {
    rejects(`${H} 85 01 01`, 'WBXML_UNSUPPORTED', 4);
    rejects(`${H} 45 c5 01 01 01`, 'WBXML_UNSUPPORTED', 5);
  });

  test('ENTITY, LITERAL, PI, EXT_* and STR_T tokens', () => {
    for (const t of [
      '02',
      '04',
      '40',
      '41',
      '42',
      '43',
      '44',
      '80',
      '81',
      '82',
      '83',
      '84',
      'c0',
      'c1',
      'c2',
      'c4',
    ]) {
      rejects(`${H} 45 ${t} 00 00 01`, 'WBXML_UNSUPPORTED', 5);
    }
  });
});
