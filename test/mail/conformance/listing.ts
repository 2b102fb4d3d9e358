// listMessages: entries newest first, FilterType windows (since), checkpoints that change with
// the folder and only then, and unknown folders.
import assert from 'node:assert/strict';
import { MailNotFoundError } from '../../../src/mail/types.js';
import { folderByRole, inbox, simpleMessage, waitForMessages } from './fixtures.js';
import type { MailTest } from './index.js';

const NO_FLAGS = { read: false, flagged: false, answered: false, forwarded: false };

export function listingTests(mailTest: MailTest): void {
  mailTest('an empty folder has no entries and a checkpoint', async ({ session }) => {
    const l = await session.listMessages((await folderByRole(session, 'drafts')).id);
    assert.deepEqual(l.entries, []);
    assert.equal(typeof l.checkpoint, 'string');
    assert.ok(l.checkpoint.length > 0);
  });

  mailTest('lists delivered messages newest first with their arrival time and flags', async (ctx) => {
    const { session, harness, user } = ctx;
    const box = await inbox(session);
    const before = Date.now() - 2000;
    await harness.deliver(user, simpleMessage({ subject: 'first' }));
    await new Promise((r) => setTimeout(r, 1100));
    await harness.deliver(user, simpleMessage({ subject: 'second' }));
    const entries = await waitForMessages(session, box.id, 2);
    assert.equal(entries.length, 2);
    assert.equal(new Set(entries.map((e) => e.id)).size, 2, 'ids are unique');
    for (const e of entries) {
      assert.equal(typeof e.id, 'string');
      assert.ok(e.receivedAt instanceof Date);
      assert.ok(e.receivedAt.getTime() >= before && e.receivedAt.getTime() <= Date.now() + 2000);
      assert.deepEqual(e.flags, NO_FLAGS);
    }
    const [newest, oldest] = entries as [(typeof entries)[0], (typeof entries)[0]];
    assert.ok(newest.receivedAt.getTime() > oldest.receivedAt.getTime(), 'newest first');
    const [h] = await session.getHeaders(box.id, [newest.id]);
    assert.equal(h?.subject, 'second');
  });

  mailTest('since keeps messages received at or after it', async ({ session, harness, user }) => {
    const box = await inbox(session);
    await harness.deliver(user, simpleMessage({ subject: 'old' }));
    await new Promise((r) => setTimeout(r, 1100));
    await harness.deliver(user, simpleMessage({ subject: 'new' }));
    const all = await waitForMessages(session, box.id, 2);
    const newest = all[0] as (typeof all)[0];
    const recent = await session.listMessages(box.id, { since: newest.receivedAt });
    assert.deepEqual(
      recent.entries.map((e) => e.id),
      [newest.id],
    );
    assert.equal(
      (await session.listMessages(box.id, { since: new Date(Date.now() + 3_600_000) })).entries.length,
      0,
    );
    assert.equal(
      (await session.listMessages(box.id, { since: new Date(Date.now() - 86_400_000 * 3) })).entries.length,
      2,
    );
    assert.equal((await session.listMessages(box.id, { since: null })).entries.length, 2);
  });

  mailTest('the checkpoint stays while nothing changes and moves on every change', async (ctx) => {
    const { session, harness, user } = ctx;
    const box = await inbox(session);
    const trash = await folderByRole(session, 'deleted');
    const cp0 = (await session.listMessages(box.id)).checkpoint;
    assert.equal((await session.listMessages(box.id)).checkpoint, cp0, 'no change, same checkpoint');

    await harness.deliver(user, simpleMessage());
    await harness.deliver(user, simpleMessage());
    const [a, b] = (await waitForMessages(session, box.id, 2)).map((e) => e.id) as [string, string];
    const cp1 = (await session.listMessages(box.id)).checkpoint;
    assert.notEqual(cp1, cp0, 'new mail');
    assert.equal((await session.listMessages(box.id)).checkpoint, cp1);

    await session.setFlags(box.id, [a], { read: true });
    const cp2 = (await session.listMessages(box.id)).checkpoint;
    assert.notEqual(cp2, cp1, 'flag change');

    await session.moveMessages(box.id, [a], trash.id);
    const cp3 = (await session.listMessages(box.id)).checkpoint;
    assert.notEqual(cp3, cp2, 'moved out');

    await session.deleteMessages(box.id, [b]);
    const cp4 = (await session.listMessages(box.id)).checkpoint;
    assert.notEqual(cp4, cp3, 'deleted');
    assert.deepEqual((await session.listMessages(box.id)).entries, []);
  });

  mailTest('listing an unknown folder fails with MailNotFoundError', async ({ session }) => {
    await assert.rejects(session.listMessages('no-such-folder'), MailNotFoundError);
    await assert.rejects(session.listMessages('no-such-folder', { since: new Date() }), MailNotFoundError);
  });
}
