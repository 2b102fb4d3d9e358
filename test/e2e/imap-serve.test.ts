// Integration: `syncward serve --mail-backend imap` as a real process in front of a private
// Dovecot (IMAP) and an SMTP submission server that delivers into it. A phone speaks real EAS;
// every effect is checked on the IMAP side with an independent IMAP client (imapflow): read,
// flag, delete and move land in Dovecot, new mail wakes a held Ping, SendMail is submitted with
// the user's own credentials and filed in Sent. The passwords live only in Dovecot.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { EasClient, MailItemsClient } from '../../src/client/index.js';
import type { DovecotInstance } from '../mail/dovecot.js';
import type { SubmissionServer } from '../mail/submission.js';
import { startMailServers, TEST_DOMAIN as DOMAIN } from '../mail/mail-servers.js';
import { runCli, startServe, type ServeProcess } from './serve-process.js';

const { dovecot, submission, skip } = await startMailServers();

interface Account {
  email: string;
  password: string;
}

let seq = 0;
async function newAccount(name: string): Promise<Account> {
  const email = `${name}${++seq}x${randomBytes(3).toString('hex')}@${DOMAIN}`;
  const password = `pw-${randomBytes(9).toString('base64url')}`;
  await (dovecot as DovecotInstance).addUser(email, password);
  (submission as SubmissionServer).addUser(email, password);
  return { email, password };
}

function message(o: { to: string; subject: string; body: string; from?: string }): Buffer {
  return Buffer.from(
    [
      `From: ${o.from ?? '"Bob" <bob@example.net>'}`,
      `To: ${o.to}`,
      `Subject: ${o.subject}`,
      `Message-ID: <${randomBytes(6).toString('hex')}@example.net>`,
      'Date: Tue, 02 Jan 2024 10:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: text/html; charset=utf-8',
      '',
      `<p>${o.body}</p>`,
      '',
    ].join('\r\n'),
  );
}

/** What Dovecot holds for the account, read by an IMAP client of our own. */
async function imapView(a: Account): Promise<Map<string, Array<{ subject: string; flags: string[] }>>> {
  const d = dovecot as DovecotInstance;
  const client = new ImapFlow({
    host: d.host,
    port: d.imapPort,
    secure: false,
    auth: { user: a.email, pass: a.password },
    logger: false,
  });
  await client.connect();
  const out = new Map<string, Array<{ subject: string; flags: string[] }>>();
  try {
    for (const box of await client.list()) {
      const lock = await client.getMailboxLock(box.path);
      try {
        const list: Array<{ subject: string; flags: string[] }> = [];
        for await (const msg of client.fetch('1:*', { envelope: true, flags: true })) {
          list.push({ subject: msg.envelope?.subject ?? '', flags: [...(msg.flags ?? [])].sort() });
        }
        out.set(box.path, list);
      } catch {
        out.set(box.path, []); // an empty mailbox has no 1:*
      } finally {
        lock.release();
      }
    }
  } finally {
    await client.logout();
  }
  return out;
}

function subjects(view: Map<string, Array<{ subject: string }>>, box: string): string[] {
  return (view.get(box) ?? []).map((m) => m.subject).sort();
}

