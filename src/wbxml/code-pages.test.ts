// Code-page tables and lookups: shape of the generated data, inverse lookups, versions, and
// (when the protocol notes are checked out beside the repo) that the generated file is current.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { CODE_PAGES, WBXML_PROTOCOL_VERSIONS } from './code-pages.js';
import {
  isTagInVersion,
  namespaceOfPage,
  parseUnknownTagName,
  tagOf,
  tagVersions,
  tokenOf,
  unknownTagName,
} from './tokens.js';
import { NAMESPACES } from './types.js';

describe('code pages', () => {
  test('26 pages in NAMESPACES order, 586 tokens, unique tags per page, tokens 0x05-0x3F', () => {
    assert.equal(CODE_PAGES.length, 26);
    let total = 0;
    CODE_PAGES.forEach((cp, i) => {
      assert.equal(cp.page, i);
      assert.equal(cp.namespace, NAMESPACES[i]);
      assert.equal(cp.section, `2.1.2.1.${i + 1}`);
      assert.equal(new Set(cp.tokens.map(([, tag]) => tag)).size, cp.tokens.length);
      for (const [token, , versions] of cp.tokens) {
        assert.ok(token >= 0x05 && token <= 0x3f);
        assert.ok(versions.length > 0);
      }
      total += cp.tokens.length;
    });
    assert.equal(total, 586);
    assert.equal(CODE_PAGES[3]?.tokens.length, 0); // AirNotify: no longer used
  });

  test('lookups are inverse of each other for every token', () => {
    for (const cp of CODE_PAGES) {
      for (const [token, tag] of cp.tokens) {
        assert.equal(tagOf(cp.page, token), tag);
        assert.deepEqual(tokenOf(cp.namespace, tag), { page: cp.page, token });
      }
    }
    assert.equal(tagOf(0, 0x11), null);
    assert.equal(tagOf(26, 0x05), null);
    assert.equal(tokenOf('AirSync', 'Nope'), null);
    assert.equal(namespaceOfPage(14), 'Provision');
    assert.equal(namespaceOfPage(26), null);
  });

  test('spec anchors: [MS-ASWBXML] section 3 tokens and Provision versions', () => {
    assert.deepEqual(tokenOf('AirSyncBase', 'NativeBodyType'), { page: 17, token: 0x16 });
    assert.deepEqual(tokenOf('Provision', 'AccountOnlyRemoteWipe'), { page: 14, token: 0x3b });
    assert.deepEqual(tagVersions('Provision', 'AccountOnlyRemoteWipe'), ['16.1']);
    assert.deepEqual(tagVersions('AirSync', 'Sync'), WBXML_PROTOCOL_VERSIONS);
    assert.ok(isTagInVersion('AirSync', 'HeartbeatInterval', '14.0'));
    assert.ok(!isTagInVersion('AirSync', 'HeartbeatInterval', '12.1'));
    assert.ok(!isTagInVersion('AirSync', 'Nope', '16.1'));
    assert.equal(tagVersions('AirSync', 'Nope'), null);
  });

  test('Unknown_0xNN names', () => {
    assert.equal(unknownTagName(0x11), 'Unknown_0x11');
    assert.equal(unknownTagName(0x3f), 'Unknown_0x3F');
    assert.equal(parseUnknownTagName('Unknown_0x3F'), 0x3f);
    for (const bad of [
      'Unknown_0x3f',
      'Unknown_0x04',
      'Unknown_0x40',
      'Unknown_0x123',
      'Unknown_11',
      'xUnknown_0x11',
    ]) {
      assert.equal(parseUnknownTagName(bad), null, bad);
    }
  });

  const script = fileURLToPath(new URL('../../scripts/gen-code-pages.mjs', import.meta.url));
  const source = fileURLToPath(new URL('../../../shared/eas/wbxml_codepages.json', import.meta.url));
  test(
    'code-pages.ts matches the generator output',
    { skip: !existsSync(source) && 'protocol notes not checked out' },
    () => {
      const r = spawnSync(process.execPath, [script, source, '--check'], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    },
  );
});
