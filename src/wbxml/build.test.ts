// Tree helpers: el() child normalisation and the query helpers the commands use.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { child, childText, children, contentBytes, el, isElement, path, text } from './build.js';

const doc = el(
  'Provision',
  'Provision',
  el('Settings', 'DeviceInformation', el('Settings', 'Status', 1)),
  el('Provision', 'Status', 1),
  el(
    'Provision',
    'Policies',
    el(
      'Provision',
      'Policy',
      el('Provision', 'PolicyType', 'MS-EAS-Provisioning-WBXML'),
      el('Provision', 'Status', ''),
    ),
    el('Provision', 'Policy', el('Provision', 'PolicyType', 'second')),
  ),
);

describe('el', () => {
  test('numbers become decimal strings; arrays flatten; null/undefined/false are skipped', () => {
    const flag = false as boolean;
    const e = el(
      'Provision',
      'EASProvisionDoc',
      4,
      -1,
      10n,
      null,
      undefined,
      flag && el('Provision', 'AllowCamera'),
      ['a', [el('Provision', 'AllowWiFi', 1)], []],
    );
    assert.deepEqual(e.children, [
      '4',
      '-1',
      '10',
      'a',
      { ns: 'Provision', tag: 'AllowWiFi', children: ['1'] },
    ]);
  });

  test('non-finite numbers are a RangeError', () => {
    assert.throws(() => el('Ping', 'Status', Number.NaN), RangeError);
    assert.throws(() => el('Ping', 'Status', Infinity), RangeError);
  });

  test('Uint8Array children are kept as opaque data', () => {
    const bytes = new Uint8Array([1, 2]);
    assert.equal(el('ComposeMail', 'Mime', bytes).children[0], bytes);
  });
});

describe('queries', () => {
  test('child matches by tag, optionally by namespace; null-safe', () => {
    assert.equal(child(doc, 'Status')?.ns, 'Provision');
    assert.equal(child(doc, 'DeviceInformation', 'Settings')?.tag, 'DeviceInformation');
    assert.equal(child(doc, 'DeviceInformation', 'Provision'), null);
    assert.equal(child(null, 'Status'), null);
    assert.equal(child(child(doc, 'Nope'), 'Status'), null);
  });

  test('children filters by tag and namespace, or lists all elements', () => {
    const policies = child(doc, 'Policies');
    assert.equal(children(policies, 'Policy').length, 2);
    assert.equal(children(doc).length, 3);
    assert.equal(children(doc, undefined, 'Settings').length, 1);
    assert.deepEqual(children(undefined, 'Policy'), []);
  });

  test('text and childText', () => {
    assert.equal(text(child(doc, 'Status')), '1');
    assert.equal(text(null), '');
    assert.equal(text(el('AirSync', 'SyncKey', 'a', new Uint8Array([0x62]), 'c')), 'ac');
    assert.equal(childText(path(doc, 'Policies', 'Policy'), 'PolicyType'), 'MS-EAS-Provisioning-WBXML');
    assert.equal(childText(path(doc, 'Policies', 'Policy'), 'Status'), '');
    assert.equal(childText(path(doc, 'Policies', 'Policy'), 'PolicyKey'), null);
    assert.equal(childText(null, 'PolicyKey'), null);
  });

  test('path follows first matches, with optional [ns, tag] steps', () => {
    assert.equal(text(path(doc, 'Policies', 'Policy', 'PolicyType')), 'MS-EAS-Provisioning-WBXML');
    assert.equal(text(path(doc, ['Settings', 'DeviceInformation'], ['Settings', 'Status'])), '1');
    assert.equal(path(doc, ['Provision', 'DeviceInformation']), null);
    assert.equal(path(doc, 'Policies', 'Nope', 'PolicyType'), null);
    assert.equal(path(doc), doc);
  });

  test('contentBytes joins opaque and UTF-8 string content', () => {
    assert.deepEqual(
      [...(contentBytes(el('ComposeMail', 'Mime', 'é', new Uint8Array([1]))) ?? [])],
      [0xc3, 0xa9, 1],
    );
    const only = new Uint8Array([5]);
    assert.equal(contentBytes(el('ComposeMail', 'Mime', only)), only);
    assert.deepEqual(contentBytes(el('ComposeMail', 'Mime')), new Uint8Array(0));
    assert.equal(contentBytes(null), null);
  });

  test('isElement', () => {
    assert.ok(isElement(doc));
    assert.ok(!isElement('x'));
    assert.ok(!isElement(new Uint8Array()));
    assert.ok(!isElement(null));
  });
});
