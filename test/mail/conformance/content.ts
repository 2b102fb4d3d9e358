// getHeaders and getBodies: envelope fields, importance, attachments with part ids and inline
// Content-IDs, bodies decoded from their charset and transfer encoding, missing messages.
import assert from 'node:assert/strict';
import { MailNotFoundError } from '../../../src/mail/types.js';
import {
  PDF_BYTES,
  PNG_BYTES,
  assertContains,
  base64Lines,
  charsetMessage,
  inbox,
  richMessage,
  simpleMessage,
  waitForMessages,
} from './fixtures.js';
import type { MailTest } from './index.js';

/** Decoded sizes may be estimated from the encoded size (IMAP BODYSTRUCTURE): allow 3 %. */
function assertAbout(actual: number, expected: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= expected * 0.03 + 16,
    `${what}: ${actual} is not about ${expected}`,
  );
}

const CHARSETS: Array<{
  charset: string;
  hex: string;
  encoding: 'base64' | 'quoted-printable' | '8bit';
  text: string;
}> = [
  {
    charset: 'utf-8',
    hex: Buffer.from('Grüße, 你好, 👋').toString('hex'),
    encoding: '8bit',
    text: 'Grüße, 你好, 👋',
  },
  {
    charset: 'iso-8859-1',
    hex: '4772fcdf6520617573204bf66c6e',
    encoding: 'quoted-printable',
    text: 'Grüße aus Köln',
  },
  {
    charset: 'windows-1252',
    hex: '50726569733a20352080209620936f6b94',
    encoding: 'quoted-printable',
    text: 'Preis: 5 € – “ok”',
  },
  { charset: 'koi8-r', hex: 'f0d2c9d7c5d42c20cdc9d2', encoding: 'base64', text: 'Привет, мир' },
  { charset: 'windows-1251', hex: 'c4eee1f0fbe920e4e5edfc', encoding: '8bit', text: 'Добрый день' },
  {
    charset: 'iso-2022-jp',
    hex: '1b244224332473244b2441244f402433261b2842',
    encoding: '8bit',
    text: 'こんにちは世界',
  },
  { charset: 'shift_jis', hex: '93fa967b8cea8365834c83588367', encoding: 'base64', text: '日本語テキスト' },
];

