import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import {
  MailReadOnlyError,
  QUARANTINE_SUBJECT,
  buildQuarantineNotice,
  createQuarantineView,
} from './quarantine-view.js';

const input = {
  user: { email: 'ana@corp.example', displayName: 'Ana\r\nBcc: x@y' },
  device: {
    id: 'assoc-1',
    deviceId: 'DEVABC',
    deviceType: 'iPhone',
    model: 'iPhone14C2',
    quarantinedAt: new Date('2024-05-06T07:08:09Z'),
  },
  userMailInsert: 'Call the help desk at 555-0100 <b>now</b>.',
  now: new Date('2024-06-01T00:00:00Z'),
};

test('the notice is a proper MIME message naming the device, the time and the org text', async () => {
  const mime = buildQuarantineNotice(input);
  const p = await simpleParser(mime);
  assert.equal(p.subject, QUARANTINE_SUBJECT);
  assert.equal(p.messageId, '<quarantine-assoc-1@syncward.invalid>');
  assert.equal(p.date?.toISOString(), '2024-05-06T07:08:09.000Z');
  assert.equal(p.headers.get('bcc'), undefined, 'no header injection from the display name');
  for (const s of [
    'pending approval',
    'administrator',
    'Call the help desk at 555-0100',
    'iPhone14C2',
    'iPhone',
    'DEVABC',
    '2024-05-06 07:08:09 UTC',
  ]) {
    assert.ok(p.text?.includes(s), `text has ${s}`);
  }
  assert.ok(typeof p.html === 'string' && p.html.includes('&#60;b&#62;now'), 'org text is escaped in HTML');
  assert.deepEqual(buildQuarantineNotice(input), mime, 'the same notice every time');
});

test('the view: standard folders, exactly one message in the Inbox, stable id, every write refused', async () => {
  const view = await createQuarantineView(input);
  const folders = await view.listFolders();
  assert.deepEqual(
    folders.map((f) => f.role),
    ['inbox', 'drafts', 'deleted', 'sent', 'outbox'],
  );
  const inbox = folders[0]!.id;
  const { entries } = await view.listMessages(inbox);
  assert.equal(entries.length, 1);
  assert.equal(entries[0]?.receivedAt.toISOString(), '2024-05-06T07:08:09.000Z');
  const again = await createQuarantineView(input);
  assert.deepEqual((await again.listMessages(inbox)).entries, entries, 'same id and time on every request');
  for (const f of folders.slice(1)) assert.deepEqual((await view.listMessages(f.id)).entries, []);
  const [h] = await view.getHeaders(inbox, [entries[0]!.id]);
  assert.equal(h?.subject, QUARANTINE_SUBJECT);
  assert.ok((await view.getBodies(inbox, entries[0]!.id))?.html);
  const writes: Array<() => Promise<unknown>> = [
    () => view.setFlags(inbox, [entries[0]!.id], { read: true }),
    () => view.deleteMessages(inbox, [entries[0]!.id]),
    () => view.moveMessages(inbox, [entries[0]!.id], folders[2]!.id),
    () => view.appendMessage(folders[1]!.id, Buffer.from('Subject: x\r\n\r\ny')),
    () => view.send(Buffer.from('To: a@b\r\n\r\nx'), { saveInSent: true }),
    () => view.createFolder(null, 'X'),
    () => view.renameFolder(inbox, null, 'Y'),
    () => view.deleteFolder(inbox),
  ];
  for (const w of writes) await assert.rejects(w(), MailReadOnlyError);
  assert.equal((await view.listMessages(inbox)).entries[0]?.flags.read, false);
});
