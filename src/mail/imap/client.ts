// Opens one authenticated imapflow connection for the pool or the watcher. Every connection gets
// an 'error' listener (imapflow emits one when a connection drops; unhandled it would crash the
// process) and a logger that never sees credentials.
import { ImapFlow } from 'imapflow';
import type { MailCredentials } from '../types.js';
import { toMailError } from './errors.js';
import { describeError, imapflowLogger, type MailLog } from './log.js';

export interface ImapServerOptions {
  host: string;
  port: number;
  /** TLS from the first byte (993); false = plain, upgraded with STARTTLS when the server offers it. */
  secure: boolean;
  tls?: { rejectUnauthorized?: boolean };
}

export type ConnectionPurpose = 'command' | 'watch';

export interface ConnectOptions {
  server: ImapServerOptions;
  credentials: MailCredentials;
  purpose: ConnectionPurpose;
  log: MailLog;
  /** Watcher only: restart IDLE this often (RFC 2177 asks for less than 29 minutes). */
  idleRestartMs?: number;
  /** Watcher only: start IDLE after this much quiet; keep it well below the poll interval. */
  idleDelayMs?: number;
  connectTimeoutMs?: number;
}

export async function connectImap(o: ConnectOptions): Promise<ImapFlow> {
  const secrets = (): string[] => [o.credentials.password];
  const watch = o.purpose === 'watch';
  const client = new ImapFlow({
    host: o.server.host,
    port: o.server.port,
    secure: o.server.secure,
    tls: { rejectUnauthorized: o.server.tls?.rejectUnauthorized ?? true },
    auth: { user: o.credentials.username, pass: o.credentials.password },
    logger: imapflowLogger(o.log, secrets),
    clientInfo: { name: 'Syncward' },
    // Command connections run one operation at a time and never IDLE; the watcher IDLEs as soon
    // as it has selected INBOX and restarts IDLE every idleRestartMs.
    disableAutoIdle: !watch,
    ...(watch ? { autoIdleDelay: o.idleDelayMs ?? 100, maxIdleTime: o.idleRestartMs ?? 240_000 } : {}),
    connectionTimeout: o.connectTimeoutMs ?? 20_000,
    greetingTimeout: o.connectTimeoutMs ?? 20_000,
  });
  client.on('error', (err: Error) => {
    o.log.warn(
      { purpose: o.purpose, cid: client.id, err: describeError(err, secrets()) },
      'imap: connection error',
    );
  });
  try {
    await client.connect();
  } catch (err) {
    client.close();
    throw toMailError(err, 'imap: connect', secrets());
  }
  return client;
}
