// setFlags, deleteMessages, moveMessages (with the old -> new id map) and appendMessage.
import assert from 'node:assert/strict';
import type { MailSession, MessageFlags } from '../../../src/mail/types.js';
import { folderByRole, inbox, simpleMessage } from './fixtures.js';
import type { MailTest } from './index.js';

async function flagsOf(s: MailSession, folderId: string, id: string): Promise<MessageFlags | undefined> {
  return (await s.listMessages(folderId)).entries.find((e) => e.id === id)?.flags;
}

export function writeTests(mailTest: MailTest): void {
  mailTest('setFlags sets and clears each flag, leaving the others', async ({ session }) => {
    const box = await inbox(session);
    const id = await session.appendMessage(box.id, simpleMessage());
    for (const flag of ['read', 'flagged', 'answered', 'forwarded'] as const) {
      await session.setFlags(box.id, [id], { [flag]: true });
      assert.equal((await flagsOf(session, box.id, id))?.[flag], true, `${flag} set`);
    }
    await session.setFlags(box.id, [id], { flagged: false });
    assert.deepEqual(await flagsOf(session, box.id, id), {
      read: true,
      flagged: false,
      answered: true,
      forwarded: true,
    });
    await session.setFlags(box.id, [id], { read: false, answered: false, forwarded: false });
    assert.deepEqual(await flagsOf(session, box.id, id), {
      read: false,
      flagged: false,
      answered: false,
      forwarded: false,
    });
  });

  mailTest('setFlags on several messages, ignoring missing ids', async ({ session }) => {
    const box = await inbox(session);
    const a = await session.appendMessage(box.id, simpleMessage());
    const b = await session.appendMessage(box.id, simpleMessage());
    const c = await session.appendMessage(box.id, simpleMessage());
    await session.setFlags(box.id, [a, '999999', c, 'junk'], { read: true });
    await session.setFlags(box.id, [], { read: true });
    const entries = (await session.listMessages(box.id)).entries;
    const read = new Map(entries.map((e) => [e.id, e.flags.read]));
    assert.deepEqual([read.get(a), read.get(b), read.get(c)], [true, false, true]);
  });

  mailTest('appendMessage stores the message with its flags and returns its id', async ({ session }) => {
    const drafts = await folderByRole(session, 'drafts');
    const id = await session.appendMessage(drafts.id, simpleMessage({ subject: 'draft' }), {
      read: true,
      flagged: true,
    });
    const entries = (await session.listMessages(drafts.id)).entries;
    assert.deepEqual(
      entries.map((e) => e.id),
      [id],
    );
    assert.deepEqual(entries[0]?.flags, { read: true, flagged: true, answered: false, forwarded: false });
    const [h] = await session.getHeaders(drafts.id, [id]);
    assert.equal(h?.subject, 'draft');
    const plain = await session.appendMessage(drafts.id, simpleMessage());
    assert.notEqual(plain, id);
    assert.equal((await flagsOf(session, drafts.id, plain))?.read, false);
  });

  mailTest(
    'deleteMessages removes exactly the given messages and ignores missing ids',
    async ({ session }) => {
      const box = await inbox(session);
      const a = await session.appendMessage(box.id, simpleMessage());
      const b = await session.appendMessage(box.id, simpleMessage());
      await session.deleteMessages(box.id, [a, '999999', 'nope']);
      assert.deepEqual(
        (await session.listMessages(box.id)).entries.map((e) => e.id),
        [b],
      );
      await session.deleteMessages(box.id, [a]);
      await session.deleteMessages(box.id, []);
      assert.equal(await session.getBodies(box.id, a), null);
      assert.deepEqual(await session.getHeaders(box.id, [a]), []);
    },
  );

  mailTest('moveMessages returns old -> new ids; flags and content move along', async ({ session }) => {
    const box = await inbox(session);
    const archive = await session.createFolder(null, 'Moved here');
    const a = await session.appendMessage(box.id, simpleMessage({ subject: 'move a' }), { flagged: true });
    const b = await session.appendMessage(box.id, simpleMessage({ subject: 'move b' }));
    const stay = await session.appendMessage(box.id, simpleMessage({ subject: 'stay' }));
    const map = await session.moveMessages(box.id, [a, b, '999999'], archive.id);
    assert.deepEqual([...map.keys()].sort(), [a, b].sort(), 'missing ids are left out');
    const inTarget = (await session.listMessages(archive.id)).entries;
    assert.deepEqual(inTarget.map((e) => e.id).sort(), [...map.values()].sort());
    assert.deepEqual(
      (await session.listMessages(box.id)).entries.map((e) => e.id),
      [stay],
    );
    const newA = map.get(a) as string;
    assert.equal(inTarget.find((e) => e.id === newA)?.flags.flagged, true);
    const [h] = await session.getHeaders(archive.id, [newA]);
    assert.equal(h?.subject, 'move a');
    assert.equal(h?.folderId, archive.id);
    assert.deepEqual(await session.moveMessages(box.id, ['999999'], archive.id), new Map());
  });

  mailTest('moving to Deleted Items and back', async ({ session }) => {
    const box = await inbox(session);
    const trash = await folderByRole(session, 'deleted');
    const id = await session.appendMessage(box.id, simpleMessage({ subject: 'round trip' }));
    const there = (await session.moveMessages(box.id, [id], trash.id)).get(id);
    assert.ok(there);
    const back = (await session.moveMessages(trash.id, [there], box.id)).get(there);
    assert.ok(back);
    const [h] = await session.getHeaders(box.id, [back]);
    assert.equal(h?.subject, 'round trip');
    assert.deepEqual((await session.listMessages(trash.id)).entries, []);
  });
}
