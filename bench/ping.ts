// Memory of held Pings: a `syncward serve` process (SQLite, memory mail backend) holds 1,000 and
// then 5,000 idle Pings from simulated devices spread over several users; its RSS (VmRSS) is read
// once all devices have run FolderSync (the baseline) and while holding. Each round Pings every
// device again, which ends the previous round's Pings (Status 1) and holds the new ones. Raw
// keep-alive HTTP, one socket per device, loopback only. Setup dominates the run time: a device's
// first request is the expensive one (association, access decision, audit).
import { Agent, request } from 'node:http';
import { EasClient, pingRequest } from '../src/client/index.js';
import { formatPlainQuery, plainQueryHeaders } from '../src/eas/query.js';
import { decodeWbxml, encodeWbxml } from '../src/wbxml/index.js';
import { childText } from '../src/wbxml/index.js';
import { createUsers, printRows, row, rssBytes, startServerProcess, waitIdle } from './lib.js';
import type { BenchRow } from './lib.js';

const USERS = 8;
const PASSWORD = 'bench-ping-password';
const HEARTBEAT = 3000;

interface Device {
  username: string;
  deviceId: string;
  inbox: string;
}

/** Runs `f` over `items` with at most `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, f: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await f(items[next++] as T);
    }),
  );
}

/** What a device does before it can Ping: FolderSync (no Provision: the default policy allows it). */
async function prepare(url: string, count: number): Promise<Device[]> {
  const devices: Device[] = Array.from({ length: count }, (_, i) => ({
    username: `pinger${i % USERS}`,
    deviceId: `PINGBENCH${String(i).padStart(6, '0')}`,
    inbox: '',
  }));
  await pool(devices, 32, async (d) => {
    const c = new EasClient({
      baseUrl: url,
      username: d.username,
      password: PASSWORD,
      deviceId: d.deviceId,
      deviceType: 'iPhone',
      protocolVersion: '16.1',
      userAgent: 'Apple-iPhone15C3/2201.100',
    });
    const fs = await c.folderSync();
    if (fs.status !== 1) throw new Error(`FolderSync of ${d.deviceId}: status ${fs.status}`);
    d.inbox = c.folderOfType(2) ?? '';
  });
  return devices;
}

/**
 * Sends one Ping per device over its own keep-alive socket; resolves once every request is written.
 * At most WINDOW requests are on their way at once: thousands of simultaneous connects overflow the
 * listen backlog (511) and come back as resets or late SYN retransmits, which is not what is measured.
 */
async function holdPings(
  url: string,
  agent: Agent,
  devices: readonly Device[],
  answers: Answers,
): Promise<void> {
  const WINDOW = 200;
  const { hostname, port } = new URL(url);
  await pool(
    devices,
    WINDOW,
    (d) =>
      new Promise<void>((resolve) => {
        const body = encodeWbxml(pingRequest({ heartbeatInterval: HEARTBEAT, folders: [{ id: d.inbox }] })!);
        const query = formatPlainQuery({
          cmd: 'Ping',
          user: d.username,
          deviceId: d.deviceId,
          deviceType: 'iPhone',
        });
        const req = request(
          {
            agent,
            hostname,
            port,
            method: 'POST',
            path: `/Microsoft-Server-ActiveSync?${query}`,
            headers: {
              ...plainQueryHeaders({ protocolVersion: '16.1' }),
              Authorization: 'Basic ' + Buffer.from(`${d.username}:${PASSWORD}`).toString('base64'),
              'Content-Type': 'application/vnd.ms-sync.wbxml',
              'Content-Length': body.length,
              'User-Agent': 'Apple-iPhone15C3/2201.100',
            },
            timeout: 120_000,
          },
          (res) => {
            // A held Ping is answered only when the next round's Ping of its device ends it (Status 1).
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const raw = Buffer.concat(chunks);
              const status = raw.length ? childText(decodeWbxml(raw), 'Status') : null;
              if (status === '1' && res.statusCode === 200) answers.ended++;
              else answers.wrong++;
            });
          },
        );
        req.on('timeout', () => req.destroy());
        req.on('error', (err) => {
          // Destroyed at the end of the bench: expected. Anything earlier is a failed measurement.
          if (!answers.closing) answers.errors.push((err as NodeJS.ErrnoException).code ?? err.message);
          resolve();
        });
        req.end(body, () => resolve());
      }),
  );
}

interface Answers {
  ended: number;
  wrong: number;
  errors: string[];
  closing: boolean;
}

export async function benchPing(o: { sizes?: number[]; rounds?: number } = {}): Promise<BenchRow[]> {
  const sizes = [...(o.sizes ?? [1000, 5000])].sort((x, y) => x - y);
  const rounds = o.rounds ?? 3;
  const most = sizes[sizes.length - 1] ?? 0;
  const rows: BenchRow[] = [];
  const server = await startServerProcess(['--max-devices-per-user', String(Math.ceil(most / USERS))]);
  // Sockets are destroyed at the end, which is how the bench lets go of the last round.
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const answers: Answers = { ended: 0, wrong: 0, errors: [], closing: false };
  try {
    await createUsers(
      server,
      Array.from({ length: USERS }, (_, i) => ({ username: `pinger${i}`, password: PASSWORD })),
    );
    const devices = await prepare(server.url, most);
    await waitIdle(server.pid, { quietMs: 2000 });
    const baseline = rssBytes(server.pid);
    let held = 0;
    for (const size of sizes) {
      const holding: number[] = [];
      const perPing: number[] = [];
      for (let r = 0; r < rounds; r++) {
        // The Pings this round supersedes answer; then the server goes quiet, holding `size`.
        const expectEnded = answers.ended + Math.min(held, size);
        await holdPings(server.url, agent, devices.slice(0, size), answers);
        await waitIdle(server.pid, { quietMs: 1500, maxMs: 60_000 });
        for (let i = 0; i < 50 && answers.ended < expectEnded; i++)
          await new Promise((res) => setTimeout(res, 100));
        if (answers.wrong)
          throw new Error(`${answers.wrong} Pings were answered with something else than Status 1`);
        if (answers.ended !== expectEnded)
          throw new Error(`${answers.ended} Pings ended, expected ${expectEnded}`);
        held = Math.max(held, size);
        const rss = rssBytes(server.pid);
        holding.push(rss / 2 ** 20);
        perPing.push((rss - baseline) / size);
      }
      rows.push(
        row(`server RSS holding ${size} idle Pings (${USERS} users)`, 'MiB', holding),
        row(`RSS per held Ping, over the baseline (${size} held)`, 'bytes', perPing),
      );
    }
    rows.unshift(
      row(`server RSS baseline: ${most} devices after FolderSync, nothing held`, 'MiB', [baseline / 2 ** 20]),
    );
  } finally {
    answers.closing = true;
    agent.destroy();
    server.stop();
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printRows('Held Pings: server memory', await benchPing());
}
