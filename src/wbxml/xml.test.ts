// XML form: both output styles, the namespace spellings fromXml accepts, opaque data, text fidelity.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { el } from './build.js';
import { plain } from './test-support.js';
import { fromXml, LIBWBXML_DOCTYPE, toXml } from './xml.js';

const tree = el(
  'Provision',
  'Provision',
  el('Settings', 'DeviceInformation', el('Settings', 'Set', el('Settings', 'Model', 'a & <b> "c"'))),
  el('Provision', 'Status', 1),
  el('Provision', 'RemoteWipe'),
);

describe('toXml', () => {
  test('prefixed style, like the spec examples', () => {
    assert.equal(
      toXml(tree),
      [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<Provision xmlns="Provision" xmlns:settings="Settings">',
        '  <settings:DeviceInformation>',
        '    <settings:Set>',
        '      <settings:Model>a &amp; &lt;b&gt; "c"</settings:Model>',
        '    </settings:Set>',
        '  </settings:DeviceInformation>',
        '  <Status>1</Status>',
        '  <RemoteWipe/>',
        '</Provision>',
        '',
      ].join('\n'),
    );
  });

  test('libwbxml style: DOCTYPE and xmlns="Ns:" where the namespace changes', () => {
    assert.equal(
      toXml(tree, { style: 'libwbxml', indent: 0 }),
      `<?xml version="1.0"?>${LIBWBXML_DOCTYPE}<Provision xmlns="Provision:"><DeviceInformation xmlns="Settings:"><Set>` +
        '<Model>a &amp; &lt;b&gt; "c"</Model></Set></DeviceInformation><Status>1</Status><RemoteWipe/></Provision>',
    );
  });

  test('mixed and whitespace content is written inline and read back unchanged', () => {
    const mixed = el(
      'AirSync',
      'Sync',
      '  lead',
      el('AirSync', 'Status', ' 1 '),
      'tail\r\n',
      el('AirSync', 'Add', el('AirSync', 'Class', '\t')),
    );
    for (const indent of [0, 2, 4]) {
      assert.deepEqual(plain(fromXml(toXml(mixed, { indent }))), plain(mixed));
    }
    assert.match(toXml(mixed), /tail&#xD;\n/);
  });

  test('opaque data: base64 with opaque="base64" (prefixed), plain base64 (libwbxml)', () => {
    const doc = el(
      'ComposeMail',
      'SendMail',
      el('ComposeMail', 'Mime', new Uint8Array([0, 1, 0xff])),
      el('ComposeMail', 'ClientId', 'x'),
    );
    assert.match(toXml(doc), /<Mime opaque="base64">AAH\/<\/Mime>/);
    assert.deepEqual(plain(fromXml(toXml(doc))), plain(doc));
    assert.match(toXml(doc, { style: 'libwbxml' }), /<Mime>AAH\/<\/Mime>/);
    const empty = el('ComposeMail', 'Mime', new Uint8Array(0));
    assert.deepEqual(plain(fromXml(toXml(empty))), plain(empty));
  });
});

describe('fromXml', () => {
  test('namespaces with or without a trailing colon, any case, prefixed or default', () => {
    const want = plain(
      el('FolderHierarchy', 'FolderSync', el('FolderHierarchy', 'SyncKey', '0'), el('Gal', 'Alias', 'a')),
    );
    for (const xml of [
      '<FolderSync xmlns="FolderHierarchy:" xmlns:gal="GAL:"><SyncKey>0</SyncKey><gal:Alias>a</gal:Alias></FolderSync>',
      '<FolderSync xmlns="FolderHierarchy"><SyncKey>0</SyncKey><Alias xmlns="Gal">a</Alias></FolderSync>',
      '<fh:FolderSync xmlns:fh="folderhierarchy"><fh:SyncKey>0</fh:SyncKey><Alias xmlns="Gal:">a</Alias></fh:FolderSync>',
    ]) {
      assert.deepEqual(plain(fromXml(xml)), want, xml);
    }
  });

  test('a root without xmlns takes the only page that defines its tag; children inherit', () => {
    assert.deepEqual(
      plain(fromXml('<FolderSync><Status>1</Status></FolderSync>')),
      plain(el('FolderHierarchy', 'FolderSync', el('FolderHierarchy', 'Status', '1'))),
    );
    assert.throws(() => fromXml('<Status>1</Status>'), /on \d+ code pages/);
    assert.equal(fromXml('<Status>1</Status>', { defaultNamespace: 'Ping' }).ns, 'Ping');
  });

  test('CDATA, entities and character references', () => {
    const e = fromXml('<Sync xmlns="AirSync"><SyncKey><![CDATA[a<b]]>&amp;&#x41;&#66;</SyncKey></Sync>');
    assert.deepEqual(plain(e), plain(el('AirSync', 'Sync', el('AirSync', 'SyncKey', 'a<b&AB'))));
  });

  test('rejects malformed XML, unknown namespaces, undeclared prefixes, attributes', () => {
    assert.throws(() => fromXml('<Sync xmlns="AirSync"><A></Sync>'), /fromXml/);
    assert.throws(() => fromXml('<Sync xmlns="Nope"/>'), /not an EAS namespace/);
    assert.throws(() => fromXml('<x:Sync/>'), /undeclared prefix/);
    assert.throws(() => fromXml('<Sync xmlns="AirSync" id="1"/>'), /unexpected attribute/);
    assert.throws(() => fromXml('<?xml version="1.0"?>'), /fromXml/);
  });
});
