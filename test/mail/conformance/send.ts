// send: delivery to the recipients of To, Cc and Bcc, Bcc kept out of what they receive, and
// the copy in Sent when (and only when) saveInSent asks for it.
import assert from 'node:assert/strict';
import { eventually, folderByRole, inbox, readAll, simpleMessage } from './fixtures.js';
import type { MailTest } from './index.js';

export function sendTests(mailTest: MailTest): void {
  mailTest(
    'delivers to To and Bcc recipients, without the Bcc header',
    async ({ session, harness, open }) => {
      const [me, other] = harness.users as [(typeof harness.users)[0], (typeof harness.users)[0]];
      assert.ok(other, 'the harness has a second user');
      const theirs = await open(1);
      const mime = simpleMessage({
        from: `${me.user.displayName} <${me.user.email}>`,
        to: `Other <${other.user.email}>`,
        bcc: me.user.email,
        subject: 'sent over SMTP',
        body: 'Delivered body.',
      });
      await session.send(mime, { saveInSent: false });
      const theirInbox = await inbox(theirs);
      const [got] = await eventually(async () => {
        const l = await theirs.listMessages(theirInbox.id);
        return l.entries.length ? l.entries : null;
      });
      const [h] = await theirs.getHeaders(theirInbox.id, [got?.id ?? '']);
      assert.equal(h?.subject, 'sent over SMTP');
      const raw = await theirs.openMime(theirInbox.id, got?.id ?? '');
      assert.ok(raw);
      const text = (await readAll(raw.stream)).toString('utf8');
      assert.ok(
        !/^bcc:/im.test(text.slice(0, text.indexOf('\r\n\r\n'))),
        'no Bcc header reaches the recipients',
      );
      assert.ok(text.includes('Delivered body.'));

      const myInbox = await inbox(session);
      await eventually(async () => (await session.listMessages(myInbox.id)).entries.length === 1);
      const sent = await folderByRole(session, 'sent');
      assert.deepEqual((await session.listMessages(sent.id)).entries, [], 'saveInSent: false files no copy');
    },
  );

  mailTest('saveInSent files the sent message in Sent, once', async ({ session, harness }) => {
    const [me, other] = harness.users as [(typeof harness.users)[0], (typeof harness.users)[0]];
    await session.send(
      simpleMessage({
        from: me.user.email,
        to: other.user.email,
        cc: `Me <${me.user.email}>`,
        subject: 'keep a copy',
      }),
      { saveInSent: true },
    );
    const sent = await folderByRole(session, 'sent');
    const entries = await eventually(async () => {
      const l = await session.listMessages(sent.id);
      return l.entries.length ? l.entries : null;
    });
    assert.equal(entries.length, 1);
    const [h] = await session.getHeaders(
      sent.id,
      entries.map((e) => e.id),
    );
    assert.equal(h?.subject, 'keep a copy');
    assert.equal(entries[0]?.flags.read, true, 'the Sent copy is read');
  });

  mailTest('a message without recipients is refused', async ({ session }) => {
    const mime = Buffer.from('From: a@example.net\r\nSubject: nobody\r\n\r\nbody\r\n');
    await assert.rejects(session.send(mime, { saveInSent: true }));
    assert.deepEqual((await session.listMessages((await folderByRole(session, 'sent')).id)).entries, []);
  });
}
