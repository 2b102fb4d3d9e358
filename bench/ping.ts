// Memory of held Pings: a `syncward serve` process (SQLite store, embedded mail backend) holds
// 1,000 and then 5,000 idle Pings from simulated devices spread over several users; its RSS
// (VmRSS) is read before and while holding. Raw keep-alive HTTP, one socket per held Ping,
// loopback only.
//
// The devices are set up once (FolderSync: a device's first request is the expensive one); each
// round then starts a fresh server process on that data, so its baseline carries no garbage from
// the setup, and holds Pings additively: 1,000, then 4,000 more. The process's RSS does not shrink
// after garbage is freed, so superseding Pings between measurements would measure high-water marks.
import { Agent, request } from 'node:http';
import { EasClient, pingRequest } from '../src/client/index.js';
import { formatPlainQuery, plainQueryHeaders } from '../src/eas/query.js';
import { childText, decodeWbxml, encodeWbxml } from '../src/wbxml/index.js';
import { createUsers, printRows, row, rssBytes, startServerProcess, waitIdle } from './lib.js';
import type { BenchRow } from './lib.js';

const USERS = 8;
const PASSWORD = 'bench-ping-password';
/** Longer than the bench: nothing ends by heartbeat. */
const HEARTBEAT = 3000;
/** Pings on their way at once. Thousands of simultaneous connects overflow the listen backlog (511). */
const WINDOW = 200;
/** How long a device's previous Ping may take to be answered once the new one is sent. */
const ANSWER_TIMEOUT_MS = 30_000;

interface Device {
  username: string;
  deviceId: string;
  inbox: string;
  /** Resolves when the device's held Ping is answered; null when none was sent yet. */
  answered: Promise<void> | null;
}

interface Tally {
  /** Pings answered with Status 1 (ended by the device's next Ping). */
  ended: number;
  /** Pings answered with anything else. */
  wrong: string[];
  errors: string[];
  /** Set at the end: destroyed sockets are then expected. */
  closing: boolean;
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
    answered: null,
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

/** Sends a Ping; resolves once it is written, then (if the device held one) once that one is answered. */
function sendPing(url: URL, agent: Agent, d: Device, tally: Tally): Promise<void> {
  const previous = d.answered;
  let answered!: () => void;
  d.answered = new Promise<void>((r) => (answered = r));
  const body = encodeWbxml(pingRequest({ heartbeatInterval: HEARTBEAT, folders: [{ id: d.inbox }] })!);
  const query = formatPlainQuery({
    cmd: 'Ping',
    user: d.username,
    deviceId: d.deviceId,
    deviceType: 'iPhone',
  });
  const written = new Promise<void>((resolve) => {
    const req = request(
      {
        agent,
        hostname: url.hostname,
        port: url.port,
        method: 'POST',
        path: `/Microsoft-Server-ActiveSync?${query}`,
        headers: {
          ...plainQueryHeaders({ protocolVersion: '16.1' }),
          Authorization: 'Basic ' + Buffer.from(`${d.username}:${PASSWORD}`).toString('base64'),
          'Content-Type': 'application/vnd.ms-sync.wbxml',
          'Content-Length': body.length,
          'User-Agent': 'Apple-iPhone15C3/2201.100',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          const status = raw.length ? childText(decodeWbxml(raw), 'Status') : null;
          if (res.statusCode === 200 && status === '1') tally.ended++;
          else tally.wrong.push(`HTTP ${res.statusCode} Status ${status}`);
          answered();
        });
      },
    );
    req.on('error', (err) => {
      if (!tally.closing) tally.errors.push((err as NodeJS.ErrnoException).code ?? err.message);
      answered();
      resolve();
    });
    req.end(body, () => resolve());
  });
  return written.then(async () => {
    if (!previous) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((r) => (timer = setTimeout(r, ANSWER_TIMEOUT_MS)));
    await Promise.race([previous, late]);
    clearTimeout(timer);
  });
}

export async function benchPing(o: { sizes?: number[]; rounds?: number } = {}): Promise<BenchRow[]> {
  const sizes = [...(o.sizes ?? [1000, 5000])].sort((x, y) => x - y);
  const rounds = o.rounds ?? 3;
  const most = sizes[sizes.length - 1] ?? 0;
  const args = ['--max-devices-per-user', String(Math.ceil(most / USERS))];
  const setup = await startServerProcess(args);
  let devices: Device[];
  try {
    await createUsers(
      setup,
      Array.from({ length: USERS }, (_, i) => ({ username: `pinger${i}`, password: PASSWORD })),
    );
    devices = await prepare(setup.url, most);
  } catch (err) {
    setup.stop();
    throw err;
  }
  setup.stop({ keepData: true });

  const baseline: number[] = [];
  const holding = new Map<number, number[]>(sizes.map((n) => [n, []]));
  const perPing = new Map<number, number[]>(sizes.map((n) => [n, []]));
  try {
    for (let r = 0; r < rounds; r++) {
      const server = await startServerProcess(args, { reuse: setup });
      // Destroying the sockets is how the bench lets go of the round's Pings.
      const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
      const tally: Tally = { ended: 0, wrong: [], errors: [], closing: false };
      const url = new URL(server.url);
      try {
        // Warm-up: the first requests compile the code paths; these devices then stay held.
        const warm = Math.min(20, sizes[0] ?? 0);
        await pool(devices.slice(0, warm), WINDOW, (d) => sendPing(url, agent, d, tally));
        await waitIdle(server.pid, { quietMs: 2000 });
        const rss0 = rssBytes(server.pid);
        baseline.push(rss0 / 2 ** 20);
        let held = warm;
        for (const size of sizes) {
          await pool(devices.slice(held, size), WINDOW, (d) => sendPing(url, agent, d, tally));
          held = size;
          // A Ping that came back instead of being held is a failed measurement.
          await waitIdle(server.pid, { quietMs: 1500, maxMs: 60_000 });
          if (tally.errors.length) throw new Error(`Pings failed: ${[...new Set(tally.errors)].join(', ')}`);
          if (tally.wrong.length || tally.ended) {
            throw new Error(`Pings answered instead of held: ${[...new Set(tally.wrong)].join(', ')}`);
          }
          const rss = rssBytes(server.pid);
          holding.get(size)?.push(rss / 2 ** 20);
          perPing.get(size)?.push((rss - rss0) / (size - warm));
        }
      } finally {
        tally.closing = true;
        agent.destroy();
        server.stop({ keepData: true });
      }
    }
  } finally {
    setup.stop();
  }
  return [
    row(
      `server RSS before holding (${most} devices set up, ${sizes[0] ? 20 : 0} warm-up Pings)`,
      'MiB',
      baseline,
    ),
    ...sizes.flatMap((n) => [
      row(`server RSS holding ${n} idle Pings (${USERS} users)`, 'MiB', holding.get(n) ?? []),
      row(`RSS per held Ping (${n} held)`, 'bytes', perPing.get(n) ?? []),
    ]),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printRows('Held Pings: server memory', await benchPing());
}
