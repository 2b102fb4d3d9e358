// The backend over the scriptable in-process IMAP mock: auth errors, credentials kept out of
// logs, one watch connection per user (IDLE, or a bounded poll without it), dropped
// connections, TTL eviction and the connection cap.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { startImapMock, type ImapMock, type ImapMockOptions } from '../../../test/mail/imap-mock.js';
import { MailAuthError, MailNotFoundError, type MailBackend, type MailChangeEvent } from '../types.js';
import { createImapBackend, type ImapBackendOptions } from './index.js';
import type { MailLog } from './log.js';

const PASSWORD = 'Pa55-unique-7f3c9e';
const USER = { id: 'u1', username: 'alice@mock.test', email: 'alice@mock.test', displayName: 'Alice' };
const CREDS = { username: USER.username, password: PASSWORD };

function capture(): { log: MailLog; lines: string[] } {
  const lines: string[] = [];
  const rec = (level: string) => (obj: object, msg?: string) => {
    lines.push(JSON.stringify({ level, msg, ...obj }));
  };
  return { log: { debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') }, lines };
}

const open: Array<{ mock: ImapMock; backend: MailBackend }> = [];
after(async () => {
  for (const o of open) {
    await o.backend.close();
    await o.mock.close();
  }
});

async function setup(
  mockOpts: Partial<ImapMockOptions> = {},
  opts: Partial<ImapBackendOptions> = {},
): Promise<{ mock: ImapMock; backend: MailBackend; lines: string[] }> {
  const mock = await startImapMock({ users: { [USER.username]: PASSWORD }, ...mockOpts });
  const { log, lines } = capture();
  const backend = createImapBackend({
    imap: { host: '127.0.0.1', port: mock.port, secure: false },
    smtp: { host: '127.0.0.1', port: 9, secure: false, requireAuth: true },
    log,
    watchPollMs: 100,
    ...opts,
  });
  open.push({ mock, backend });
  return { mock, backend, lines };
}

function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (cond()) resolve();
      else if (Date.now() > end) reject(new Error('condition not met in time'));
      else setTimeout(tick, 20);
    };
    tick();
  });
}

