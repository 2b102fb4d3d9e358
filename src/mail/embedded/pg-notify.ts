// Change events across server nodes that share one PostgreSQL database: every publish is handed to
// this node's listeners at once and sent with NOTIFY (after the store write committed); each node
// LISTENs on one dedicated connection and passes on the other nodes' events. Without it, a Ping
// held on node B would not hear of mail delivered by node A until its heartbeat ran out.
//
// NOTIFY is not durable: while the listening connection is down (it reconnects with backoff),
// other nodes' events are lost. A device then sees the change at its next Ping or Sync.
import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import type { MailChangeEvent } from '../types.js';
import { LocalChangeBus, type ChangeBus } from './changes.js';
import { errorSummary, type EmbeddedLog } from './log.js';

export interface PgChangeBusOptions {
  /** The store's PostgreSQL URL. */
  url: string;
  /** The store's schema: nodes on different schemas (separate installations) do not hear each other. */
  schema?: string;
  log: EmbeddedLog;
}

const KINDS: ReadonlySet<string> = new Set(['add', 'change', 'folders']);
const MAX_BACKOFF_MS = 30_000;

/** A channel name per schema, within PostgreSQL's 63-byte identifier limit. */
export function channelFor(schema: string | undefined): string {
  const tag = createHash('sha256')
    .update(schema ?? '')
    .digest('hex')
    .slice(0, 16);
  return `syncward_mail_${tag}`;
}

function parsePayload(payload: string | undefined): { node: string; event: MailChangeEvent } | null {
  try {
    const p = JSON.parse(payload ?? '') as { n?: unknown; u?: unknown; f?: unknown; k?: unknown };
    if (typeof p.n !== 'string' || typeof p.u !== 'string' || typeof p.f !== 'string') return null;
    if (typeof p.k !== 'string' || !KINDS.has(p.k)) return null;
    return { node: p.n, event: { userId: p.u, folderId: p.f, kind: p.k as MailChangeEvent['kind'] } };
  } catch {
    return null;
  }
}

/** Connect the listening connection (rejects if the server is unreachable) and return the bus. */
export async function createPgChangeBus(options: PgChangeBusOptions): Promise<ChangeBus> {
  const bus = new PgChangeBus(options);
  await bus.connect();
  return bus;
}

class PgChangeBus implements ChangeBus {
  private readonly local: LocalChangeBus;
  private readonly node = randomUUID();
  private readonly channel: string;
  private client: pg.Client | null = null;
  private closed = false;
  private backoffMs = 500;
  private retry: NodeJS.Timeout | null = null;

  constructor(private readonly options: PgChangeBusOptions) {
    this.local = new LocalChangeBus(options.log);
    this.channel = channelFor(options.schema);
  }

  async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.url });
    client.on('notification', (msg) => {
      if (msg.channel !== this.channel) return;
      const parsed = parsePayload(msg.payload);
      if (parsed && parsed.node !== this.node) this.local.publish(parsed.event);
    });
    // A lost connection: drop it and reconnect, so the bus keeps working after a database restart.
    const lost = (err?: Error): void => {
      if (this.client !== client) return;
      this.client = null;
      client.removeAllListeners('error');
      client.on('error', () => undefined);
      client.end().catch(() => undefined);
      if (err) this.options.log.warn({ err: errorSummary(err) }, 'embedded mail: change bus connection lost');
      this.scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    await client.connect();
    try {
      // The channel is built from a hex digest: safe as an identifier.
      await client.query(`LISTEN ${this.channel}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.backoffMs = 500;
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retry) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    this.retry = setTimeout(() => {
      this.retry = null;
      this.connect().catch((err: unknown) => {
        this.options.log.warn({ err: errorSummary(err) }, 'embedded mail: change bus reconnect failed');
        this.scheduleReconnect();
      });
    }, delay);
    this.retry.unref();
  }

  publish(e: MailChangeEvent): void {
    this.local.publish(e);
    const client = this.client;
    if (!client) return;
    const payload = JSON.stringify({ n: this.node, u: e.userId, f: e.folderId, k: e.kind });
    client.query('SELECT pg_notify($1, $2)', [this.channel, payload]).catch((err: unknown) => {
      this.options.log.warn({ err: errorSummary(err) }, 'embedded mail: NOTIFY failed');
    });
  }

  subscribe(listener: (e: MailChangeEvent) => void): () => void {
    return this.local.subscribe(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
    await this.local.close();
  }
}
