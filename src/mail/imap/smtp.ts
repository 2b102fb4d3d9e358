// SMTP submission with the user's own credentials (nodemailer, one connection per message).
// Recipients come from the To, Cc and Bcc headers; Bcc is removed from what is transmitted.
import { parseAddressHeader } from 'mailparser';
import nodemailer from 'nodemailer';
import { MailBackendError, type MailCredentials } from '../types.js';
import { toMailError } from './errors.js';

export interface SmtpServerOptions {
  host: string;
  port: number;
  /** TLS from the first byte (465); false = STARTTLS when offered (587). */
  secure: boolean;
  /** Authenticate with the device's credentials (a submission server); false for a trusted relay. */
  requireAuth: boolean;
  tls?: { rejectUnauthorized?: boolean };
  /**
   * The submission server files a copy in Sent itself (Gmail, some Exchange and Stalwart
   * set-ups): saveInSent then appends nothing, or the user would see every message twice.
   */
  serverSavesSent?: boolean;
}

/** Where the header block ends: the index of the body's first byte. */
function headerEnd(mime: Buffer): number {
  const crlf = mime.indexOf('\r\n\r\n');
  const lf = mime.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return crlf + 4;
  if (lf >= 0) return lf + 2;
  return mime.length;
}

/** Unfolded header values by lower-case name. */
export function headerValues(mime: Buffer): Map<string, string[]> {
  const text = mime
    .subarray(0, headerEnd(mime))
    .toString('utf8')
    .replace(/\r?\n[ \t]/g, ' ');
  const out = new Map<string, string[]>();
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    out.set(name, [...(out.get(name) ?? []), line.slice(i + 1).trim()]);
  }
  return out;
}

/** Every address of To, Cc and Bcc (groups flattened), deduplicated case-insensitively. */
export function recipientsOf(mime: Buffer): string[] {
  const headers = headerValues(mime);
  const seen = new Map<string, string>();
  const add = (list: ReturnType<typeof parseAddressHeader>['value']): void => {
    for (const a of list) {
      if (a.group) add(a.group);
      else if (a.address && a.address.includes('@')) {
        const key = a.address.toLowerCase();
        if (!seen.has(key)) seen.set(key, a.address);
      }
    }
  };
  for (const name of ['to', 'cc', 'bcc']) {
    const values = headers.get(name);
    if (values) add(parseAddressHeader(values, { decodePunycode: false }).value);
  }
  return [...seen.values()];
}

/** The message without its Bcc header(s), byte for byte otherwise. */
export function withoutBcc(mime: Buffer): Buffer {
  const end = headerEnd(mime);
  const head = mime.subarray(0, end).toString('latin1');
  const stripped = head.replace(/^bcc:[^\n]*\n(?:[ \t][^\n]*\n)*/gim, '');
  if (stripped === head) return mime;
  return Buffer.concat([Buffer.from(stripped, 'latin1'), mime.subarray(end)]);
}

export async function submit(
  server: SmtpServerOptions,
  credentials: MailCredentials,
  envelopeFrom: string,
  mime: Buffer,
): Promise<void> {
  const to = recipientsOf(mime);
  if (to.length === 0) throw new MailBackendError('smtp: the message has no recipients (To, Cc, Bcc)');
  const transport = nodemailer.createTransport({
    host: server.host,
    port: server.port,
    secure: server.secure,
    ...(server.requireAuth ? { auth: { user: credentials.username, pass: credentials.password } } : {}),
    tls: { rejectUnauthorized: server.tls?.rejectUnauthorized ?? true },
    logger: false,
    debug: false,
    connectionTimeout: 20_000,
    greetingTimeout: 20_000,
    socketTimeout: 120_000,
  });
  try {
    await transport.sendMail({ envelope: { from: envelopeFrom, to }, raw: withoutBcc(mime) });
  } catch (err) {
    throw toMailError(err, 'smtp: send', [credentials.password]);
  } finally {
    transport.close();
  }
}
