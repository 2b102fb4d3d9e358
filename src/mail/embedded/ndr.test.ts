import assert from 'node:assert/strict';
import { test } from 'node:test';
import { simpleParser } from 'mailparser';
import { enhancedStatus, nonDeliveryReport } from './ndr.js';

const ORIGINAL = Buffer.from(
  [
    'From: alice@corp.example',
    'To: bob@example.net, carol@example.net',
    'Bcc: secret@example.net',
    'Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=',
    ' and more',
    'Message-ID: <orig-1@corp.example>',
    '',
    'body that must not be in the report',
  ].join('\r\n'),
);

test('a non-delivery report is an RFC 3464 multipart/report to the sender', async () => {
  const raw = nonDeliveryReport({
    sender: 'alice@corp.example',
    original: ORIGINAL,
    undelivered: [{ address: 'carol@example.net', diagnostic: '550 5.1.1 no such user', status: '5.1.1' }],
    now: new Date('2026-01-02T03:04:05Z'),
    reportingHost: 'syncward',
  });
  const text = raw.toString('utf8');
  assert.match(text, /^Content-Type: multipart\/report; report-type=delivery-status;/m);
  assert.match(
    text,
    /^Final-Recipient: rfc822; carol@example\.net\r\nAction: failed\r\nStatus: 5\.1\.1\r\n/m,
  );
  assert.doesNotMatch(text, /secret@example\.net/, 'Bcc stays hidden');
  assert.doesNotMatch(text, /must not be in the report/);
  const parsed = await simpleParser(raw);
  assert.equal(parsed.subject, 'Undeliverable: Grüße and more');
  assert.equal((parsed.to as { text: string }).text, 'alice@corp.example');
  assert.match(parsed.text ?? '', /carol@example\.net: 550 5\.1\.1 no such user/);
  assert.equal(parsed.headers.get('auto-submitted'), 'auto-replied');
});

test('hostile values cannot inject headers or fields', () => {
  const raw = nonDeliveryReport({
    sender: 'alice@corp.example\r\nBcc: x@evil.example',
    original: Buffer.from('Subject: hi\r\nX: y'),
    undelivered: [
      { address: 'a@b\r\nAction: delivered', diagnostic: '550\r\nStatus: 2.0.0', status: '5.0.0' },
    ],
    now: new Date(0),
    reportingHost: 'syncward',
  }).toString('utf8');
  assert.doesNotMatch(raw, /^Bcc:/m);
  assert.doesNotMatch(raw, /^Action: delivered/m);
  assert.doesNotMatch(raw, /^Status: 2\.0\.0/m);
});

test('enhanced status from the reply, else from the code', () => {
  assert.equal(enhancedStatus('550 5.1.1 <x>: no such user', 550), '5.1.1');
  assert.equal(enhancedStatus('452 4.2.2 mailbox full', 452), '4.2.2');
  assert.equal(enhancedStatus('450 try later', 450), '4.0.0');
  assert.equal(enhancedStatus('550 no', 550), '5.0.0');
  assert.equal(enhancedStatus('refused', null), '5.0.0');
});
