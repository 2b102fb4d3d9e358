// onChange: new mail wakes listeners within a second, writes are announced for their folder and
// user, and unsubscribing stops the calls.
import assert from 'node:assert/strict';
import type { MailChangeEvent } from '../../../src/mail/types.js';
import { inbox, simpleMessage } from './fixtures.js';
import type { MailTest } from './index.js';

/** Collects events; `waitFor` resolves with the first matching one or rejects after `ms`. */
function recorder(): {
  events: MailChangeEvent[];
  listener: (e: MailChangeEvent) => void;
  waitFor(match: (e: MailChangeEvent) => boolean, ms: number): Promise<MailChangeEvent>;
} {
  const events: MailChangeEvent[] = [];
  const waiters: Array<() => void> = [];
  return {
    events,
    listener: (e) => {
      events.push(e);
      for (const w of waiters.splice(0)) w();
    },
    async waitFor(match, ms) {
      const end = Date.now() + ms;
      for (;;) {
        const hit = events.find(match);
        if (hit) return hit;
        const left = end - Date.now();
        if (left <= 0)
          throw new Error(`no matching change event within ${ms} ms; got ${JSON.stringify(events)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, left);
        });
      }
    },
  };
}

export function changeTests(mailTest: MailTest): void {
  mailTest('a delivered message fires "add" for the inbox within a second', async ({ backend, harness }) => {
    const rec = recorder();
    const off = backend.onChange(rec.listener);
    try {
      // 1. Subscribe, 2. open the session (as a Ping would), 3. deliver, 4. expect the event.
      const u = harness.users[0] as (typeof harness.users)[0];
      const s = await backend.open(u.user, u.credentials);
      try {
        const box = await inbox(s);
        await harness.deliver(u.user, simpleMessage({ subject: 'wake up' }));
        const delivered = Date.now();
        const e = await rec.waitFor((x) => x.folderId === box.id && x.kind === 'add', 1000);
        assert.equal(e.userId, u.user.id);
        assert.ok(Date.now() - delivered <= 1000);
      } finally {
        await s.close();
      }
    } finally {
      off();
    }
  });

  mailTest('events name the user whose mailbox changed', async ({ backend, harness, open }) => {
    const rec = recorder();
    const off = backend.onChange(rec.listener);
    try {
      const other = harness.users[1] as (typeof harness.users)[0];
      const s = await open(1);
      const box = await inbox(s);
      await harness.deliver(other.user, simpleMessage());
      const e = await rec.waitFor((x) => x.folderId === box.id && x.kind === 'add', 1000);
      assert.equal(e.userId, other.user.id);
    } finally {
      off();
    }
  });

  mailTest(
    'appends, moves in and flag changes are announced for their folder',
    async ({ backend, session, user }) => {
      const rec = recorder();
      const off = backend.onChange(rec.listener);
      try {
        const box = await inbox(session);
        const folder = await session.createFolder(null, 'Watched');
        const id = await session.appendMessage(box.id, simpleMessage());
        await rec.waitFor((e) => e.folderId === box.id && e.kind === 'add' && e.userId === user.id, 1000);
        await session.moveMessages(box.id, [id], folder.id);
        await rec.waitFor((e) => e.folderId === folder.id && e.kind === 'add' && e.userId === user.id, 1000);
        const [moved] = (await session.listMessages(folder.id)).entries;
        rec.events.length = 0;
        await session.setFlags(folder.id, [moved?.id ?? ''], { read: true });
        await rec.waitFor(
          (e) => e.folderId === folder.id && e.kind === 'change' && e.userId === user.id,
          1000,
        );
      } finally {
        off();
      }
    },
  );

  mailTest('an unsubscribed listener is not called again', async ({ backend, session, harness, user }) => {
    const rec = recorder();
    const off = backend.onChange(rec.listener);
    const box = await inbox(session);
    await session.appendMessage(box.id, simpleMessage());
    await rec.waitFor((e) => e.kind === 'add', 1000);
    off();
    const seen = rec.events.length;
    await session.appendMessage(box.id, simpleMessage());
    await harness.deliver(user, simpleMessage());
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(rec.events.length, seen);
  });
}