describe('imap backend (mock server)', () => {
  test('a refused login is a MailAuthError; the right one opens a session', async () => {
    const { backend } = await setup();
    await assert.rejects(backend.open(USER, { ...CREDS, password: 'wrong' }), MailAuthError);
    const s = await backend.open(USER, CREDS);
    assert.deepEqual(
      (await s.listFolders()).map((f) => [f.id, f.role]),
      [['INBOX', 'inbox']],
    );
    await assert.rejects(s.listMessages('Nope'), MailNotFoundError);
    await s.close();
  });

  test('credentials appear in no log line, whatever happens', async () => {
    const { mock, backend, lines } = await setup({
      onCommand: (cmd) => {
        if (cmd.name === 'STATUS') {
          cmd.socket.write(`${cmd.tag} NO [UNAVAILABLE] failing on purpose with ${PASSWORD}\r\n`);
          return true;
        }
        return false;
      },
    });
    backend.onChange(() => {});
    await assert.rejects(backend.open(USER, { ...CREDS, password: `${PASSWORD}-wrong` }), MailAuthError);
    const s = await backend.open(USER, CREDS);
    await s.listFolders();
    mock.dropAll();
    await new Promise((r) => setTimeout(r, 200));
    await s.listFolders();
    await s.close();
    assert.ok(lines.length > 0);
    for (const line of lines) assert.ok(!line.includes(PASSWORD), line);
    assert.ok(
      mock.received.some((l) => l.includes(PASSWORD)),
      'the server did get it',
    );
  });

  test('one watch connection per user, however many sessions, and IDLE reports new mail', async () => {
    const { mock, backend } = await setup();
    const events: MailChangeEvent[] = [];
    backend.onChange((e) => events.push(e));
    const sessions = await Promise.all(Array.from({ length: 5 }, () => backend.open(USER, CREDS)));
    await Promise.all(sessions.map((s) => s.listFolders()));
    await until(() => mock.received.some((l) => / IDLE$/.test(l)));
    const idles = mock.received.filter((l) => / IDLE$/.test(l)).length;
    assert.equal(idles, 1, 'one IDLE for the user');
    assert.ok(mock.sockets.size <= 4 + 1, `${mock.sockets.size} connections: command cap + the watcher`);
    mock.deliver('INBOX');
    await until(
      () => events.some((e) => e.kind === 'add' && e.folderId === 'INBOX' && e.userId === USER.id),
      1000,
    );
    for (const s of sessions) await s.close();
  });

  test('without IDLE the watcher polls, bounded by watchPollMs', async () => {
    const { mock, backend } = await setup({ capabilities: ['IMAP4rev1', 'UIDPLUS'] });
    mock.mailboxes.set('Projects', { uidValidity: 5, uidNext: 1, messages: 0 });
    const events: MailChangeEvent[] = [];
    backend.onChange((e) => events.push(e));
    const s = await backend.open(USER, CREDS);
    mock.deliver('INBOX');
    mock.deliver('Projects');
    await until(() => events.some((e) => e.folderId === 'INBOX' && e.kind === 'add'), 1500);
    await until(() => events.some((e) => e.folderId === 'Projects' && e.kind === 'add'), 1500);
    assert.ok(!mock.received.some((l) => / IDLE$/.test(l)));
    const before = mock.received.length;
    await new Promise((r) => setTimeout(r, 550));
    const polls = mock.received.slice(before).filter((l) => / LIST /.test(l)).length;
    assert.ok(polls >= 2 && polls <= 8, `${polls} polls in 550 ms at 100 ms`);
    await s.close();
  });

  test('a dropped connection neither crashes nor breaks the session; the watcher comes back', async () => {
    const { mock, backend } = await setup();
    const events: MailChangeEvent[] = [];
    backend.onChange((e) => events.push(e));
    const s = await backend.open(USER, CREDS);
    await s.listFolders();
    const logins = mock.logins;
    mock.dropAll();
    assert.equal((await s.listFolders()).length, 1, 'a new connection serves the next call');
    // The command connection and, after ~1 s of back-off, the watcher log in again.
    await until(() => mock.logins >= logins + 2, 4000);
    mock.deliver('INBOX');
    await until(() => events.some((e) => e.kind === 'add'), 1000);
    await s.close();
  });

  test('a user is logged out and forgotten sessionTtlMs after the last session closed', async () => {
    const { mock, backend } = await setup({}, { sessionTtlMs: 200 });
    backend.onChange(() => {});
    const s = await backend.open(USER, CREDS);
    await s.listFolders();
    await new Promise((r) => setTimeout(r, 400));
    assert.ok(mock.sockets.size >= 1, 'an open session keeps the user (and its watcher)');
    await s.close();
    await until(() => mock.sockets.size === 0, 3000);
    assert.ok(mock.received.some((l) => / LOGOUT$/.test(l)));
    const again = await backend.open(USER, CREDS);
    assert.equal((await again.listFolders()).length, 1, 'a later open logs in again');
    await again.close();
  });

  test('maxConnectionsPerUser caps concurrent command connections', async () => {
    const { mock, backend } = await setup(
      {
        onCommand: (cmd, m) => {
          if (cmd.name !== 'LIST') return false;
          setTimeout(() => {
            for (const p of m.mailboxes.keys()) cmd.socket.write(`* LIST (\\HasNoChildren) "/" "${p}"\r\n`);
            cmd.socket.write(`${cmd.tag} OK LIST completed\r\n`);
          }, 50);
          return true;
        },
      },
      { maxConnectionsPerUser: 2 },
    );
    const s = await backend.open(USER, CREDS);
    let peak = 0;
    const timer = setInterval(() => (peak = Math.max(peak, mock.sockets.size)), 5);
    await Promise.all(Array.from({ length: 8 }, () => s.listFolders()));
    clearInterval(timer);
    assert.ok(peak <= 2, `peak ${peak} connections (no listener, so no watcher)`);
    await s.close();
  });
});
