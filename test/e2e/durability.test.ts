// Crash safety of a real `syncward serve` on its SQLite file: kill -9 between two Sync pages, a
// Sync whose answer is lost in the crash (before or after the server handled it), a client change
// acknowledged just before the crash, and mail accepted by SMTP (250) just before it. After each
// restart the phone goes on with the key it holds; every message must arrive exactly once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import nodemailer from 'nodemailer';
import { EasClient } from '../../src/client/index.js';
import type { SyncCollectionRequest, SyncCollectionResult, SyncItem } from '../../src/client/index.js';
import { startServe } from './serve-process.js';
import type { ServeProcess } from './serve-process.js';

/**
 * A loopback TCP proxy in front of the server. The phone keeps one URL across restarts (the
 * target moves), and one exchange can be cut: the server killed as the request reaches the proxy
 * (never handled) or as the answer leaves the server (handled, never received).
 */
interface FrontDoor {
  url: string;
  target: number;
  /** Resolves once the cut happened and `action` (the kill) finished. */
  cutNext(at: 'request' | 'response', action: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

async function openFrontDoor(target: number): Promise<FrontDoor> {
  let cut: { at: 'request' | 'response'; fire: () => void } | null = null;
  const sockets = new Set<Socket>();
  const door: FrontDoor = {
    url: '',
    target,
    cutNext(at, action) {
      return new Promise((resolve, reject) => {
        cut = { at, fire: () => action().then(resolve, reject) };
      });
    },
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((client) => {
    const upstream = connect(door.target, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    const trip = (at: 'request' | 'response'): boolean => {
      if (cut?.at !== at) return false;
      const { fire } = cut;
      cut = null;
      // The kill signal goes first, then the phone's connection drops with nothing forwarded.
      fire();
      client.destroy();
      upstream.destroy();
      return true;
    };
    client.on('data', (chunk: Buffer) => trip('request') || upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => trip('response') || client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  door.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return door;
}

let dir: string;
let server: ServeProcess;
let door: FrontDoor;
let demoPassword: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'syncward-durability-'));
  server = await startServe({ dataDir: dir });
  assert.ok(server.demoPassword, `first start prints the demo password:\n${server.output()}`);
  demoPassword = server.demoPassword;
  door = await openFrontDoor(server.port);
});

after(async () => {
  await server?.kill();
  await door?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A new process on the same data dir, behind the same front door. */
async function restart(): Promise<void> {
  assert.equal(server.alive(), false, 'the old process is gone');
  server = await startServe({ dataDir: dir });
  assert.equal(server.demoPassword, null, 'credentials are printed on the first start only');
  door.target = server.port;
}

async function killAndRestart(): Promise<void> {
  await server.kill();
  await restart();
}

// MIME bodies, so each item shows the Message-ID it was delivered with.
const MIME: Pick<SyncCollectionRequest, 'bodyPreferences' | 'mimeSupport'> = {
  bodyPreferences: [{ type: 4 }],
  mimeSupport: 2,
};

let phones = 0;

/** A provisioned phone with the hierarchy and the Inbox as it is now, downloaded. */
async function readyPhone(): Promise<{ phone: EasClient; inbox: string; had: SyncItem[] }> {
  const phone = new EasClient({
    baseUrl: door.url,
    username: 'demo',
    password: demoPassword,
    deviceId: `DURABLE${String(++phones).padStart(4, '0')}`,
    deviceType: 'iPhone',
    protocolVersion: '16.1',
    userAgent: 'Apple-iPhone15C3/2201.100',
    deviceInformation: { Model: 'iPhone15C3', OS: 'iOS 18.1 22B83' },
  });
  assert.equal((await phone.provision()).ackStatus, 1);
  assert.equal((await phone.folderSync()).status, 1);
  const inbox = phone.folderOfType(2);
  assert.ok(inbox, 'an Inbox');
  const had = (await phone.downloadFolder({ collectionId: inbox, ...MIME })).adds;
  return { phone, inbox, had };
}

interface Sent {
  subject: string;
  messageId: string;
}

function batch(tag: string, n: number): Sent[] {
  return Array.from({ length: n }, (_, i) => ({
    subject: `${tag} ${i + 1}`,
    messageId: `<${tag}-${i + 1}@durability.test>`,
  }));
}

/** SMTP to the server's inbound listener; each message is in once its 250 came back. */
async function deliver(messages: Sent[]): Promise<void> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: server.smtpPort ?? 0,
    secure: false,
    ignoreTLS: true,
  });
  try {
    for (const m of messages) {
      const info = await transport.sendMail({
        from: 'sender@example.net',
        to: 'demo@example.com',
        subject: m.subject,
        messageId: m.messageId,
        text: `Body of ${m.subject}.`,
      });
      assert.match(info.response, /^250 /);
    }
  } finally {
    transport.close();
  }
}

function messageIdOf(item: SyncItem): string {
  return /^Message-ID:\s*(<[^>]+>)/im.exec(item.email.body?.data ?? '')?.[1] ?? '(none)';
}

/** The sync state the server holds for a phone's collection, read beside the running server. */
function storedKeys(phone: EasClient, collectionId: string): { current: string; previous: string | null } {
  const db = new Database(join(dir, 'syncward.db'), { readonly: true });
  try {
    const row = db
      .prepare(
        `SELECT s.sync_key AS current, s.previous_sync_key AS previous FROM sync_states s
         JOIN devices d ON d.id = s.device_id WHERE d.device_id = ? AND s.collection_id = ?`,
      )
      .get(phone.opts.deviceId, collectionId) as { current: string; previous: string | null } | undefined;
    assert.ok(row, 'a stored sync state');
    return row;
  } finally {
    db.close();
  }
}

/** One Sync of the Inbox with the key the phone holds. */
async function page(phone: EasClient, inbox: string, windowSize: number): Promise<SyncCollectionResult> {
  const c = (await phone.sync([{ collectionId: inbox, windowSize, ...MIME }])).collection(inbox);
  assert.equal(c?.status, 1, `Sync status ${c?.status}`);
  return c;
}

/** Each message exactly once, each under its own ServerId, and nothing else. */
function assertExactlyOnce(got: SyncItem[], sent: Sent[]): void {
  const ids = got.map(messageIdOf);
  assert.deepEqual([...ids].sort(), sent.map((m) => m.messageId).sort(), 'Message-IDs');
  assert.deepEqual(got.map((i) => i.email.subject).sort(), sent.map((m) => m.subject).sort(), 'subjects');
  assert.equal(new Set(got.map((i) => i.serverId)).size, sent.length, 'distinct ServerIds');
}

test('kill -9 between two Sync pages: the phone resumes with its last key, every message once', async () => {
  const { phone, inbox } = await readyPhone();
  const sent = batch('between-pages', 10);
  await deliver(sent);

  // 1. The first page of a paged download.
  const first = await page(phone, inbox, 4);
  assert.equal(first.adds.length, 4);
  assert.equal(first.moreAvailable, true);
  const key = phone.syncKeys.get(inbox);

  // 2. kill -9, start again on the same data dir. The hierarchy key survives too (no status 9).
  await killAndRestart();
  const hierarchy = await phone.folderSync();
  assert.deepEqual([hierarchy.status, hierarchy.adds, hierarchy.deletes], [1, [], []]);

  // 3. The rest, from the key the phone held: no page repeated, none skipped.
  const got = [...first.adds];
  const rest: number[] = [];
  for (let more = true; more;) {
    const next = await page(phone, inbox, 4);
    rest.push(next.adds.length);
    got.push(...next.adds);
    more = next.moreAvailable;
  }
  assert.notEqual(phone.syncKeys.get(inbox), key);
  assert.deepEqual(rest, [4, 2]);
  assertExactlyOnce(got, sent);
  assert.equal((await phone.sync([{ collectionId: inbox, ...MIME }])).empty, true, 'caught up');
});

test('a Sync lost in a kill -9 (before or after the server handled it): the retry loses nothing', async () => {
  const { phone, inbox } = await readyPhone();
  const sent = batch('lost-answer', 9);
  await deliver(sent);
  const got = [...(await page(phone, inbox, 3)).adds];
  const key = phone.syncKeys.get(inbox);
  // The phone resends one request until it gets an answer: the next page, and a delete.
  const doomed = got[0] as SyncItem;
  const request = { collectionId: inbox, windowSize: 3, deletes: [doomed.serverId], ...MIME };

  // 1. Killed as the request arrives: the server never handled it.
  const killedEarly = door.cutNext('request', () => server.kill());
  await assert.rejects(phone.sync([request]));
  await killedEarly;
  assert.equal(phone.syncKeys.get(inbox), key, 'the phone still holds its key');
  await restart();
  assert.equal(storedKeys(phone, inbox).current, key, 'the server never handled it');

  // 2. Killed once the server answered (delete done, new state committed): the answer is lost.
  const killedLate = door.cutNext('response', () => server.kill());
  await assert.rejects(phone.sync([request]));
  await killedLate;
  assert.equal(phone.syncKeys.get(inbox), key, 'the phone still holds its key');
  await restart();
  const stored = storedKeys(phone, inbox);
  assert.notEqual(stored.current, key, 'the server handled it and kept its new state');
  assert.equal(stored.previous, key, "the phone's key is kept as the previous one");

  // 3. The same request again with the same key: the lost page comes again, then the rest.
  const retried = (await phone.sync([request])).collection(inbox);
  assert.equal(retried?.status, 1);
  assert.deepEqual(retried?.responses, { adds: [], changes: [], fetches: [] });
  assert.equal(retried?.adds.length, 3);
  got.push(...retried.adds);
  const last = await page(phone, inbox, 3);
  assert.equal(last.moreAvailable, false);
  assert.deepEqual(last.deletes, [], 'the deleted item is not deleted again');
  got.push(...last.adds);
  assertExactlyOnce(got, sent);
  assert.equal((await phone.sync([{ collectionId: inbox, ...MIME }])).empty, true, 'caught up');

  // 4. The delete happened once: moved to Deleted Items, gone from the Inbox.
  const other = await readyPhone();
  const deleted = other.phone.folderOfType(4);
  assert.ok(deleted, 'a Deleted Items folder');
  const trash = await other.phone.downloadFolder({ collectionId: deleted, ...MIME });
  const doomedId = messageIdOf(doomed);
  assert.equal(trash.adds.filter((i) => messageIdOf(i) === doomedId).length, 1);
  assert.equal(other.had.filter((i) => messageIdOf(i) === doomedId).length, 0);
  assert.equal(other.had.filter((i) => i.email.subject?.startsWith('lost-answer ')).length, 8);
});

test('read and flag changes acknowledged just before kill -9 survive the restart', async () => {
  const { phone, inbox } = await readyPhone();
  const sent = batch('client-change', 3);
  await deliver(sent);
  const download = await phone.downloadFolder({ collectionId: inbox, ...MIME });
  assertExactlyOnce(download.adds, sent);
  const bySubject = new Map(download.adds.map((i) => [i.email.subject, i.serverId]));
  const [read, flagged, untouched] = sent.map((m) => m.subject) as [string, string, string];

  // 1. The phone marks one read and flags another; the server answers, then dies.
  const changed = await phone.sync([
    {
      collectionId: inbox,
      changes: [
        { serverId: bySubject.get(read) ?? '', read: true },
        { serverId: bySubject.get(flagged) ?? '', flagged: true },
      ],
    },
  ]);
  const c = changed.collection(inbox);
  assert.equal(c?.status, 1);
  assert.deepEqual(c?.responses.changes, [], 'no change refused');
  await killAndRestart();

  // 2. A second phone of the same user, synced from scratch, sees both changes.
  const other = await readyPhone();
  const seen = new Map(other.had.map((i) => [i.email.subject, i.email]));
  assert.deepEqual(
    [read, flagged, untouched].map((s) => [s, seen.get(s)?.read, seen.get(s)?.flagged]),
    [
      [read, true, false],
      [flagged, false, true],
      [untouched, false, false],
    ],
  );

  // 3. The first phone goes on from its key: nothing is echoed back or sent twice.
  assert.equal((await phone.sync([{ collectionId: inbox, ...MIME }])).empty, true);
});

test('mail accepted by SMTP (250) right before kill -9 is there after the restart; a cut-off DATA is not', async () => {
  const { phone, inbox } = await readyPhone();
  const sent = batch('smtp-before-kill', 2);

  // 1. One sender is halfway through DATA, never acknowledged; another gets its 250s. Then kill -9.
  const torn = await startData(server.smtpPort ?? 0, 'Subject: torn message\r\nMessage-ID: <torn@x>\r\n');
  await deliver(sent);
  await server.kill();
  torn.destroy();
  await restart();

  // 2. Everything acknowledged is there once; the torn message is nowhere.
  const got = await phone.downloadFolder({ collectionId: inbox, ...MIME });
  assertExactlyOnce(got.adds, sent);
  const fresh = await readyPhone();
  assert.equal(fresh.had.filter((i) => i.email.subject === 'torn message').length, 0);
  assert.equal(fresh.had.filter((i) => sent.some((m) => m.messageId === messageIdOf(i))).length, 2);
});

/** An SMTP session left inside DATA: `partial` written after the 354, no final dot. */
async function startData(port: number, partial: string): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  let buffer = '';
  const reply = (code: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        // A reply is complete at a line "CODE text" (no dash after the code).
        const m = /^(\d{3}) .*\r\n/m.exec(buffer);
        if (!m) return;
        socket.off('data', onData);
        buffer = buffer.slice(m.index + m[0].length);
        if (m[1] === code) resolve();
        else reject(new Error(`SMTP: expected ${code}, got ${m[0]}`));
      };
      const onData = (b: Buffer) => {
        buffer += b.toString('latin1');
        check();
      };
      socket.on('data', onData);
      check();
    });
  await reply('220');
  for (const [line, code] of [
    ['EHLO durability.test', '250'],
    ['MAIL FROM:<sender@example.net>', '250'],
    ['RCPT TO:<demo@example.com>', '250'],
    ['DATA', '354'],
  ] as const) {
    socket.write(`${line}\r\n`);
    await reply(code);
  }
  await new Promise<void>((resolve) =>
    socket.write(`${partial}\r\nThe first half of a bod`, () => resolve()),
  );
  return socket;
}
