import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_POLICY_SETTINGS } from '../../policy/defaults.js';
import { el } from '../../wbxml/index.js';
import { MAX_BODY_BYTES, chooseBody, htmlToText, loadBody, parseBodyOptions, truncateUtf8 } from './body.js';
import type { BodyOptions } from './body.js';
import { syncFixture } from './test-support.js';

const POLICY = DEFAULT_POLICY_SETTINGS;
const opts = (prefs: BodyOptions['prefs'], extra: Partial<BodyOptions> = {}): BodyOptions => ({
  prefs,
  mimeSupport: null,
  mimeTruncation: null,
  ...extra,
});
const pref = (type: 1 | 2 | 3 | 4, truncationSize: number | null = null, allOrNone = false) => ({
  type,
  truncationSize,
  allOrNone,
  preview: null,
});

test('BodyPreference parsing, and malformed values refused', () => {
  const b = (tag: string, v: string | number) => el('AirSyncBase', tag, v);
  const o = el(
    'AirSync',
    'Options',
    el(
      'AirSyncBase',
      'BodyPreference',
      b('Type', 2),
      b('TruncationSize', 5120),
      b('AllOrNone', 1),
      b('Preview', 999),
    ),
    el('AirSync', 'MIMESupport', 2),
  );
  assert.deepEqual(parseBodyOptions(o), {
    prefs: [{ type: 2, truncationSize: 5120, allOrNone: true, preview: 255 }],
    mimeSupport: 2,
    mimeTruncation: null,
  });
  for (const bad of [
    el('AirSync', 'Options', el('AirSyncBase', 'BodyPreference', b('Type', 9))),
    el('AirSync', 'Options', el('AirSyncBase', 'BodyPreference')),
    el('AirSync', 'Options', el('AirSyncBase', 'BodyPreference', b('Type', 1), b('TruncationSize', '-5'))),
    el('AirSync', 'Options', el('AirSync', 'MIMESupport', 7)),
  ]) {
    assert.equal(parseBodyOptions(bad), null);
  }
});

test('the richest listed type we serve wins; RTF never; MIME only with MIMESupport allowing it', () => {
  assert.equal(chooseBody(opts([pref(1), pref(2)]), POLICY).type, 2);
  assert.equal(chooseBody(opts([pref(3)]), POLICY).type, 1, 'RTF only: plain text');
  assert.equal(chooseBody(opts([pref(2), pref(4)], { mimeSupport: 2 }), POLICY).type, 4);
  assert.equal(chooseBody(opts([pref(2), pref(4)], { mimeSupport: 0 }), POLICY).type, 2);
  assert.equal(chooseBody(opts([pref(4)], { mimeSupport: 1 }), POLICY).type, 1, 'S/MIME only, not S/MIME');
  assert.equal(chooseBody(opts([pref(4)], { mimeSupport: 1 }), POLICY, true).type, 4);
  assert.equal(chooseBody(opts([]), POLICY).type, 1, 'no preference: plain');
  assert.equal(chooseBody(opts([], { mimeSupport: 2 }), POLICY).type, 4, '12.x MIMESupport alone');
});

test('the policy clamps: no HTML when AllowHTMLEmail is off, truncation sizes in KB', () => {
  const strict = {
    ...POLICY,
    AllowHTMLEmail: false,
    MaxEmailBodyTruncationSize: 1,
    MaxEmailHTMLBodyTruncationSize: 2,
  };
  assert.deepEqual(chooseBody(opts([pref(2, 100_000)]), strict), {
    type: 1,
    limit: 1024,
    allOrNone: false,
    preview: null,
  });
  assert.equal(chooseBody(opts([pref(2, 100_000)]), { ...strict, AllowHTMLEmail: true }).limit, 2048);
  assert.equal(chooseBody(opts([pref(1, 100)]), strict).limit, 100);
  // MIMETruncation codes apply to MIME when no TruncationSize is given.
  assert.equal(chooseBody(opts([pref(4)], { mimeSupport: 2, mimeTruncation: 1 }), POLICY).limit, 4096);
  assert.equal(chooseBody(opts([pref(4)], { mimeSupport: 2, mimeTruncation: 8 }), POLICY).limit, null);
});

test('UTF-8 truncation never splits a character', () => {
  assert.deepEqual(truncateUtf8('héllo', 2), { data: 'h', truncated: true, size: 6 });
  assert.deepEqual(truncateUtf8('héllo', 3), { data: 'hé', truncated: true, size: 6 });
  assert.deepEqual(truncateUtf8('👋x', 3), { data: '', truncated: true, size: 5 });
  assert.deepEqual(truncateUtf8('abc', 3), { data: 'abc', truncated: false, size: 3 });
});

test('HTML to text keeps the words', () => {
  assert.equal(
    htmlToText('<style>p{}</style><p>Hello&nbsp;<b>you</b> &amp; &#8364;1</p><br>x'),
    'Hello you & €1\n\nx',
  );
});

test('loadBody: EstimatedDataSize is the whole, Truncated and AllOrNone as asked, MIME streamed', async () => {
  const fx = await syncFixture();
  const id = await fx.deliver('long', { body: 'x'.repeat(5000) });
  const inbox = fx.folderIdOf('inbox');
  const cut = await loadBody(fx.session, inbox, id, { type: 1, limit: 100, allOrNone: false, preview: 10 });
  assert.ok((cut?.estimatedSize ?? 0) > 5000, 'the whole body, not the sent part');
  assert.equal(cut?.truncated, true);
  assert.equal((cut?.data as string).length, 100);
  assert.equal(cut?.preview, 'xxxxxxxxxx');
  const none = await loadBody(fx.session, inbox, id, { type: 1, limit: 100, allOrNone: true, preview: null });
  assert.equal(none?.data, null);
  assert.equal(none?.truncated, true);
  const fetch = await loadBody(
    fx.session,
    inbox,
    id,
    { type: 1, limit: 100, allOrNone: true, preview: null },
    true,
  );
  assert.equal(fetch?.truncated, false, 'Fetch ignores the truncation size');
  const mime = await loadBody(fx.session, inbox, id, { type: 4, limit: 50, allOrNone: false, preview: null });
  assert.equal(mime?.type, 4);
  assert.ok((mime?.estimatedSize ?? 0) > 5000);
  assert.equal((mime?.data as string).length, 50);
  assert.ok((mime?.data as string).startsWith('From: '));
  const html = await loadBody(fx.session, inbox, id, {
    type: 2,
    limit: null,
    allOrNone: false,
    preview: null,
  });
  assert.match(html?.data as string, /^<html><body><div>x+<br><\/div><\/body><\/html>$/);
  assert.equal(html?.native, 1);
  assert.equal(
    await loadBody(fx.session, inbox, '999', { type: 1, limit: null, allOrNone: false, preview: null }),
    null,
  );
  assert.ok(MAX_BODY_BYTES >= 512 * 1024);
});
