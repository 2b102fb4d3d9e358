// Server memory with large mail: a server process (SQLite file store, embedded mail backend;
// bench/server-main.ts) receives over its inbound SMTP listener a mailbox of thousands of small
// messages and some carrying a 25 MB attachment; a phone then downloads the Inbox (Sync, HTML bodies
// then MIME) and fetches every large attachment and every large message whole with multipart
// ItemOperations, reading the answers as streams. The server's RSS is sampled every 50 ms and its
// exact peak (VmHWM) read per phase: growth that follows the bytes served means something holds a
// message or an attachment whole. Not a throughput benchmark of the client library. Linux only.
//
// Each phase (and each round) runs on a fresh server process on the same data, warmed up, as
// bench/ping.ts does: a process's RSS does not shrink after garbage is freed, so a phase measured
// after another would only show what exceeds the earlier high-water mark.
import { createCipheriv, createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { statfsSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import nodemailer from 'nodemailer';
import type { SendMailOptions } from 'nodemailer';
import { EasClient, MULTIPART_TYPE, parseSync, syncRequest } from '../src/client/index.js';
import type { SyncCollectionRequest, SyncItem } from '../src/client/index.js';
import { formatPlainQuery, plainQueryHeaders } from '../src/eas/query.js';
import { child, childText, decodeWbxml, el, encodeWbxml } from '../src/wbxml/index.js';
import type { ElChild } from '../src/wbxml/index.js';
import type { WbxmlElement } from '../src/wbxml/types.js';
import {
  createUsers,
  peakRssBytes,
  printRows,
  resetPeakRss,
  row,
  rssBytes,
  startServerProcess,
  waitIdle,
} from './lib.js';
import type { BenchRow, ServerProcess } from './lib.js';

const USER = 'bigmail';
const PASSWORD = 'bench-large-mail-password';
const SAMPLE_MS = 50;
const MB = 1e6;
const MIB = 2 ** 20;
/** Every Nth small message carries a small attachment (a phone's first attachment fetch warms up on one). */
const SMALL_ATTACHMENT_EVERY = 25;
const SMALL_ATTACHMENT_BYTES = 16 * 1024;
/** Messages sent before measuring delivery: they compile the SMTP and store paths. */
const WARMUP_MESSAGES = 2;
/** Passes over the large attachments in each round of the sequential fetch. */
const PASSES = 2;
const PHONE = {
  deviceType: 'iPhone',
  protocolVersion: '16.1',
  userAgent: 'Apple-iPhone15C3/2201.100',
} as const;
const WBXML_TYPE = 'application/vnd.ms-sync.wbxml';

export interface LargeMailOptions {
  /** Small messages in the Inbox (default 3000, env EAS_BENCH_SMALL). */
  small?: number;
  /** Messages carrying one large attachment (default 20, env EAS_BENCH_LARGE). */
  large?: number;
  /** Size of each large attachment in MB of 10^6 bytes (default 25, env EAS_BENCH_ATTACHMENT_MB). */
  attachmentMB?: number;
  /** Rounds of each fetch phase (default 3, env EAS_BENCH_ROUNDS). */
  rounds?: number;
  /** Requests at once in the concurrent attachment fetch (default 4, env EAS_BENCH_PARALLEL; 0 skips it). */
  parallel?: number;
}

function envNumber(name: string, fallback: number): number {
  const v = process.env[name];
  const n = v === undefined || v.trim() === '' ? Number.NaN : Number(v);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

// --- measuring -----------------------------------------------------------------------------------

interface Memory {
  /** RSS when the phase started (fresh process, warmed up, idle). */
  baseline: number;
  /** Highest of the 50 ms samples. */
  sampled: number;
  /** VmHWM: the exact peak since the phase started. */
  hwm: number;
}

/** Samples a process's RSS every SAMPLE_MS from construction to stop(); restarts its VmHWM. */
class RssSampler {
  readonly baseline: number;
  private sampled: number;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number) {
    resetPeakRss(pid);
    this.baseline = rssBytes(pid);
    this.sampled = this.baseline;
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
  }

  private sample(): void {
    this.sampled = Math.max(this.sampled, rssBytes(this.pid));
  }

  /** The exact peak so far (VmHWM). */
  peak(): number {
    return peakRssBytes(this.pid);
  }

  stop(): Memory {
    clearInterval(this.timer);
    this.sample();
    return { baseline: this.baseline, sampled: this.sampled, hwm: this.peak() };
  }
}

/** Samples of each row, in the order rows were first recorded. */
class Table {
  private readonly rows = new Map<string, { unit: string; samples: number[] }>();

  add(name: string, unit: string, value: number): void {
    const r = this.rows.get(name) ?? { unit, samples: [] };
    r.samples.push(value);
    this.rows.set(name, r);
  }

  /** The memory rows of one phase; `served`: bytes the server received (SMTP) or answered (HTTP bodies). */
  memory(phase: string, m: Memory, served: number): void {
    this.add(`${phase}: bytes served`, 'MB', served / MB);
    this.add(`${phase}: server RSS at start (baseline)`, 'MiB', m.baseline / MIB);
    this.add(`${phase}: peak RSS (50 ms samples)`, 'MiB', m.sampled / MIB);
    this.add(`${phase}: peak - baseline (50 ms samples)`, 'MiB', (m.sampled - m.baseline) / MIB);
    this.add(`${phase}: peak - baseline (VmHWM)`, 'MiB', (m.hwm - m.baseline) / MIB);
    this.add(`${phase}: peak growth / bytes served`, '%', (100 * (m.hwm - m.baseline)) / served);
  }

  toRows(): BenchRow[] {
    return [...this.rows].map(([name, r]) => row(name, r.unit, r.samples));
  }
}

// --- the mailbox -----------------------------------------------------------------------------------

/**
 * `bytes` of incompressible, reproducible data (AES-128-CTR keystream keyed by `seed`) as a stream
 * read once by nodemailer; `done` gets its SHA-256 when the stream ends. Never held whole.
 */
function generated(seed: string, bytes: number, done: (sha256: string) => void): Readable {
  const key = createHash('sha256').update(seed).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  const hash = createHash('sha256');
  const zeros = Buffer.alloc(256 * 1024);
  let left = bytes;
  return new Readable({
    read() {
      if (left === 0) {
        done(hash.digest('hex'));
        this.push(null);
        return;
      }
      const chunk = cipher.update(zeros.subarray(0, Math.min(left, zeros.length)));
      hash.update(chunk);
      left -= chunk.length;
      this.push(chunk);
    },
  });
}

interface Mailbox {
  /** SHA-256 of each large attachment, by the subject of its message. */
  expected: Map<string, string>;
  /** Bytes the server received (SMTP DATA), and messages. */
  bytes: number;
  messages: number;
}

function text(i: number): string {
  return `Message ${i}.\n\n${'An ordinary paragraph of mail, nothing large about it. '.repeat(20)}`;
}

/** Sends the mailbox over SMTP, `large` messages spread evenly among the small ones. */
async function deliver(
  server: ServerProcess,
  o: { small: number; large: number; attachmentBytes: number; first: number },
): Promise<Mailbox> {
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
  const total = o.small + o.large;
  const largeAt = new Set(
    Array.from({ length: o.large }, (_, k) => Math.floor(((k + 0.5) * total) / o.large)),
  );
  const box: Mailbox = { expected: new Map(), bytes: 0, messages: 0 };
  const jobs: Array<() => Promise<void>> = [];
  let k = 0;
  let s = o.first;
  for (let i = 0; i < total; i++) {
    const send = async (mail: SendMailOptions) => {
      const info = await transport.sendMail({
        from: '"Bench Sender" <sender@example.net>',
        to: `${USER}@example.com`,
        ...mail,
      });
      if (info.accepted.length !== 1) throw new Error(`not accepted: ${info.response}`);
      box.bytes += info.messageSize;
      box.messages++;
    };
    if (largeAt.has(i)) {
      const subject = `Large ${k++}`;
      jobs.push(() =>
        send({
          subject,
          text: text(i),
          attachments: [
            {
              filename: `${subject.replace(' ', '-').toLowerCase()}.bin`,
              contentType: 'application/octet-stream',
              content: generated(subject, o.attachmentBytes, (h) => box.expected.set(subject, h)),
            },
          ],
        }),
      );
    } else {
      const n = s++;
      jobs.push(() =>
        send({
          subject: `Small ${n}`,
          text: text(n),
          html: `<p>${text(n)}</p>`,
          attachments:
            n % SMALL_ATTACHMENT_EVERY === 0
              ? [
                  {
                    filename: `note-${n}.pdf`,
                    contentType: 'application/pdf',
                    content: generated(`note ${n}`, SMALL_ATTACHMENT_BYTES, () => undefined),
                  },
                ]
              : [],
        }),
      );
    }
  }
  try {
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < jobs.length) await (jobs[next++] as () => Promise<void>)();
      }),
    );
  } finally {
    transport.close();
  }
  return box;
}

