import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_ORG_SETTINGS } from '../access/service.js';
import type { Device } from '../devices/types.js';
import { createMemoryMailBackend } from '../mail/memory/index.js';
import { MailAuthError, MailBackendError } from '../mail/types.js';
import type { User } from '../store/types.js';
import { EasHttpError, EasStatusError } from './errors.js';
import { mailFailure, mailboxAccess } from './mailbox.js';

const user = { id: 'u1', username: 'ana', email: 'ana@example.com', displayName: 'Ana' } as User;
const device = (accessState: Device['accessState']) =>
  ({
    id: 'd1',
    deviceId: 'DEV',
    deviceType: 'iPhone',
    model: null,
    quarantinedAt: null,
    accessState,
  }) as Device;
const access = { orgSettings: async () => ({ ...DEFAULT_ORG_SETTINGS, userMailInsert: 'Ask IT' }) };

test('an allowed device gets the real mailbox, opened once per request; a quarantined one the notice', async () => {
  const mail = createMemoryMailBackend();
  await mail.deliver(user, Buffer.from('Subject: real\r\n\r\nx'));
  let opens = 0;
  const counting = {
    ...mail,
    kind: 'memory',
    onChange: mail.onChange.bind(mail),
    close: mail.close.bind(mail),
    open: (u: never, c: never) => (opens++, mail.open(u, c)),
  };
  const real = mailboxAccess({
    mail: counting,
    access,
    user,
    device: device('Allowed'),
    credentials: { kind: 'basic', username: 'ana', password: 'pw' },
    clock: () => new Date(),
  });
  const s = await real.get();
  assert.equal(await real.get(), s);
  assert.equal(opens, 1);
  const [h] = await s.getHeaders('inbox', ['1']);
  assert.equal(h?.subject, 'real');
  await real.close();
  await assert.rejects(s.listFolders(), MailBackendError, 'closed by the gate');

  const q = mailboxAccess({
    mail,
    access,
    user,
    device: device('Quarantined'),
    credentials: { kind: 'basic', username: 'ana', password: 'pw' },
    clock: () => new Date(),
  });
  const view = await q.get();
  const inbox = (await view.listFolders()).find((f) => f.role === 'inbox')!;
  const { entries } = await view.listMessages(inbox.id);
  assert.equal(entries.length, 1);
  assert.ok((await view.getBodies(inbox.id, entries[0]!.id))?.text?.includes('Ask IT'));
  await q.close();
  await mailboxAccess({
    mail,
    access,
    user,
    device: device('Allowed'),
    credentials: { kind: 'none' },
    clock: () => new Date(),
  }).close();
});

test('mail failures map to protocol answers: 401 for refused credentials, 111 for a failing backend', () => {
  const auth = mailFailure(new MailAuthError('no'));
  assert.ok(auth instanceof EasHttpError && auth.httpStatus === 401);
  const down = mailFailure(new MailBackendError('down'));
  assert.ok(down instanceof EasStatusError && down.status === 111);
  const other = new Error('x');
  assert.equal(mailFailure(other), other);
});