describe('serve --mail-backend imap against Dovecot', { skip }, () => {
  let dir: string;
  let server: ServeProcess;
  let url: string;
  const cli = (...args: string[]) => runCli(dir, ...args);

  function phone(a: Account, deviceId: string): EasClient {
    return new EasClient({
      baseUrl: url,
      username: a.email,
      password: a.password,
      deviceId,
      deviceType: 'iPhone',
      protocolVersion: '16.1',
      userAgent: 'Apple-iPhone15C3/2201.100',
      deviceInformation: { Model: 'iPhone15C3', OS: 'iOS 18.1 22B83' },
    });
  }

  async function ready(a: Account, deviceId: string): Promise<EasClient> {
    const p = phone(a, deviceId);
    assert.ok((await p.provision()).finalKey, 'provisioned');
    await p.folderSync();
    return p;
  }

  function folderOfType(p: EasClient, type: number): string {
    const f = [...p.folders.values()].find((x) => x.type === type);
    assert.ok(f, `a folder of type ${type} in ${JSON.stringify([...p.folders.values()])}`);
    return f.serverId;
  }

  function folderNamed(p: EasClient, name: string): string {
    const f = [...p.folders.values()].find((x) => x.displayName === name);
    assert.ok(f, `folder ${name}`);
    return f.serverId;
  }

  before(async () => {
    const d = dovecot as DovecotInstance;
    const s = submission as SubmissionServer;
    dir = mkdtempSync(join(tmpdir(), 'syncward-imap-e2e-'));
    server = await startServe({
      dataDir: dir,
      args: [
        '--mail-backend',
        'imap',
        '--imap-url',
        `imap://${d.host}:${d.imapPort}`,
        '--submission-url',
        `smtp://${s.host}:${s.port}`,
      ],
    });
    url = server.url;
  });

  after(async () => {
    await server?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('first start creates no demo user: the mail server owns the passwords', () => {
    assert.ok(server.adminPassword);
    assert.equal(server.demoPassword, null);
    assert.equal(server.smtpPort, null, 'no inbound SMTP listener: mail arrives at the IMAP server');
    assert.match(server.output(), /Mail: IMAP imap:\/\/127\.0\.0\.1:\d+/);
  });

  test('the IMAP server checks passwords; the first accepted login creates the user', async () => {
    const a = await newAccount('erin');
    const wrong = new EasClient({ ...phone(a, 'IMAPWRONG1').opts, password: 'not-it' });
    assert.equal((await wrong.folderSync()).httpStatus, 401);
    assert.doesNotMatch(cli('user', 'list').out, new RegExp(a.email));

    await ready(a, 'IMAPAUTH01');
    const users = JSON.parse(cli('user', 'list', '--json').out) as Array<{ username: string; email: string }>;
    assert.deepEqual(
      users.filter((u) => u.email === a.email).map((u) => u.username),
      [a.email],
    );
    const audit = cli('audit', '--json').out;
    assert.match(audit, /first login accepted by the mail server/);
    // A password changed on the mail server is what counts from then on.
    const changed = { ...a, password: `${a.password}-new` };
    await (dovecot as DovecotInstance).addUser(a.email, changed.password);
    assert.ok((await phone(changed, 'IMAPAUTH02').provision()).finalKey);
  });

  test('read, flag, delete and move from the phone land in Dovecot', async () => {
    const a = await newAccount('alice');
    const d = dovecot as DovecotInstance;
    for (const subject of ['keep and read', 'flag and move', 'delete me'])
      await d.deliver(a.email, message({ to: a.email, subject, body: subject }));
    const p = await ready(a, 'IMAPSYNC01');
    const inbox = folderOfType(p, 2);
    const archive = folderNamed(p, 'Archive');
    const got = await p.downloadFolder({ collectionId: inbox, bodyPreferences: [{ type: 2 }] });
    assert.equal(got.adds.length, 3);
    const id = (subject: string): string => {
      const item = got.adds.find((x) => x.email.subject === subject);
      assert.ok(item, subject);
      return item.serverId;
    };
    assert.match(got.adds[0]?.email.body?.data ?? '', /<p>/, 'HTML body as requested');

    const res = await p.sync([
      {
        collectionId: inbox,
        changes: [
          { serverId: id('keep and read'), read: true },
          { serverId: id('flag and move'), flagged: true },
        ],
        deletes: [id('delete me')],
      },
    ]);
    assert.equal(res.collection(inbox)?.status, 1);
    const moved = await new MailItemsClient(p).moveItems([
      { srcMsgId: id('flag and move'), srcFldId: inbox, dstFldId: archive },
    ]);
    assert.equal(moved.responses[0]?.status, 3, 'MoveItems Status 3 = success');

    const view = await imapView(a);
    assert.deepEqual(subjects(view, 'INBOX'), ['keep and read']);
    assert.ok(view.get('INBOX')?.[0]?.flags.includes('\\Seen'));
    assert.deepEqual(subjects(view, 'Archive'), ['flag and move']);
    assert.ok(view.get('Archive')?.[0]?.flags.includes('\\Flagged'));
    // DeletesAsMoves (the default) moves to the Deleted Items folder, Dovecot's \Trash.
    assert.deepEqual(subjects(view, 'Trash'), ['delete me']);

    // The phone's next Syncs agree: the moved message leaves the Inbox once (as MoveItems does
    // everywhere here), arrives in Archive once, under the DstMsgId, and nothing else moves.
    const again = await p.sync([{ collectionId: inbox }]);
    const c = again.collection(inbox);
    assert.deepEqual([c?.adds.length, c?.changes.length, c?.deletes], [0, 0, [id('flag and move')]]);
    const arch = await p.downloadFolder({ collectionId: archive });
    assert.deepEqual(
      arch.adds.map((x) => [x.serverId, x.email.subject, x.email.flagged]),
      [[moved.responses[0]?.dstMsgId, 'flag and move', true]],
    );
  });

  test('a change made by another IMAP client reaches the phone', async () => {
    const a = await newAccount('frank');
    await (dovecot as DovecotInstance).deliver(a.email, message({ to: a.email, subject: 'x', body: 'x' }));
    const p = await ready(a, 'IMAPSYNC02');
    const inbox = folderOfType(p, 2);
    const got = await p.downloadFolder({ collectionId: inbox });
    assert.equal(got.adds[0]?.email.read, false);
    const d = dovecot as DovecotInstance;
    const other = new ImapFlow({
      host: d.host,
      port: d.imapPort,
      secure: false,
      auth: { user: a.email, pass: a.password },
      logger: false,
    });
    await other.connect();
    const lock = await other.getMailboxLock('INBOX');
    await other.messageFlagsAdd('1:*', ['\\Seen']);
    lock.release();
    await other.logout();
    const res = await p.sync([{ collectionId: inbox }]);
    assert.deepEqual(
      res.collection(inbox)?.changes.map((x) => [x.serverId, x.email.read]),
      [[got.adds[0]?.serverId, true]],
    );
  });

  test('mail delivered to Dovecot wakes a held Ping within a second', async () => {
    const a = await newAccount('gina');
    const p = await ready(a, 'IMAPPING01');
    const inbox = folderOfType(p, 2);
    await p.downloadFolder({ collectionId: inbox });
    const ping = p.ping({ heartbeatInterval: 120, folders: [{ id: inbox, class: 'Email' }] });
    // Let the server take the Ping before the mail arrives.
    await new Promise((r) => setTimeout(r, 500));
    const t0 = performance.now();
    await (dovecot as DovecotInstance).deliver(
      a.email,
      message({ to: a.email, subject: 'pushed', body: 'pushed' }),
    );
    const r = await ping;
    const wokeAfterMs = performance.now() - t0;
    assert.equal(r.status, 2);
    assert.deepEqual(r.folders, [inbox]);
    assert.ok(wokeAfterMs < 1000, `woke ${Math.round(wokeAfterMs)} ms after delivery`);
    const res = await p.sync([{ collectionId: inbox, bodyPreferences: [{ type: 1 }] }]);
    const item = res.collection(inbox)?.adds[0];
    assert.equal(item?.email.subject, 'pushed');
    assert.equal(item?.email.body?.type, 1);
    assert.match(item?.email.body?.data ?? '', /pushed/);
  });

  test('SendMail goes out through submission as the user and is filed in Sent', async () => {
    const a = await newAccount('hank');
    const b = await newAccount('ivy');
    const p = await ready(a, 'IMAPSEND01');
    const before = (submission as SubmissionServer).messages.length;
    const sent = await new MailItemsClient(p).sendMail({
      mime: message({ from: a.email, to: b.email, subject: 'hello ivy', body: 'hi' }),
      saveInSent: true,
    });
    assert.ok(sent.sent, `SendMail status ${sent.status}`);
    const submitted = (submission as SubmissionServer).messages.slice(before);
    assert.deepEqual(
      submitted.map((m) => [m.user, m.to]),
      [[a.email, [b.email]]],
    );
    assert.deepEqual(subjects(await imapView(b), 'INBOX'), ['hello ivy']);
    assert.deepEqual(subjects(await imapView(a), 'Sent Messages'), ['hello ivy']);
    const sentFolder = folderOfType(p, 5);
    const synced = await p.downloadFolder({ collectionId: sentFolder });
    assert.deepEqual(
      synced.adds.map((x) => x.email.subject),
      ['hello ivy'],
    );
  });
});