// --- the phone -----------------------------------------------------------------------------------

function phone(server: ServerProcess, deviceId: string): EasClient {
  return new EasClient({ baseUrl: server.url, username: USER, password: PASSWORD, deviceId, ...PHONE });
}

async function inboxOf(c: EasClient): Promise<string> {
  if ((await c.folderSync()).status !== 1) throw new Error('FolderSync failed');
  const inbox = c.folderOfType(2);
  if (!inbox) throw new Error('no Inbox');
  return inbox;
}

type SyncOptions = Omit<SyncCollectionRequest, 'collectionId' | 'syncKey'>;

/**
 * A phone's initial download of one folder: priming (SyncKey 0), then pages until MoreAvailable
 * ends. EasClient.command rather than downloadFolder, to count the bytes of each answer.
 */
async function download(
  c: EasClient,
  inbox: string,
  options: SyncOptions,
  onAdd: (item: SyncItem) => void,
  maxPages = Number.POSITIVE_INFINITY,
): Promise<{ adds: number; requests: number; bytes: number }> {
  const out = { adds: 0, requests: 0, bytes: 0 };
  const page = async (syncKey: string, o: SyncOptions) => {
    const res = await c.command('Sync', syncRequest([{ collectionId: inbox, syncKey, ...o }]));
    out.requests++;
    out.bytes += res.raw.length;
    const col = parseSync(res.body).collections.find((x) => x.collectionId === inbox);
    if (col?.status !== 1 || !col.syncKey) throw new Error(`Sync of the Inbox: status ${col?.status}`);
    return col;
  };
  let key = (await page('0', {})).syncKey as string;
  for (let n = 0; n < maxPages; n++) {
    const col = await page(key, options);
    key = col.syncKey as string;
    out.adds += col.adds.length;
    col.adds.forEach(onAdd);
    if (!col.moreAvailable) break;
  }
  return out;
}

