// The device's MIME made ours: header parsing (hostile input gives 107, never an exception of
// another kind), recipients (119, 116), From/Sender replaced, Date and Message-ID added, body bytes
// untouched, line endings kept, Forwardees joined to To.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { EasStatusError } from '../../errors.js';
import { checkMessage, displayName, headerFields, recipientsOf, stampMessage } from './mime.js';

const FROM = { name: 'Ana Núñez', address: 'ana@example.com' };
const NOW = new Date('2024-05-01T08:00:00Z');

function statusOf(fn: () => unknown): number {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof EasStatusError, `not a status: ${String(err)}`);
    return err.status;
  }
  return 0;
}

test('headerFields: folded fields kept whole; anything that is not a header block is null', () => {
  const ok = headerFields(Buffer.from('To: a@b.c,\r\n  d@e.f\r\nSubject: x\r\n\r\nbody'));
  assert.deepEqual(ok, ['To: a@b.c,\r\n  d@e.f\r\n', 'Subject: x']);
  for (const bad of [
    '',
    '\r\n\r\nbody only',
    ' continuation first: x\r\n\r\n',
    'no colon here\r\n\r\n',
    'To: a@b\0\r\n\r\n',
    `X: ${'a'.repeat(300 * 1024)}\r\n\r\n`,
  ]) {
    assert.equal(headerFields(Buffer.from(bad)), null, JSON.stringify(bad.slice(0, 30)));
  }
});

test('recipientsOf and checkMessage: 119 without recipients, 116 for a non-address', () => {
  const f = headerFields(
    Buffer.from('To: "A" <a@x.org>, b@y.org\r\nCc: team: c@z.org, a@x.org;\r\nBcc: d@w.org\r\n\r\n'),
  );
  assert.deepEqual(recipientsOf(f ?? []).valid, ['a@x.org', 'b@y.org', 'c@z.org', 'd@w.org']);
  assert.equal(
    statusOf(() => checkMessage(Buffer.from('Subject: x\r\n\r\ny'))),
    119,
  );
  assert.equal(
    statusOf(() => checkMessage(Buffer.from('To: undisclosed-recipients:;\r\n\r\ny'))),
    119,
  );
  assert.equal(
    statusOf(() => checkMessage(Buffer.from('To: bob\r\n\r\ny'))),
    116,
  );
  assert.equal(
    statusOf(() => checkMessage(Buffer.from('Subject: x\r\n\r\ny'), ['e@x.org'])),
    0,
    'Forwardees count',
  );
  assert.equal(
    statusOf(() => checkMessage(Buffer.from('To: a@x.org\r\n\r\ny'), ['not an address'])),
    116,
  );
  assert.equal(
    statusOf(() => checkMessage(Buffer.from([0xff, 0xfe, 0, 1]))),
    107,
  );
});

test('stampMessage: our From first, device From/Sender/Return-Path gone, Date and Message-ID added, body untouched', () => {
  const body = Buffer.concat([Buffer.from('\r\n'), randomBytes(64), Buffer.from('\r\nend\r\n')]);
  const head =
    'From: "CEO" <ceo@evil.example>\r\nSender: x@evil.example\r\nReturn-Path: <x@evil.example>\r\nTo: b@example.org\r\nSubject: S\u00e9\r\n';
  const mime = Buffer.concat([Buffer.from(head, 'latin1'), body]);
  const out = stampMessage(mime, FROM, NOW);
  const text = out.toString('latin1');
  assert.match(text, /^From: =\?utf-8\?B\?[A-Za-z0-9+/=]+\?= <ana@example\.com>\r\n/);
  assert.doesNotMatch(text, /evil/);
  assert.match(text, /\r\nDate: Wed, 01 May 2024 08:00:00 \+0000\r\n/);
  assert.match(text, /\r\nMessage-ID: <[0-9a-f-]+@example\.com>\r\n/);
  assert.match(text, /\r\nSubject: S\u00e9\r\n/, '8-bit header bytes kept as they were');
  assert.ok(out.subarray(out.length - body.length).equals(body), 'body bytes unchanged');
  // An existing Date / Message-ID stays; LF-only messages stay LF-only.
  const lf = stampMessage(
    Buffer.from('To: b@example.org\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <m@x>\n\nhi\n'),
    FROM,
    NOW,
  );
  assert.equal(
    lf.toString(),
    `From: ${displayName(FROM.name)} <ana@example.com>\nTo: b@example.org\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <m@x>\n\nhi\n`,
  );
  // A message without a body gets the blank line.
  assert.match(
    stampMessage(Buffer.from('To: b@example.org'), { name: null, address: 'a@x.org' }, NOW).toString(),
    /^From: a@x\.org\r?\n[\s\S]*To: b@example\.org\r?\n\r?\n$/,
  );
});

test('stampMessage: Forwardees join the To field, or make one', () => {
  const extra = [{ name: 'Eve', address: 'eve@example.org' }];
  const joined = stampMessage(Buffer.from('To: a@x.org,\r\n b@x.org\r\nSubject: s\r\n\r\nbody'), FROM, NOW, {
    to: extra,
  }).toString();
  assert.match(joined, /\r\nTo: a@x\.org,\r\n b@x\.org, "Eve" <eve@example\.org>\r\nSubject: s\r\n/);
  const made = stampMessage(Buffer.from('Subject: s\r\n\r\nbody'), FROM, NOW, { to: extra }).toString();
  assert.match(made, /\r\nTo: "Eve" <eve@example\.org>\r\n/);
});

test('hostile MIME never escapes as anything but a protocol status', () => {
  const seeds = [
    'To: a@b.c\r\n\r\n',
    'To: "unterminated <a@b.c\r\n\r\n',
    'To: =?utf-8?B?////?= <a@b.c>\r\n\r\n',
    'To: a@b.c\r\nContent-Type: multipart/mixed; boundary=\r\n\r\n--\r\n',
    ':\r\n\r\n',
  ];
  for (let i = 0; i < 500; i++) {
    const seed = Buffer.from(seeds[i % seeds.length] as string);
    const noise = randomBytes(i % 64);
    const at = i % (seed.length + 1);
    const mime = Buffer.concat([seed.subarray(0, at), noise, seed.subarray(at)]);
    try {
      stampMessage(mime, FROM, NOW);
    } catch (err) {
      assert.ok(err instanceof EasStatusError, `input ${mime.toString('hex')}: ${String(err)}`);
      assert.ok([107, 116, 119].includes(err.status));
    }
  }
});
