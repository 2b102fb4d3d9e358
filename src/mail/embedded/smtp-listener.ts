// Inbound SMTP for the embedded backend (smtp-server): accepts mail for users of this server only
// and streams DATA straight into the chunked store. Meant to sit behind the organisation's MTA or
// on loopback: no AUTH, no STARTTLS, no relaying; anything else is that MTA's job.
import { PassThrough, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { MailContentTooLargeError, type MailStore } from '../../store/mail-store.js';
import type { EmbeddedMailBackend } from './index.js';
import { errorSummary, type EmbeddedLog } from './log.js';

export interface SmtpListenerOptions {
  /** Interface to bind; '127.0.0.1' unless an MTA on another host relays to it. */
  host: string;
  /** 0 picks a free port (see the returned `port`). */
  port: number;
  backend: EmbeddedMailBackend;
  /** Resolves recipients to users (findUserIdByEmail). */
  store: MailStore;
  /** Largest message accepted, advertised as SIZE (RFC 1870); larger ones get 552. */
  maxMessageBytes: number;
  log?: EmbeddedLog;
  /** Name in the greeting and in Received headers; default 'syncward'. */
  hostname?: string;
}

export interface SmtpListener {
  /** The bound port. */
  port: number;
  close(): Promise<void>;
}

const SILENT: EmbeddedLog = { debug() {}, info() {}, warn() {}, error() {} };

function smtpError(message: string, responseCode: number): Error {
  return Object.assign(new Error(message), { responseCode });
}

/** Client-chosen text going into a header: printable ASCII without spaces, bounded. */
function headerSafe(value: string): string {
  return value.replace(/[^\x21-\x7e]/g, '').slice(0, 255) || 'unknown';
}

/** RFC 5321 4.4: the receiving server prepends Return-Path and a Received line. */
function traceHeaders(session: SMTPServerSession, hostname: string, at: Date): Buffer {
  const from = session.envelope.mailFrom ? headerSafe(session.envelope.mailFrom.address) : '';
  const helo = headerSafe(session.hostNameAppearsAs || session.clientHostname || '');
  const ip = headerSafe(session.remoteAddress);
  return Buffer.from(
    `Return-Path: <${from === 'unknown' ? '' : from}>\r\n` +
      `Received: from ${helo} ([${ip}])\r\n\tby ${hostname} (Syncward) with SMTP id ${headerSafe(session.id)};\r\n\t${at.toUTCString().replace('GMT', '+0000')}\r\n`,
    'latin1',
  );
}

async function* prepend(head: Buffer, body: Readable): AsyncGenerator<Uint8Array> {
  yield head;
  for await (const chunk of body) yield chunk as Buffer;
}

/** Resolve the envelope recipients to distinct users, in RCPT order; vanished users are skipped. */
async function recipientUsers(store: MailStore, session: SMTPServerSession): Promise<string[]> {
  const ids: string[] = [];
  for (const rcpt of session.envelope.rcptTo) {
    const id = await store.findUserIdByEmail(rcpt.address);
    if (id !== null && !ids.includes(id)) ids.push(id);
  }
  return ids;
}

export async function startSmtpListener(options: SmtpListenerOptions): Promise<SmtpListener> {
  const { backend, store, maxMessageBytes } = options;
  const log = options.log ?? SILENT;
  const hostname = options.hostname ?? 'syncward';

  const receive = async (stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> => {
    const users = await recipientUsers(store, session);
    const body = new PassThrough();
    stream.pipe(body);
    try {
      if (users.length === 0) throw smtpError('5.1.1 No valid recipients', 550);
      const [first, ...others] = users as [string, ...string[]];
      const trace = traceHeaders(session, hostname, new Date());
      const message = await backend.deliver(first, prepend(trace, body), {
        maxBytes: maxMessageBytes + trace.length,
      });
      // Every mailbox owns its copy (a content belongs to one message); copied store to store.
      for (const userId of others) {
        const opened = await store.openMailContent(first, message.folderId, message.id);
        if (!opened) throw new Error('smtp: the first copy vanished before the others were made');
        await backend.deliver(userId, opened.stream, { maxBytes: opened.size });
      }
      log.info(
        { session: session.id, recipients: users.length, size: message.size },
        'smtp: message delivered',
      );
      return `Message accepted for ${users.length} recipient${users.length === 1 ? '' : 's'}`;
    } finally {
      // smtp-server answers only after the DATA stream ended: read whatever we did not.
      stream.unpipe(body);
      body.destroy();
      if (!stream.readableEnded) {
        stream.resume();
        await finished(stream).catch(() => undefined);
      }
    }
  };

  const server = new SMTPServer({
    name: hostname,
    banner: 'Syncward embedded mail',
    size: maxMessageBytes,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    onRcptTo(address, session, callback) {
      store.findUserIdByEmail(address.address).then(
        (userId) =>
          callback(userId === null ? smtpError(`5.1.1 <${address.address}>: no such user here`, 550) : null),
        (err: unknown) => {
          log.error({ session: session.id, err: errorSummary(err) }, 'smtp: recipient lookup failed');
          callback(smtpError('4.3.0 Temporary failure, try again later', 451));
        },
      );
    },
    onData(stream, session, callback) {
      receive(stream, session).then(
        (reply) => callback(null, reply),
        (err: unknown) => {
          if (err instanceof MailContentTooLargeError || stream.sizeExceeded) {
            callback(smtpError(`5.3.4 Message exceeds the size limit of ${maxMessageBytes} bytes`, 552));
            return;
          }
          const code = (err as { responseCode?: unknown }).responseCode;
          if (typeof code === 'number') {
            callback(err as Error);
            return;
          }
          log.error({ session: session.id, err: errorSummary(err) }, 'smtp: delivery failed');
          callback(smtpError('4.3.0 Temporary failure, try again later', 451));
        },
      );
    },
  });
  server.on('error', (err) => log.warn({ err: errorSummary(err) }, 'smtp: server error'));

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
