// Pure helpers: BODYSTRUCTURE walking, sizes, importance, UID sets, checkpoints and error mapping
// (the SMTP header handling is src/mail/headers.ts, tested there).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MessageStructureObject } from 'imapflow';
import { MailAuthError, MailBackendError, MailFolderExistsError, MailNotFoundError } from '../types.js';
import { makeCheckpoint, parseCheckpoint } from './checkpoint.js';
import { toMailError } from './errors.js';
import { imapflowLogger, redact } from './log.js';
import { attachmentsOf, bodyParts, decodedSize, importanceOf, parseUid, toSequenceSet } from './structure.js';

const tree: MessageStructureObject = {
  type: 'multipart/mixed',
  childNodes: [
    {
      part: '1',
      type: 'multipart/related',
      childNodes: [
        {
          part: '1.1',
          type: 'multipart/alternative',
          childNodes: [
            { part: '1.1.1', type: 'text/plain', size: 10 },
            { part: '1.1.2', type: 'text/html', size: 20 },
          ],
        },
        { part: '1.2', type: 'image/png', id: '<img1@x>', encoding: 'base64', size: 78 * 100 },
      ],
    },
    {
      part: '2',
      type: 'application/pdf',
      disposition: 'attachment',
      dispositionParameters: { filename: 'a.pdf' },
      encoding: 'base64',
      size: 780,
    },
    { part: '3', type: 'text/plain', disposition: 'attachment', parameters: { name: 'n.txt' }, size: 5 },
    {
      part: '4',
      type: 'message/rfc822',
      envelope: { subject: 'Fwd' },
      childNodes: [{ part: '4.1', type: 'text/plain' }],
    },
  ],
};

describe('imap structure helpers', () => {
  test('attachments: part ids, names, inline Content-IDs, message/rfc822 as one', () => {
    const a = attachmentsOf(tree);
    assert.deepEqual(
      a.map((x) => [x.partId, x.fileName, x.inline, x.contentId]),
      [
        ['1.2', 'attachment-1.2.png', true, 'img1@x'],
        ['2', 'a.pdf', false, null],
        ['3', 'n.txt', false, null],
        ['4', 'Fwd.eml', false, null],
      ],
    );
  });

  test('bodies: the first text/plain and text/html that are not attachments', () => {
    const b = bodyParts(tree);
    assert.equal(b.text?.partId, '1.1.1');
    assert.equal(b.html?.partId, '1.1.2');
    const single = bodyParts({ type: 'text/plain', size: 3 });
    assert.equal(single.text?.partId, '1', 'the root of a single-part message is part 1');
  });

  test('decoded sizes of base64 parts', () => {
    assert.equal(decodedSize({ type: 'x/y', encoding: 'base64', size: 78 * 100 }), 76 * 100 * 0.75);
    assert.equal(decodedSize({ type: 'x/y', encoding: 'quoted-printable', size: 500 }), 500);
  });

  test('importance from Importance, X-Priority and Priority', () => {
    const h = (s: string) => Buffer.from(`${s}\r\n\r\n`);
    assert.equal(importanceOf(h('Importance: High')), 'high');
    assert.equal(importanceOf(h('X-Priority: 1 (Highest)')), 'high');
    assert.equal(importanceOf(h('X-Priority: 5')), 'low');
    assert.equal(importanceOf(h('Priority: non-urgent')), 'low');
    assert.equal(importanceOf(h('Subject: x')), 'normal');
    assert.equal(importanceOf(undefined), 'normal');
  });

  test('UIDs and sequence sets', () => {
    assert.equal(parseUid('42'), 42);
    for (const bad of ['0', '-1', '1.5', 'x', '', '01', '99999999999'])
      assert.equal(parseUid(bad), null, bad);
    assert.equal(toSequenceSet([5, 1, 2, 3, 9, 10, 3]), '1:3,5,9:10');
    assert.equal(toSequenceSet([]), '');
  });

  test('checkpoints: HIGHESTMODSEQ with CONDSTORE, UIDNEXT + count + flags digest without', () => {
    const entries = [
      {
        id: '1',
        receivedAt: new Date(0),
        flags: { read: false, flagged: false, answered: false, forwarded: false },
      },
    ];
    const cs = makeCheckpoint({ uidValidity: 7n, uidNext: 2, exists: 1, highestModseq: 99n }, entries);
    assert.equal(cs, 'imap1:7:m99');
    assert.deepEqual(parseCheckpoint(cs), { uidValidity: '7', highestModseq: '99' });
    const plain = makeCheckpoint({ uidValidity: 7n, uidNext: 2, exists: 1, highestModseq: null }, entries);
    assert.match(plain, /^imap1:7:n2:c1:f[0-9a-f]{16}$/);
    const read = [{ ...entries[0]!, flags: { ...entries[0]!.flags, read: true } }];
    assert.notEqual(
      makeCheckpoint({ uidValidity: 7n, uidNext: 2, exists: 1, highestModseq: null }, read),
      plain,
    );
    assert.notEqual(
      makeCheckpoint({ uidValidity: 8n, uidNext: 2, exists: 1, highestModseq: 99n }, entries),
      cs,
    );
    assert.equal(parseCheckpoint('something else'), null);
  });
});

describe('imap errors and logging', () => {
  test('maps server errors to the typed mail errors', () => {
    assert.ok(toMailError({ authenticationFailed: true }, 'x') instanceof MailAuthError);
    assert.ok(toMailError({ code: 'EAUTH' }, 'x') instanceof MailAuthError);
    assert.ok(toMailError({ mailboxMissing: true }, 'x') instanceof MailNotFoundError);
    assert.ok(toMailError({ serverResponseCode: 'TRYCREATE' }, 'x') instanceof MailNotFoundError);
    assert.ok(toMailError({ serverResponseCode: 'ALREADYEXISTS' }, 'x') instanceof MailFolderExistsError);
    const e = toMailError(Object.assign(new Error('boom secret-pw'), { code: 'ECONNRESET' }), 'imap: x', [
      'secret-pw',
    ]);
    assert.ok(e instanceof MailBackendError);
    assert.equal(e.message, 'imap: x: boom ***');
    assert.equal((e.cause as { code?: string }).code, 'ECONNRESET');
    assert.ok(!JSON.stringify(e.cause).includes('secret-pw'));
  });

  test('the imapflow logger drops protocol traffic and redacts what it forwards', () => {
    const lines: string[] = [];
    const rec = (obj: object, msg?: string) => lines.push(JSON.stringify({ msg, ...obj }));
    const log = imapflowLogger({ debug: rec, info: rec, warn: rec, error: rec }, () => ['hunter22']);
    log.debug({ msg: 'C: 1 LOGIN user hunter22' });
    log.info({ msg: 'S: * OK' });
    log.trace?.({ msg: 'x' });
    assert.equal(lines.length, 0);
    log.error({ msg: 'failed with hunter22', err: new Error('hunter22 rejected'), cid: 'c1' });
    assert.equal(lines.length, 1);
    assert.ok(!lines[0]?.includes('hunter22'));
    assert.equal(redact('a hunter22 b', ['hunter22', 'x']), 'a *** b');
  });
});
