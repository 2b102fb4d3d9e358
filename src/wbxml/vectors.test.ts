// Spec vectors (test/fixtures/wbxml): decode against the XML, byte-exact encode, round trips.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeWbxml } from './decode.js';
import { encodeWbxml } from './encode.js';
import { loadFixtures, plain, toHex } from './test-support.js';
import { fromXml, toXml } from './xml.js';

const fixtures = loadFixtures();

describe('spec vectors', () => {
  test('fixtures are present', () => {
    assert.ok(fixtures.length >= 23, `found ${fixtures.length}`);
    assert.ok(
      fixtures.some((f) => f.name === 'aswbxml_3_sync_add_contact_response' && f.wbxml?.length === 106),
    );
  });

  for (const f of fixtures) {
    describe(f.name, () => {
      const tree = fromXml(f.xml);
      const wbxml = f.wbxml;
      if (wbxml) {
        test('decodes to the XML tree', () => {
          assert.deepEqual(plain(decodeWbxml(wbxml)), plain(tree));
        });
        test('encodes the XML byte-exactly', () => {
          assert.equal(toHex(encodeWbxml(tree)), toHex(wbxml));
        });
      } else {
        test('encode -> decode gives the XML tree back', () => {
          assert.deepEqual(plain(decodeWbxml(encodeWbxml(tree))), plain(tree));
        });
      }
      test('toXml -> fromXml is the identity (both styles)', () => {
        assert.deepEqual(plain(fromXml(toXml(tree))), plain(tree));
        assert.deepEqual(plain(fromXml(toXml(tree, { style: 'libwbxml', indent: 0 }))), plain(tree));
      });
    });
  }

  test('toXml reproduces the [MS-ASWBXML] section 3 XML text', () => {
    const f = fixtures.find((x) => x.name === 'aswbxml_3_sync_add_contact_response');
    assert.ok(f?.wbxml);
    assert.equal(toXml(decodeWbxml(f.wbxml)), f.xml);
  });
});
