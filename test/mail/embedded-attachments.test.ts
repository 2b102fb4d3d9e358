// Attachment ranges of the embedded backend (src/mail/embedded/part-ranges.ts): an attachment whose
// encoded range was recorded at delivery is read from that range and decoded; its bytes must equal
// what re-parsing the whole message gives. Parts the scan cannot vouch for get no range.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createEmbeddedBackend } from '../../src/mail/embedded/index.js';
import { attachmentStream } from '../../src/mail/embedded/mime.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { makeUser } from '../store/conformance/fixtures.js';
import {
  base64Lines,
  bigAttachmentMessage,
  inbox,
  readAll,
  richMessage,
  uniqueId,
} from './conformance/fixtures.js';

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

function message(contentType: string, body: string[], eol = '\r\n'): Buffer {
  const head = [
    'From: sender@example.net',
    'To: bob@example.net',
    'Subject: parts',
    `Message-ID: <${uniqueId()}>`,
    'MIME-Version: 1.0',
    `Content-Type: ${contentType}`,
  ];
  return Buffer.from([...head, ...body].join(eol), 'latin1');
}

const BIN = randomBytes(50_000);
const TEXT = 'a,b,c\r\n1,2,3\r\nGrüße\r\n';

/** [name, mime, part ids expected to get a range]. */
function fixtures(): Array<[string, Buffer, string[]]> {
  const qp = 'Zeile 1: Gr=FC=DFe, a long line that is cut here=\r\n and goes on =3D equal\r\nend=';
  return [
    ['alternative + inline image + PDF + quoted-printable text', richMessage().mime, ['1.2', '2', '3']],
    ['3 MB base64', bigAttachmentMessage(3_000_000).mime, ['2']],
    [
      'the message is one base64 part',
      message('application/pdf; name="a.pdf"', [
        'Content-Transfer-Encoding: base64',
        '',
        base64Lines(BIN),
        '',
      ]),
      ['1'],
    ],
    [
      '8bit and 7bit attachments, preamble, epilogue, quoted boundary',
      message('multipart/mixed; boundary="x y"', [
        '',
        'preamble',
        '--x y',
        'Content-Type: text/plain',
        '',
        'body',
        '--x y',
        'Content-Type: text/csv; charset=utf-8',
        'Content-Transfer-Encoding: 8bit',
        'Content-Disposition: attachment; filename="a.csv"',
        '',
        TEXT,
        '--x y',
        'Content-Type: application/octet-stream',
        'Content-Disposition: attachment; filename="b.bin"',
        '',
        'no encoding header',
        '--x y--',
        'epilogue',
        '',
      ]),
      ['2', '3'],
    ],
    [
      'quoted-printable with soft breaks and a trailing =',
      message('multipart/mixed; boundary=b', [
        '',
        '--b',
        'Content-Type: text/plain',
        '',
        'body',
        '--b',
        'Content-Type: text/plain; charset=iso-8859-1',
        'Content-Transfer-Encoding: quoted-printable',
        'Content-Disposition: attachment; filename="q.txt"',
        '',
        qp,
        '--b--',
        '',
      ]),
      ['2'],
    ],
    [
      'LF line endings, nested multipart',
      message(
        'multipart/mixed; boundary=outer',
        [
          '',
          '--outer',
          'Content-Type: multipart/alternative; boundary=inner',
          '',
          '--inner',
          'Content-Type: text/plain',
          '',
          'plain',
          '--inner',
          'Content-Type: text/html',
          '',
          '<p>html</p>',
          '--inner--',
          '--outer',
          'Content-Type: image/png',
          'Content-Transfer-Encoding: base64',
          'Content-Disposition: attachment; filename="p.png"',
          '',
          base64Lines(BIN.subarray(0, 3000)).replaceAll('\r\n', '\n'),
          '--outer--',
          '',
        ],
        '\n',
      ),
      ['2'],
    ],
    [
      'a forwarded message (the whole message/rfc822 part)',
      message('multipart/mixed; boundary=f', [
        '',
        '--f',
        'Content-Type: text/plain',
        '',
        'see below',
        '--f',
        'Content-Type: message/rfc822',
        '',
        'Subject: inner',
        'Content-Type: multipart/mixed; boundary=g',
        '',
        '--g',
        'Content-Type: text/plain',
        '',
        'inner body',
        '--g',
        'Content-Type: application/octet-stream',
        'Content-Transfer-Encoding: base64',
        'Content-Disposition: attachment; filename="i.bin"',
        '',
        base64Lines(BIN.subarray(0, 900)),
        '--g--',
        '',
        '--f--',
        '',
      ]),
      ['2'],
    ],
    [
      'every base64 line padded, and uuencode: parsed, not ranged',
      message('multipart/mixed; boundary=u', [
        '',
        '--u',
        'Content-Type: application/octet-stream',
        'Content-Transfer-Encoding: base64',
        'Content-Disposition: attachment; filename="padded.bin"',
        '',
        'YQ==',
        'Yg==',
        '--u',
        'Content-Type: application/octet-stream',
        'Content-Transfer-Encoding: x-uuencode',
        'Content-Disposition: attachment; filename="u.bin"',
        '',
        'begin 644 u.bin',
        '#86)C',
        '`',
        'end',
        '--u--',
        '',
      ]),
      [],
    ],
  ];
}

test('a ranged attachment reads back as a full parse gives it', async () => {
  const store = await createSqliteStore({ path: ':memory:' });
  const user = makeUser();
  await store.putUser(user);
  const backend = createEmbeddedBackend({ store, log: silent });
  try {
    const session = await backend.open(user, { username: user.username, password: 'unused' });
    const folderId = (await inbox(session)).id;
    for (const [name, mime, ranged] of fixtures()) {
      const id = await session.appendMessage(folderId, mime);
      const [stored] = (await store.getMailMessages(user.id, folderId, [Number(id)])) ?? [];
      assert.ok(stored, name);
      const got = stored.summary.attachments.filter((a) => a.encoded).map((a) => a.partId);
      assert.deepEqual(got.sort(), [...ranged].sort(), `${name}: parts with a range`);
      for (const a of stored.summary.attachments) {
        const opened = await session.openAttachment(folderId, id, a.partId);
        assert.ok(opened, `${name} ${a.partId}`);
        const fetched = await readAll(opened.stream);
        const whole = await session.openMime(folderId, id);
        assert.ok(whole);
        const parsed = await readAll(attachmentStream(whole.stream, a.partId));
        assert.ok(fetched.equals(parsed), `${name} ${a.partId}: same bytes as a parse`);
        assert.equal(fetched.length, a.size, `${name} ${a.partId}: size`);
      }
      const [headers] = await session.getHeaders(folderId, [id]);
      assert.ok(
        headers?.attachments.every((a) => !('encoded' in a)),
        `${name}: no range in headers`,
      );
    }
  } finally {
    await backend.close();
    await store.close();
  }
});
