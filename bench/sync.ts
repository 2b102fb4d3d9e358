// Sync throughput over loopback: N simulated phones (the client library) against a separate server
// process (SQLite store, embedded mail backend; bench/server-main.ts, which lifts the per-device
// throttle). Each user's Inbox is filled over the server's inbound SMTP listener, as an MTA would.
// Per round, fresh devices run FolderSync and download the whole Inbox (priming, then pages of
// WindowSize 100), then loop steady-state Syncs that find nothing new: first with the full
// request, then as empty requests (no body; the server replays its cached request).
import nodemailer from 'nodemailer';
import { EasClient } from '../src/client/index.js';
import { createUsers, printRows, row, startServerProcess, waitIdle } from './lib.js';
import type { BenchRow, ServerProcess } from './lib.js';

const USERS = 8;
const PASSWORD = 'bench-sync-password';

/** Fills every user's Inbox over SMTP; returns messages per second. */
async function seed(server: ServerProcess, users: string[], messages: number): Promise<number> {
  if (server.smtpPort === null) throw new Error('the server runs no SMTP listener');
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: server.smtpPort,
    secure: false,
    ignoreTLS: true,
    pool: true,
    maxConnections: 4,
    maxMessages: Infinity,
  });
  const start = performance.now();
  try {
    const jobs: Array<() => Promise<unknown>> = [];
    for (let i = 0; i < messages; i++) {
      for (const u of users) {
        jobs.push(() =>
          transport.sendMail({
            from: '"Bench Sender" <sender@example.net>',
            to: `${u}@example.com`,
            subject: `Benchmark message ${i}`,
            text: `Message ${i} for ${u}.\n\n${'Some ordinary body text. '.repeat(40)}`,
          }),
        );
      }
    }
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < jobs.length) await (jobs[next++] as () => Promise<unknown>)();
      }),
    );
  } finally {
    transport.close();
  }
  return (messages * users.length) / ((performance.now() - start) / 1000);
}

/** Loops `f` on every phone for `seconds`; returns requests per second. */
async function loop(
  phones: EasClient[],
  seconds: number,
  f: (p: EasClient) => Promise<void>,
): Promise<number> {
  let requests = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    phones.map(async (p) => {
      while (performance.now() < end) {
        await f(p);
        requests++;
      }
    }),
  );
  return requests / ((performance.now() - start) / 1000);
}

export async function benchSync(
  o: { devices?: number[]; messages?: number; rounds?: number; seconds?: number } = {},
): Promise<BenchRow[]> {
  const counts = o.devices ?? [8, 32];
  const messages = o.messages ?? 300;
  const rounds = o.rounds ?? 3;
  const seconds = o.seconds ?? 3;
  const server = await startServerProcess([], { unthrottled: true });
  const rows: BenchRow[] = [];
  try {
    const users = Array.from({ length: USERS }, (_, i) => `syncer${i}`);
    await createUsers(
      server,
      users.map((username) => ({ username, password: PASSWORD })),
    );
    const seeded = await seed(server, users, messages);
    await waitIdle(server.pid);
    rows.push(row(`SMTP delivery into the embedded store (${USERS * messages} messages)`, 'msg/s', [seeded]));
    for (const n of counts) {
      const download: number[] = [];
      const downloadReq: number[] = [];
      const steady: number[] = [];
      const empty: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const phones = Array.from(
          { length: n },
          (_, i) =>
            new EasClient({
              baseUrl: server.url,
              username: users[i % USERS] as string,
              password: PASSWORD,
              deviceId: `SYNCBENCH${n}R${r}D${i}`,
              deviceType: 'iPhone',
              protocolVersion: '16.1',
              userAgent: 'Apple-iPhone15C3/2201.100',
            }),
        );
        // 1. Initial download: FolderSync, priming, pages until MoreAvailable ends.
        let requests = 0;
        const t0 = performance.now();
        const inboxes = await Promise.all(
          phones.map(async (p) => {
            if ((await p.folderSync()).status !== 1) throw new Error('FolderSync failed');
            const inbox = p.folderOfType(2);
            if (!inbox) throw new Error('no Inbox');
            const got = await p.downloadFolder({ collectionId: inbox, windowSize: 100 });
            if (got.adds.length !== messages) throw new Error(`downloaded ${got.adds.length} of ${messages}`);
            requests += 2 + got.pages;
            return inbox;
          }),
        );
        const took = (performance.now() - t0) / 1000;
        download.push((n * messages) / took);
        downloadReq.push(requests / took);
        // 2. Steady state, full requests: nothing new, HTTP 200 with no body.
        steady.push(
          await loop(phones, seconds, async (p) => {
            const i = phones.indexOf(p);
            const res = await p.sync([{ collectionId: inboxes[i] as string }]);
            if (!res.empty) throw new Error('a steady-state Sync returned changes');
          }),
        );
        // 3. Steady state, empty requests (the cached request is replayed).
        empty.push(
          await loop(phones, seconds, async (p) => {
            const res = await p.sync([]);
            if (!res.empty) throw new Error(`an empty Sync returned HTTP ${res.httpStatus} with a body`);
          }),
        );
      }
      rows.push(
        row(`initial download, ${n} devices x ${messages} messages`, 'msg/s', download),
        row(`initial download requests (${n} devices)`, 'req/s', downloadReq),
        row(`steady-state Sync, nothing new (${n} devices)`, 'req/s', steady),
        row(`steady-state empty Sync request (${n} devices)`, 'req/s', empty),
      );
    }
  } finally {
    server.stop();
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printRows('Sync over loopback (embedded mail backend)', await benchSync());
}