export function contentTests(mailTest: MailTest): void {
  mailTest('headers carry the envelope, importance, size and folder', async ({ session, harness, user }) => {
    const box = await inbox(session);
    const mime = simpleMessage({
      subject: '=?utf-8?B?' + Buffer.from('Grüße – Bericht').toString('base64') + '?=',
      from: '=?utf-8?Q?J=C3=B6rg?= <joerg@example.net>',
      to: 'Bob <bob@example.net>, carol@example.net',
      cc: 'Dave <dave@example.net>',
      headers: ['Reply-To: replies@example.net', 'Importance: high'],
      date: 'Tue, 02 Jan 2024 10:00:00 +0000',
      messageId: 'fixed-id-1@conformance.test',
    });
    await harness.deliver(user, mime);
    const [entry] = await waitForMessages(session, box.id, 1);
    const [h] = await session.getHeaders(box.id, [entry?.id ?? '']);
    assert.ok(h);
    assert.equal(h.id, entry?.id);
    assert.equal(h.folderId, box.id);
    assert.equal(h.subject, 'Grüße – Bericht');
    assert.deepEqual(h.from, [{ name: 'Jörg', address: 'joerg@example.net' }]);
    assert.deepEqual(h.to, [
      { name: 'Bob', address: 'bob@example.net' },
      { name: null, address: 'carol@example.net' },
    ]);
    assert.deepEqual(h.cc, [{ name: 'Dave', address: 'dave@example.net' }]);
    assert.deepEqual(h.replyTo, [{ name: null, address: 'replies@example.net' }]);
    assert.equal(h.messageId, '<fixed-id-1@conformance.test>');
    assert.equal(h.date.toISOString(), '2024-01-02T10:00:00.000Z');
    assert.equal(h.importance, 'high');
    assert.deepEqual(h.attachments, []);
    // Delivery may add trace headers (Return-Path, Received), never remove anything.
    assert.ok(h.size >= mime.length && h.size < mime.length + 2048, `size ${h.size} vs ${mime.length}`);
    assert.deepEqual(h.flags, entry?.flags);
    assert.equal(h.receivedAt.getTime(), entry?.receivedAt.getTime());
  });

  mailTest('importance from X-Priority, and the Date fallback to receivedAt', async ({ session }) => {
    const box = await inbox(session);
    const low = await session.appendMessage(box.id, simpleMessage({ headers: ['X-Priority: 5 (Lowest)'] }));
    const normal = await session.appendMessage(box.id, simpleMessage({ date: null }));
    const headers = await session.getHeaders(box.id, [low, normal]);
    const byId = new Map(headers.map((h) => [h.id, h]));
    assert.equal(byId.get(low)?.importance, 'low');
    const n = byId.get(normal);
    assert.equal(n?.importance, 'normal');
    assert.ok(
      n && Math.abs(n.date.getTime() - n.receivedAt.getTime()) < 2000,
      'no Date header: date is receivedAt',
    );
  });

  mailTest('attachments have part ids, names, types, sizes and inline Content-IDs', async ({ session }) => {
    const box = await inbox(session);
    const id = await session.appendMessage(box.id, richMessage().mime);
    const [h] = await session.getHeaders(box.id, [id]);
    assert.ok(h);
    assert.equal(h.attachments.length, 3);
    const partIds = h.attachments.map((a) => a.partId);
    assert.equal(new Set(partIds).size, 3, 'part ids are unique');
    const png = h.attachments.find((a) => a.contentType === 'image/png');
    const pdf = h.attachments.find((a) => a.contentType === 'application/pdf');
    const txt = h.attachments.find((a) => a.contentType === 'text/plain');
    assert.ok(png && pdf && txt);
    assert.equal(png.fileName, 'chart.png');
    assert.equal(png.inline, true);
    assert.equal(png.contentId, 'chart-1@example.net');
    assertAbout(png.size, PNG_BYTES.length, 'png size');
    assert.equal(pdf.fileName, 'report.pdf');
    assert.equal(pdf.inline, false);
    assert.equal(pdf.contentId, null);
    assertAbout(pdf.size, PDF_BYTES.length, 'pdf size');
    assert.equal(txt.fileName, 'notes.txt');
    assert.equal(txt.inline, false);
  });

  mailTest('missing and malformed ids are left out of getHeaders', async ({ session }) => {
    const box = await inbox(session);
    const id = await session.appendMessage(box.id, simpleMessage());
    const headers = await session.getHeaders(box.id, ['999999', id, 'not-an-id', '']);
    assert.deepEqual(
      headers.map((h) => h.id),
      [id],
    );
    assert.deepEqual(await session.getHeaders(box.id, []), []);
  });

  mailTest('bodies: text and html alternatives, decoded', async ({ session }) => {
    const box = await inbox(session);
    const id = await session.appendMessage(box.id, richMessage().mime);
    const b = await session.getBodies(box.id, id);
    assert.ok(b);
    assert.ok(b.text);
    assert.ok(b.html);
    assertContains(b.text, 'See the chart. Grüße');
    assertContains(b.html, '<img src="cid:chart-1@example.net">');
    assertContains(b.html, 'Grüße');
  });

  mailTest('bodies are decoded from their charset and transfer encoding', async ({ session }) => {
    const box = await inbox(session);
    for (const c of CHARSETS) {
      const id = await session.appendMessage(box.id, charsetMessage(c.charset, c.hex, c.encoding));
      const b = await session.getBodies(box.id, id);
      assert.ok(b?.text, `${c.charset}: has a text body`);
      assert.equal(b.text.trim(), c.text, `${c.charset} (${c.encoding})`);
      assert.equal(b.html, null);
    }
    const htmlId = await session.appendMessage(
      box.id,
      charsetMessage(
        'koi8-r',
        Buffer.concat([Buffer.from('<b>'), Buffer.from('f0d2c9d7c5d4', 'hex'), Buffer.from('</b>')]).toString(
          'hex',
        ),
        'quoted-printable',
        'text/html',
      ),
    );
    const hb = await session.getBodies(box.id, htmlId);
    assert.equal(hb?.text, null);
    assert.equal(hb?.html?.trim(), '<b>Привет</b>');
  });

  mailTest('bodies: HTML only, beside an attachment, in a legacy charset', async ({ session }) => {
    const box = await inbox(session);
    const mime = Buffer.from(
      [
        'From: sender@example.net',
        'To: bob@example.net',
        'Subject: html only',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="m-b"',
        '',
        '--m-b',
        'Content-Type: text/html; charset=windows-1252',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        '<p>Preis: 5 =80 =96 =93ok=94</p>',
        '--m-b',
        'Content-Type: application/pdf; name="a.pdf"',
        'Content-Transfer-Encoding: base64',
        'Content-Disposition: attachment; filename="a.pdf"',
        '',
        base64Lines(PDF_BYTES),
        '--m-b--',
        '',
      ].join('\r\n'),
    );
    const id = await session.appendMessage(box.id, mime);
    const b = await session.getBodies(box.id, id);
    assert.equal(b?.text, null);
    assert.equal(b?.html?.trim(), '<p>Preis: 5 € – “ok”</p>');
  });

  mailTest('bodies of several MB are served whole', async ({ session }) => {
    const box = await inbox(session);
    // Over what the embedded backend keeps at delivery (MAX_KEPT_BODY_BYTES), so it parses them.
    const line = 'Quarterly figures, all of them. Grüße.';
    const text = Array.from({ length: 40_000 }, (_, i) => `${i} ${line}`).join('\r\n');
    const html = `<p>${text.replaceAll('\r\n', '</p><p>')}</p>`;
    const mime = Buffer.from(
      [
        'From: sender@example.net',
        'To: bob@example.net',
        'Subject: long',
        'MIME-Version: 1.0',
        'Content-Type: multipart/alternative; boundary="a-b"',
        '',
        '--a-b',
        'Content-Type: text/plain; charset=utf-8',
        '',
        text,
        '--a-b',
        'Content-Type: text/html; charset=utf-8',
        '',
        html,
        '--a-b--',
        '',
      ].join('\r\n'),
    );
    const id = await session.appendMessage(box.id, mime);
    const b = await session.getBodies(box.id, id);
    assert.equal(b?.text?.trim().replaceAll('\r\n', '\n'), text.replaceAll('\r\n', '\n'));
    assert.equal(b?.html?.trim(), html);
  });

  mailTest('getBodies of a missing message is null', async ({ session }) => {
    const box = await inbox(session);
    assert.equal(await session.getBodies(box.id, '999999'), null);
    assert.equal(await session.getBodies(box.id, 'nope'), null);
  });

  mailTest('every per-folder call on an unknown folder fails with MailNotFoundError', async ({ session }) => {
    const box = await inbox(session);
    const id = await session.appendMessage(box.id, simpleMessage());
    const x = 'no-such-folder';
    await assert.rejects(session.getHeaders(x, ['1']), MailNotFoundError);
    await assert.rejects(session.getBodies(x, '1'), MailNotFoundError);
    await assert.rejects(session.openMime(x, '1'), MailNotFoundError);
    await assert.rejects(session.openAttachment(x, '1', '2'), MailNotFoundError);
    await assert.rejects(session.setFlags(x, ['1'], { read: true }), MailNotFoundError);
    await assert.rejects(session.deleteMessages(x, ['1']), MailNotFoundError);
    await assert.rejects(session.moveMessages(x, ['1'], box.id), MailNotFoundError);
    await assert.rejects(session.moveMessages(box.id, [id], x), MailNotFoundError);
    await assert.rejects(session.appendMessage(x, simpleMessage()), MailNotFoundError);
    assert.equal((await session.listMessages(box.id)).entries.length, 1, 'the failed move left the message');
  });
}