class MultipartError extends Error {
  override readonly name = 'MultipartError';
}

/**
 * A multipart ItemOperations body ([MS-ASCMD] 2.2.1.10.1.1) read as it arrives: part 0 (the WBXML)
 * is kept, the other parts only hashed, so the bench never holds an attachment either. Reads parts
 * laid out in order, as this server writes them.
 */
class MultipartReader {
  private head = Buffer.alloc(0);
  private layout: Array<{ start: number; end: number; hash: Hash | null }> | null = null;
  private pos = 0;
  private current = 0;
  private readonly part0: Buffer[] = [];
  bytes = 0;

  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.layout) return this.feed(chunk);
    this.head = Buffer.concat([this.head, chunk]);
    if (this.head.length < 4) return;
    const count = this.head.readUInt32LE(0);
    const headLength = 4 + 8 * count;
    if (count === 0 || count > 1000) throw new MultipartError(`multipart: ${count} parts`);
    if (this.head.length < headLength) return;
    const layout: NonNullable<MultipartReader['layout']> = [];
    let expected = headLength;
    for (let i = 0; i < count; i++) {
      const offset = this.head.readUInt32LE(4 + 8 * i);
      const length = this.head.readUInt32LE(8 + 8 * i);
      if (offset !== expected)
        throw new MultipartError(`multipart: part ${i} is not where the previous ended`);
      expected = offset + length;
      layout.push({ start: offset, end: expected, hash: i === 0 ? null : createHash('sha256') });
    }
    this.layout = layout;
    this.pos = headLength;
    const rest = this.head.subarray(headLength);
    this.head = Buffer.alloc(0);
    this.feed(rest);
  }

  private feed(chunk: Buffer): void {
    const layout = this.layout as NonNullable<MultipartReader['layout']>;
    let c = chunk;
    while (c.length > 0) {
      const part = layout[this.current];
      if (!part) throw new MultipartError('multipart: bytes after the last part');
      const n = Math.min(c.length, part.end - this.pos);
      if (part.hash) part.hash.update(c.subarray(0, n));
      else this.part0.push(c.subarray(0, n));
      this.pos += n;
      c = c.subarray(n);
      while (this.current < layout.length && this.pos === layout[this.current]?.end) this.current++;
    }
  }

  /** The WBXML document and, per part after it, its length and SHA-256. */
  finish(): { doc: WbxmlElement; parts: Array<{ length: number; sha256: string }> } {
    const layout = this.layout;
    if (!layout || this.current < layout.length) throw new MultipartError('multipart: body ended early');
    return {
      doc: decodeWbxml(Buffer.concat(this.part0)),
      parts: layout
        .slice(1)
        .map((p) => ({ length: p.end - p.start, sha256: (p.hash as Hash).digest('hex') })),
    };
  }
}

