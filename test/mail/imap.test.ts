// The IMAP + SMTP backend against a real, private Dovecot (and an smtp-server submission
// listener that delivers into it over LMTP): the mail conformance suite plus IMAP specifics.
// Under CI the Dovecot tests fail when Dovecot cannot start; locally they skip with the reason.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createImapBackend, parseCheckpoint } from '../../src/mail/imap/index.js';
import type { MailLog } from '../../src/mail/imap/index.js';
import { MailAuthError, type MailBackend, type MailCredentials } from '../../src/mail/types.js';
import { describeMailConformance, type MailHarness, type MailUser } from './conformance/index.js';
import { inbox, simpleMessage, waitForMessages } from './conformance/fixtures.js';
import type { DovecotInstance } from './dovecot.js';
import type { SubmissionServer } from './submission.js';
import { startMailServers } from './mail-servers.js';

const { dovecot, submission, skip } = await startMailServers();

/** Silent by default; set EAS_TEST_MAIL_LOG=1 to see the backend's log lines. */
export function testLog(lines?: string[]): MailLog {
  const write = (level: string) => (obj: object, msg?: string) => {
    const line = JSON.stringify({ level, msg, ...obj });
    lines?.push(line);
    if (process.env.EAS_TEST_MAIL_LOG) console.log(line);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

let seq = 0;
async function newUser(name: string): Promise<{ user: MailUser; credentials: MailCredentials }> {
  const d = dovecot as DovecotInstance;
  const s = submission as SubmissionServer;
  const local = `${name}${++seq}x${randomBytes(3).toString('hex')}`;
  const email = `${local}@syncward.test`;
  const password = `pw-${randomBytes(9).toString('base64url')}`;
  await d.addUser(email, password);
  s.addUser(email, password);
  return {
    user: { id: `id-${local}`, username: email, email, displayName: name },
    credentials: { username: email, password },
  };
}

function backendFor(
  opts: { log?: MailLog; sessionTtlMs?: number; maxConnectionsPerUser?: number } = {},
): MailBackend {
  const d = dovecot as DovecotInstance;
  const s = submission as SubmissionServer;
  return createImapBackend({
    imap: { host: d.host, port: d.imapPort, secure: false },
    smtp: { host: s.host, port: s.port, secure: false, requireAuth: true },
    log: opts.log ?? testLog(),
    watchPollMs: 300,
    ...(opts.sessionTtlMs !== undefined ? { sessionTtlMs: opts.sessionTtlMs } : {}),
    ...(opts.maxConnectionsPerUser !== undefined
      ? { maxConnectionsPerUser: opts.maxConnectionsPerUser }
      : {}),
  });
}

if (dovecot) {
  describeMailConformance('imap (dovecot)', async (): Promise<MailHarness> => {
    const users = [await newUser('alice'), await newUser('bob')];
    const backend = backendFor();
    return {
      backend,
      users,
      deliver: (to, mime) => (dovecot as DovecotInstance).deliver(to.email, mime),
      cleanup: () => backend.close(),
    };
  });
}

describe('imap backend on dovecot', { skip }, () => {
  let backend: MailBackend;
  const lines: string[] = [];
  before(() => {
    backend = backendFor({ log: testLog(lines), maxConnectionsPerUser: 2 });
  });
  after(() => backend.close());

  test('a wrong password is a MailAuthError, at open and at send', async () => {
    const u = await newUser('carol');
    await assert.rejects(
      backend.open(u.user, { username: u.credentials.username, password: 'not-the-password' }),
      MailAuthError,
    );
    const s = await backend.open(u.user, u.credentials);
    (submission as SubmissionServer).addUser(u.user.email, 'changed-on-the-smtp-side');
    await assert.rejects(s.send(simpleMessage({ to: u.user.email }), { saveInSent: false }), MailAuthError);
    await s.close();
  });

  test('another password for a user with open connections authenticates on its own', async () => {
    const u = await newUser('dan');
    const s = await backend.open(u.user, u.credentials);
    await s.listFolders();
    await assert.rejects(backend.open(u.user, { ...u.credentials, password: 'guess' }), MailAuthError);
    assert.ok((await s.listFolders()).length > 0, 'the good session still works');
    await s.close();
  });

  test('checkpoints carry UIDVALIDITY and HIGHESTMODSEQ (CONDSTORE)', async () => {
    const u = await newUser('erin');
    const s = await backend.open(u.user, u.credentials);
    const f = await s.createFolder(null, 'Recreated');
    await s.appendMessage(f.id, simpleMessage());
    const first = parseCheckpoint((await s.listMessages(f.id)).checkpoint);
    assert.ok(first?.highestModseq, 'Dovecot has CONDSTORE');
    await s.deleteFolder(f.id);
    const again = await s.createFolder(null, 'Recreated');
    await s.appendMessage(again.id, simpleMessage());
    const second = parseCheckpoint((await s.listMessages(again.id)).checkpoint);
    assert.notEqual(second?.uidValidity, first?.uidValidity, 'a recreated mailbox has a new UIDVALIDITY');
    await s.close();
  });

  test('message ids are UIDs and folder ids are mailbox paths', async () => {
    const u = await newUser('fay');
    const s = await backend.open(u.user, u.credentials);
    const parent = await s.createFolder(null, 'Work');
    const child = await s.createFolder(parent.id, 'Reports');
    assert.equal(parent.id, 'Work');
    assert.equal(child.id, 'Work/Reports');
    const folders = await s.listFolders();
    assert.equal(folders.find((f) => f.role === 'sent')?.id, 'Sent Messages', 'role from SPECIAL-USE');
    assert.equal(folders.find((f) => f.role === 'inbox')?.id, 'INBOX');
    const a = await s.appendMessage('INBOX', simpleMessage());
    const b = await s.appendMessage('INBOX', simpleMessage());
    assert.deepEqual([a, b], ['1', '2']);
    await s.close();
  });

  test('more concurrent calls than connections queue for the capped pool', async () => {
    const u = await newUser('gus');
    const s = await backend.open(u.user, u.credentials);
    const box = await inbox(s);
    await s.appendMessage(box.id, simpleMessage());
    const results = await Promise.all(Array.from({ length: 8 }, () => s.listMessages(box.id)));
    for (const r of results) assert.equal(r.entries.length, 1);
    const who = doveadm(['who', '-1', u.user.email]);
    if (who !== null) {
      const imapLines = who.split('\n').filter((l) => l.includes(u.user.email) && l.includes('imap'));
      assert.ok(imapLines.length <= 3, `at most 2 command connections + 1 watch: ${who}`);
    }
    await s.close();
  });

  test('a connection kicked by the server is replaced, and the watcher reconnects', async (t) => {
    const u = await newUser('hal');
    const events: string[] = [];
    const off = backend.onChange((e) => e.userId === u.user.id && events.push(`${e.kind}:${e.folderId}`));
    try {
      const s = await backend.open(u.user, u.credentials);
      await s.listFolders();
      if (doveadm(['kick', u.user.email]) === null) {
        t.skip('doveadm kick is not available');
        return;
      }
      await new Promise((r) => setTimeout(r, 200));
      assert.ok((await s.listFolders()).length > 0, 'works after the kick');
      // The watcher reconnects after ~1 s of back-off and reports new mail again.
      await new Promise((r) => setTimeout(r, 1500));
      await (dovecot as DovecotInstance).deliver(u.user.email, simpleMessage());
      await waitForMessages(s, 'INBOX', 1);
      const end = Date.now() + 3000;
      while (!events.includes('add:INBOX') && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      assert.ok(events.includes('add:INBOX'), `events: ${events.join(', ')}`);
      await s.close();
    } finally {
      off();
    }
  });

  test('credentials never reach the log', async () => {
    const u = await newUser('ivy');
    const s = await backend.open(u.user, u.credentials);
    await s.listFolders();
    await s.listMessages('INBOX');
    await assert.rejects(s.listMessages('Nope'));
    await s.send(simpleMessage({ to: u.user.email }), { saveInSent: true });
    await assert.rejects(backend.open(u.user, { username: u.user.email, password: 'wrong-password-xyz' }));
    await s.close();
    const all = lines.join('\n');
    assert.ok(lines.length > 0, 'something was logged');
    assert.ok(!all.includes(u.credentials.password), 'the password is not in the log');
    assert.ok(!all.includes('wrong-password-xyz'), 'a refused password is not in the log');
    assert.ok(!all.includes(Buffer.from(`\0${u.user.email}\0${u.credentials.password}`).toString('base64')));
  });
});

/** Runs doveadm against the private instance; null when it is not available. */
function doveadm(args: string[]): string | null {
  const d = dovecot;
  if (!d) return null;
  const r = spawnSync('doveadm', ['-c', `${d.dir}/dovecot.conf`, ...args], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : null;
}
