// SmartReply / SmartForward message building: quoting, HTML, threading headers, attachments kept
// on forward, inline pictures of a quoted HTML reply, Bcc kept for the backend, priority.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import { Readable } from 'node:stream';
import { EasStatusError } from '../../errors.js';
import { bodyContent, buildSmartMessage, quoteText } from './smart.js';

const FROM = { name: 'Ana', address: 'ana@example.com' };
const NOW = new Date('2024-05-01T08:00:00Z');
const lines = (l: string[]) => Buffer.from(l.join('\r\n'));

const ORIGINAL_TEXT = lines([
  'From: "Bob" <bob@example.net>',
  'To: ana@example.com',
  'Cc: carol@example.net',
  'Subject: Plan',
  'Date: Tue, 02 Jan 2024 10:00:00 +0000',
  'Message-ID: <plan-1@example.net>',
  'References: <root@example.net>',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Line one',
  '> already quoted',
  '',
]);

const ORIGINAL_HTML = lines([
  'From: "Bob" <bob@example.net>',
  'To: ana@example.com',
  'Subject: Pictures',
  'Message-ID: <pic-1@example.net>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="m"',
  '',
  '--m',
  'Content-Type: multipart/related; boundary="r"',
  '',
  '--r',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<html><head><title>t</title></head><body><p>See <img src="cid:logo@x"></p></body></html>',
  '--r',
  'Content-Type: image/png',
  'Content-ID: <logo@x>',
  'Content-Disposition: inline',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('PNGDATA').toString('base64'),
  '--r--',
  '--m',
  'Content-Type: application/pdf; name="doc.pdf"',
  'Content-Disposition: attachment; filename="doc.pdf"',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('%PDF-1.4 fake').toString('base64'),
  '--m--',
  '',
]);

const device = (o: { subject?: string; body?: string; extra?: string[] } = {}) =>
  lines([
    'From: whoever@device.local',
    'To: "Bob" <bob@example.net>',
    'Cc: carol@example.net',
    'Bcc: secret@example.org',
    ...(o.subject === undefined ? [] : [`Subject: ${o.subject}`]),
    ...(o.extra ?? []),
    'Content-Type: text/plain; charset=utf-8',
    '',
    o.body ?? 'My answer',
    '',
  ]);

test('quoteText and bodyContent', () => {
  assert.equal(quoteText('a\r\n> b\nc\n'), '> a\r\n>> b\r\n> c');
  assert.equal(bodyContent('<html><body class="x"><p>hi</p></body></html>'), '<p>hi</p>');
  assert.equal(
    bodyContent('<html><head><title>x</title></head><p>no body tag</p></html>'),
    '<p>no body tag</p>',
  );
  assert.equal(bodyContent('<b>fragment</b>'), '<b>fragment</b>');
});

test('reply: the device text, then the quoted original; threaded; our From; Bcc kept', async () => {
  const out = await buildSmartMessage({
    kind: 'SmartReply',
    device: device({ subject: 'Re: Plan', extra: ['Importance: high'] }),
    original: ORIGINAL_TEXT,
    from: FROM,
    now: NOW,
  });
  const m = await simpleParser(out);
  assert.equal(m.from?.value[0]?.address, 'ana@example.com');
  assert.equal(m.subject, 'Re: Plan');
  assert.equal(m.inReplyTo, '<plan-1@example.net>');
  assert.deepEqual(m.references, ['<root@example.net>', '<plan-1@example.net>']);
  assert.equal(m.html, false, 'text stays text');
  assert.match(
    m.text ?? '',
    /^My answer\r?\n\r?\nOn Tue, 02 Jan 2024 10:00:00 \+0000, "?Bob"? <bob@example\.net> wrote:\r?\n> Line one\r?\n>> already quoted/,
  );
  assert.match(out.toString(), /^Bcc: secret@example\.org\r$/m);
  assert.equal(m.headers.get('priority'), 'high');
  assert.doesNotMatch(out.toString(), /device\.local/);
});

test('reply to HTML: quoted in a blockquote, the inline picture travels, other attachments do not', async () => {
  const out = await buildSmartMessage({
    kind: 'SmartReply',
    device: device(),
    original: Readable.from([ORIGINAL_HTML]),
    from: FROM,
    now: NOW,
  });
  const m = await simpleParser(out, { skipImageLinks: true });
  assert.equal(m.subject, 'Re: Pictures', 'a subject is made when the device sent none');
  assert.match(
    String(m.html),
    /<div>My answer<\/div>[\s\S]*<blockquote[^>]*><p>See <img src="cid:logo@x"><\/p><\/blockquote>/,
  );
  assert.deepEqual(
    m.attachments.map((a) => [a.contentType, a.cid]),
    [['image/png', 'logo@x']],
  );
});

test('forward: the original under an Original Message block, with all its attachments', async () => {
  const out = await buildSmartMessage({
    kind: 'SmartForward',
    device: device({ subject: 'Fw: Pictures', body: 'Look' }),
    original: ORIGINAL_HTML,
    from: FROM,
    now: NOW,
    extraTo: [{ name: 'Eve', address: 'eve@example.org' }],
  });
  const m = await simpleParser(out, { skipImageLinks: true });
  assert.equal(m.inReplyTo, undefined, 'a forward starts a thread of its own');
  // The original has no Date: no Sent line rather than a made-up one.
  assert.match(
    m.text ?? '',
    /^Look\r?\n\r?\n-----Original Message-----\r?\nFrom: "?Bob"? <bob@example\.net>\r?\nTo: ana@example\.com\r?\nSubject: Pictures/,
  );
  assert.match(String(m.html), /<hr>[\s\S]*<b>Subject:<\/b> Pictures[\s\S]*<img src="cid:logo@x">/);
  assert.deepEqual(m.attachments.map((a) => a.filename ?? a.contentType).sort(), ['doc.pdf', 'image/png']);
  const pdf = m.attachments.find((a) => a.filename === 'doc.pdf');
  assert.equal(pdf?.content.toString(), '%PDF-1.4 fake');
  assert.deepEqual(
    (Array.isArray(m.to) ? m.to : [m.to]).flatMap((t) => t?.value.map((v) => v.address) ?? []),
    ['bob@example.net', 'eve@example.org'],
  );
});

test("forward keeps the device message's own attachments too", async () => {
  const withAtt = lines([
    'To: bob@example.net',
    'Subject: Fw: Plan',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="d"',
    '',
    '--d',
    'Content-Type: text/plain',
    '',
    'plus my notes',
    '--d',
    'Content-Type: text/plain; name="notes.txt"',
    'Content-Disposition: attachment; filename="notes.txt"',
    '',
    'notes',
    '--d--',
    '',
  ]);
  const m = await simpleParser(
    await buildSmartMessage({
      kind: 'SmartForward',
      device: withAtt,
      original: ORIGINAL_TEXT,
      from: FROM,
      now: NOW,
    }),
  );
  assert.deepEqual(
    m.attachments.map((a) => a.filename),
    ['notes.txt'],
  );
  assert.match(m.text ?? '', /Line one/);
});

test('an unreadable original stream is a protocol status, not a crash', async () => {
  const broken = new Readable({
    read() {
      this.destroy(new Error('backend went away'));
    },
  });
  await assert.rejects(
    buildSmartMessage({ kind: 'SmartReply', device: device(), original: broken, from: FROM, now: NOW }),
    (err: unknown) => err instanceof EasStatusError && err.status === 107,
  );
});