interface Streamed {
  doc: WbxmlElement | null;
  parts: Array<{ length: number; sha256: string }>;
  /** Bytes of the HTTP body. */
  bytes: number;
}

const io = (tag: string, ...c: ElChild[]) => el('ItemOperations', tag, ...c);
const agent = new Agent({ keepAlive: true });

/**
 * ItemOperations with MS-ASAcceptMultiPart: T, the answer streamed through a MultipartReader.
 * MailItemsClient.itemOperations reads the whole answer into one Buffer before parsing it (fine
 * for tests, not for 25 MB), hence this request of our own, with the same query and headers.
 */
function itemOperations(c: EasClient, ops: WbxmlElement[]): Promise<Streamed> {
  const url = new URL(c.opts.baseUrl);
  const body = encodeWbxml(io('ItemOperations', ops));
  const query = formatPlainQuery({
    cmd: 'ItemOperations',
    user: c.opts.username,
    deviceId: c.opts.deviceId,
    deviceType: c.opts.deviceType,
  });
  return new Promise<Streamed>((resolve, reject) => {
    const req = request(
      {
        agent,
        hostname: url.hostname,
        port: url.port,
        method: 'POST',
        path: `/Microsoft-Server-ActiveSync?${query}`,
        headers: {
          ...plainQueryHeaders({
            protocolVersion: c.opts.protocolVersion,
            policyKey: c.policyKey,
            acceptMultiPart: true,
          }),
          Authorization: 'Basic ' + Buffer.from(`${c.opts.username}:${c.opts.password}`).toString('base64'),
          'Content-Type': WBXML_TYPE,
          'Content-Length': body.length,
          'User-Agent': PHONE.userAgent,
        },
      },
      (res) => {
        const multipart = (res.headers['content-type'] ?? '').toLowerCase().startsWith(MULTIPART_TYPE);
        const reader = new MultipartReader();
        const plain: Buffer[] = [];
        res.on('data', (chunk: Buffer) => {
          if (!multipart) return void plain.push(chunk);
          try {
            reader.push(chunk);
          } catch (err) {
            res.destroy(err as Error);
          }
        });
        res.on('error', reject);
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`ItemOperations: HTTP ${res.statusCode}`));
          try {
            if (multipart) resolve({ ...reader.finish(), bytes: reader.bytes });
            else {
              const raw = Buffer.concat(plain);
              resolve({ doc: raw.length ? decodeWbxml(raw) : null, parts: [], bytes: raw.length });
            }
          } catch (err) {
            reject(err as Error);
          }
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The one Fetch of a streamed answer: Status 1 and the part it names, else an error. */
function fetchedPart(r: Streamed, what: string): { length: number; sha256: string } {
  const f = child(child(r.doc, 'Response', 'ItemOperations'), 'Fetch', 'ItemOperations');
  const status = childText(f, 'Status', 'ItemOperations');
  if (status !== '1') throw new Error(`${what}: Fetch status ${status}`);
  const props = child(f, 'Properties', 'ItemOperations');
  const partNo =
    childText(props, 'Part', 'ItemOperations') ??
    childText(child(props, 'Body', 'AirSyncBase'), 'Part', 'ItemOperations');
  const part = partNo === null ? undefined : r.parts[Number(partNo) - 1];
  if (!part) throw new Error(`${what}: no part in the answer`);
  return part;
}

function fetchAttachment(c: EasClient, fileReference: string): Promise<Streamed> {
  return itemOperations(c, [
    io('Fetch', io('Store', 'Mailbox'), el('AirSyncBase', 'FileReference', fileReference)),
  ]);
}

/** The whole message as MIME ([MS-ASCMD] 2.2.3.110.2 MIMESupport 2, BodyPreference Type 4). */
function fetchMime(c: EasClient, inbox: string, serverId: string): Promise<Streamed> {
  return itemOperations(c, [
    io(
      'Fetch',
      io('Store', 'Mailbox'),
      el('AirSync', 'CollectionId', inbox),
      el('AirSync', 'ServerId', serverId),
      io(
        'Options',
        el('AirSync', 'MIMESupport', 2),
        el('AirSyncBase', 'BodyPreference', el('AirSyncBase', 'Type', 4)),
      ),
    ),
  ]);
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

// --- the phases ------------------------------------------------------------------------------------

/** What the first phone learnt from its download: where the large attachments and messages are. */
interface Refs {
  inbox: string;
  /** Large messages: subject, ServerId, FileReference of the attachment. */
  large: Array<{ subject: string; serverId: string; fileReference: string }>;
  /** A small message with a small attachment (the fetch phases' warm-up). */
  small: { serverId: string; fileReference: string };
}

/** HTML bodies as phones ask for them at first: truncated, the rest fetched when opened. */
const HTML_OPTIONS: SyncOptions = {
  windowSize: 100,
  bodyPreferences: [{ type: 2, truncationSize: 32 * 1024 }],
};
/** MIME with no TruncationSize: the most a phone can ask; the server sends at most MAX_BODY_BYTES. */
const MIME_OPTIONS: SyncOptions = { windowSize: 100, mimeSupport: 2, bodyPreferences: [{ type: 4 }] };

/**
 * Stops a phase's server once it is idle: the last answer's spool file is removed after the phone
 * has read it all, and SIGKILL before that would leave the file in the temporary directory.
 */
async function stop(server: ServerProcess): Promise<void> {
  await waitIdle(server.pid, { quietMs: 300, maxMs: 5000 }).catch(() => undefined);
  server.stop({ keepData: true });
}

function checkDisk(o: Required<LargeMailOptions>): Required<LargeMailOptions> {
  // The stored messages (base64 is 4/3 larger, plus line ends), the same again for the SQLite WAL,
  // a spooled part per concurrent fetch, and 1 GB to spare.
  const perLarge = o.attachmentMB * MB * 1.4;
  const need = (large: number) => 2 * (large * perLarge + o.small * 4096) + o.parallel * perLarge + 1e9;
  const fs = statfsSync(tmpdir());
  const free = fs.bavail * fs.bsize;
  if (need(o.large) <= free) return o;
  const large = Math.max(1, Math.floor((free - need(0)) / (2 * perLarge)));
  console.log(
    `\n(only ${(free / 1e9).toFixed(1)} GB free in ${tmpdir()}: ${large} large messages instead of ${o.large})`,
  );
  return { ...o, large };
}

export async function benchLargeMail(options: LargeMailOptions = {}): Promise<BenchRow[]> {
  const o = checkDisk({
    small: options.small ?? envNumber('EAS_BENCH_SMALL', 3000),
    large: options.large ?? envNumber('EAS_BENCH_LARGE', 20),
    attachmentMB: options.attachmentMB ?? envNumber('EAS_BENCH_ATTACHMENT_MB', 25),
    rounds: options.rounds ?? envNumber('EAS_BENCH_ROUNDS', 3),
    parallel: options.parallel ?? envNumber('EAS_BENCH_PARALLEL', 4),
  });
  const attachmentBytes = Math.round(o.attachmentMB * MB);
  const label = `${o.large} x ${o.attachmentMB} MB`;
  const table = new Table();
  const started = performance.now();
  console.log(
    `\nlarge-mail: ${o.small} small + ${o.large} messages with a ${o.attachmentMB} MB attachment; ` +
      `load average ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
  );

  // 1. Delivery over SMTP into the SQLite file store, on the first server process.
  const setup = await startServerProcess([], { unthrottled: true });
  let box: Mailbox;
  let refs: Refs;
  try {
    try {
      await createUsers(setup, [{ username: USER, password: PASSWORD }]);
      const warm = await deliver(setup, { small: WARMUP_MESSAGES, large: 0, attachmentBytes: 0, first: 0 });
      await waitIdle(setup.pid, { quietMs: 2000 });
      const sampler = new RssSampler(setup.pid);
      const t0 = performance.now();
      box = await deliver(setup, { small: o.small, large: o.large, attachmentBytes, first: WARMUP_MESSAGES });
      const seconds = (performance.now() - t0) / 1000;
      const mem = sampler.stop();
      box.messages += warm.messages;
      if (box.expected.size !== o.large) throw new Error('an attachment was not generated whole');
      table.add(
        `SMTP delivery (${o.small} small + ${label}), messages`,
        'msg/s',
        (box.messages - warm.messages) / seconds,
      );
      table.add(`SMTP delivery (${o.small} small + ${label}), bytes`, 'MB/s', box.bytes / MB / seconds);
      table.memory('delivery', mem, box.bytes);
    } finally {
      await stop(setup);
    }

    const fresh = async (warmUp: (s: ServerProcess) => Promise<void>) => {
      const server = await startServerProcess([], { reuse: setup, unthrottled: true });
      try {
        await warmUp(server);
        await waitIdle(server.pid, { quietMs: 2000 });
      } catch (err) {
        server.stop({ keepData: true });
        throw err;
      }
      return server;
    };
    const warmSync = (options: SyncOptions, id: string) => async (s: ServerProcess) => {
      const c = phone(s, id);
      await download(c, await inboxOf(c), { ...options, windowSize: 5 }, () => undefined, 1);
    };

    // 2. Initial download, HTML bodies truncated (the first phone: its ServerIds are used below).
    {
      const server = await fresh(warmSync(HTML_OPTIONS, 'LARGEWARM1'));
      try {
        const c = phone(server, 'LARGEHTML');
        const sampler = new RssSampler(server.pid);
        const t0 = performance.now();
        const inbox = await inboxOf(c);
        const found: Refs = { inbox, large: [], small: { serverId: '', fileReference: '' } };
        const got = await download(c, inbox, HTML_OPTIONS, (item) => {
          const subject = item.email.subject ?? '';
          const att = item.email.attachments[0];
          if (subject.startsWith('Large ') && att) {
            found.large.push({ subject, serverId: item.serverId, fileReference: att.fileReference });
          } else if (att && !found.small.serverId) {
            found.small = { serverId: item.serverId, fileReference: att.fileReference };
          }
        });
        const seconds = (performance.now() - t0) / 1000;
        const mem = sampler.stop();
        if (got.adds !== box.messages) throw new Error(`downloaded ${got.adds} of ${box.messages} messages`);
        if (found.large.length !== o.large || !found.small.serverId) throw new Error('attachments missing');
        refs = found;
        table.add('initial download, HTML (Type 2, 32 KiB), WindowSize 100', 'msg/s', got.adds / seconds);
        table.add('initial download, HTML: Sync requests', 'count', got.requests);
        table.memory('download HTML', mem, got.bytes);
      } finally {
        await stop(server);
      }
    }

    // 3. Initial download of another phone asking for MIME (MIMESupport 2, Type 4, no truncation).
    {
      const server = await fresh(warmSync(MIME_OPTIONS, 'LARGEWARM2'));
      try {
        const c = phone(server, 'LARGEMIME');
        const sampler = new RssSampler(server.pid);
        const t0 = performance.now();
        let truncated = 0;
        const got = await download(c, await inboxOf(c), MIME_OPTIONS, (item) => {
          if (item.email.body?.type !== 4) throw new Error('a Sync Add without a MIME body');
          if (item.email.body.truncated) truncated++;
        });
        const seconds = (performance.now() - t0) / 1000;
        const mem = sampler.stop();
        if (got.adds !== box.messages) throw new Error(`downloaded ${got.adds} of ${box.messages} messages`);
        if (truncated < o.large) throw new Error(`only ${truncated} MIME bodies were truncated`);
        table.add(
          'initial download, MIME (MIMESupport 2, Type 4), WindowSize 100',
          'msg/s',
          got.adds / seconds,
        );
        table.add('initial download, MIME: Sync requests', 'count', got.requests);
        table.memory('download MIME', mem, got.bytes);
      } finally {
        await stop(server);
      }
    }

    const c = (s: ServerProcess) => phone(s, 'LARGEHTML');
    const warmFetch = async (s: ServerProcess) => {
      fetchedPart(await fetchAttachment(c(s), refs.small.fileReference), 'warm-up');
    };

    // 4. Every large attachment, one after another, as one phone opens them, PASSES times over:
    // streaming holds the peak after the first pass; buffering would raise it with every pass.
    for (let r = 0; r < o.rounds; r++) {
      const server = await fresh(warmFetch);
      try {
        const phoneA = c(server);
        const sampler = new RssSampler(server.pid);
        let bytes = 0;
        const peaks: number[] = [];
        const t0 = performance.now();
        for (let pass = 0; pass < PASSES; pass++) {
          for (const m of refs.large) {
            const res = await fetchAttachment(phoneA, m.fileReference);
            const part = fetchedPart(res, m.subject);
            if (part.length !== attachmentBytes || part.sha256 !== box.expected.get(m.subject)) {
              throw new Error(`${m.subject}: the attachment came back different`);
            }
            bytes += res.bytes;
            if (peaks.length === 0) peaks.push(sampler.peak());
          }
          peaks.push(sampler.peak());
        }
        const seconds = (performance.now() - t0) / 1000;
        const mem = sampler.stop();
        const fetched = PASSES * o.large;
        table.add(
          `ItemOperations multipart attachment fetch (${label}, x${PASSES})`,
          'MB/s',
          bytes / MB / seconds,
        );
        peaks.forEach((peak, i) => {
          const after = i === 0 ? 'the first attachment' : `${i * o.large} attachments`;
          table.add(
            `attachments: peak - baseline after ${after} (VmHWM)`,
            'MiB',
            (peak - mem.baseline) / MIB,
          );
        });
        table.memory(`attachments x${fetched}`, mem, bytes);
      } finally {
        await stop(server);
      }
    }

    // 5. The same fetches `parallel` at a time: growth should follow concurrency, not size or count.
    if (o.parallel > 1) {
      const server = await fresh(warmFetch);
      try {
        const phoneA = c(server);
        const sampler = new RssSampler(server.pid);
        let bytes = 0;
        const t0 = performance.now();
        await pool(refs.large, o.parallel, async (m) => {
          const res = await fetchAttachment(phoneA, m.fileReference);
          if (fetchedPart(res, m.subject).sha256 !== box.expected.get(m.subject)) {
            throw new Error(`${m.subject}: the attachment came back different`);
          }
          bytes += res.bytes;
        });
        const seconds = (performance.now() - t0) / 1000;
        const mem = sampler.stop();
        table.add(`attachment fetch, ${o.parallel} at a time (${label})`, 'MB/s', bytes / MB / seconds);
        table.memory(`attachments, ${o.parallel} at a time`, mem, bytes);
      } finally {
        await stop(server);
      }
    }

    // 6. Every large message whole, as MIME: what a phone fetches to show or forward it in full.
    for (let r = 0; r < o.rounds; r++) {
      const server = await fresh(async (s) => {
        fetchedPart(await fetchMime(c(s), refs.inbox, refs.small.serverId), 'warm-up');
      });
      try {
        const phoneA = c(server);
        const sampler = new RssSampler(server.pid);
        let bytes = 0;
        const t0 = performance.now();
        for (const m of refs.large) {
          const res = await fetchMime(phoneA, refs.inbox, m.serverId);
          if (fetchedPart(res, m.subject).length < attachmentBytes)
            throw new Error(`${m.subject}: MIME too short`);
          bytes += res.bytes;
        }
        const seconds = (performance.now() - t0) / 1000;
        const mem = sampler.stop();
        table.add(
          `ItemOperations multipart MIME fetch (${o.large} whole messages)`,
          'MB/s',
          bytes / MB / seconds,
        );
        table.memory(`MIME x${o.large}`, mem, bytes);
      } finally {
        await stop(server);
      }
    }
  } finally {
    setup.stop();
    agent.destroy();
  }
  console.log(
    `large-mail: ${((performance.now() - started) / 1000).toFixed(0)} s; load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  return table.toRows();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printRows('Large mail: server memory (embedded backend, SQLite file store)', await benchLargeMail());
}
