// Outgoing mail of the embedded backend: recipients from the To, Cc and Bcc headers, the Bcc header
// removed from what recipients get, and the SMTP smarthost (nodemailer) for addresses that are not
// users of this server. Local delivery itself is the backend's (index.ts).
import { parseAddressHeader } from 'mailparser';
import nodemailer from 'nodemailer';
import { MailBackendError } from '../types.js';

export interface SmarthostOptions {
  /**
   * nodemailer SMTP URL: smtp://host:25 (STARTTLS when offered), smtps://user:pass@host:465; query
   * options such as ?requireTLS=true pass through. The URL may hold a password: never logged.
   */
  url: string;
}

/** Where the header block ends: the index of the body's first byte. */
function headerEnd(mime: Buffer): number {
  const crlf = mime.indexOf('\r\n\r\n');
  const lf = mime.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return crlf + 4;
  if (lf >= 0) return lf + 2;
  return mime.length;
}

/** Unfolded values of one header (lower-case name), in order. */
function headerValues(mime: Buffer, name: string): string[] {
  const text = mime
    .subarray(0, headerEnd(mime))
    .toString('utf8')
    .replace(/\r?\n[ \t]/g, ' ');
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && line.slice(0, i).trim().toLowerCase() === name) out.push(line.slice(i + 1).trim());
  }
  return out;
}

/**
 * Every address of To, Cc and Bcc (groups flattened), deduplicated ignoring case, in header order.
 * Domains stay as written (punycode is what SMTP envelopes carry).
 */
export function recipientsOf(mime: Buffer): string[] {
  const seen = new Map<string, string>();
  for (const name of ['to', 'cc', 'bcc']) {
    const values = headerValues(mime, name);
    if (values.length === 0) continue;
    for (const a of parseAddressHeader(values, { flatten: true, decodePunycode: false }).value) {
      if (a.address?.includes('@') && !seen.has(a.address.toLowerCase())) {
        seen.set(a.address.toLowerCase(), a.address);
      }
    }
  }
  return [...seen.values()];
}

/** The message without its Bcc header(s) (folded lines included), byte for byte otherwise. */
export function withoutBcc(mime: Buffer): Buffer {
  const end = headerEnd(mime);
  const head = mime.subarray(0, end).toString('latin1');
  const stripped = head.replace(/^bcc:[^\n]*\n(?:[ \t][^\n]*\n)*/gim, '');
  if (stripped === head) return mime;
  return Buffer.concat([Buffer.from(stripped, 'latin1'), mime.subarray(end)]);
}

/** A recipient the smarthost refused while it accepted others. */
export interface RefusedRecipient {
  address: string;
  /** The server's reply, e.g. "550 5.1.1 <x@example.net>: no such user". */
  response: string;
  /** The SMTP reply code (4xx temporary, 5xx permanent); null when unknown. */
  code: number | null;
}

/**
 * Smarthost timeouts. nodemailer's defaults (2 min to connect, 10 min of silence) outlast any
 * phone's patience: the device would give up and resend a message that may yet go out.
 */
const TIMEOUTS = { connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 60_000 };

/**
 * Relay a message to the smarthost, one connection per message. Throws when nothing was accepted;
 * otherwise returns the recipients it refused. Errors never carry the URL.
 */
export async function relay(
  smarthost: SmarthostOptions,
  envelope: { from: string; to: string[] },
  mime: Buffer,
): Promise<{ refused: RefusedRecipient[] }> {
  let transport: ReturnType<typeof nodemailer.createTransport>;
  try {
    if (!/^smtps?:\/\//i.test(smarthost.url)) throw new Error('not an smtp:// or smtps:// URL');
    transport = nodemailer.createTransport({ url: smarthost.url, ...TIMEOUTS });
  } catch (cause) {
    throw new MailBackendError('embedded: the smarthost URL is not a valid SMTP URL', { cause });
  }
  try {
    const info = (await transport.sendMail({ envelope, raw: mime })) as { rejectedErrors?: unknown };
    return { refused: refusedOf(info.rejectedErrors) };
  } catch (err) {
    const e = err as Error & { responseCode?: unknown; response?: unknown };
    const code = typeof e.responseCode === 'number' ? ` (${e.responseCode})` : '';
    throw new MailBackendError(`embedded: the smarthost refused the message${code}`, { cause: err });
  } finally {
    transport.close();
  }
}

function refusedOf(errors: unknown): RefusedRecipient[] {
  if (!Array.isArray(errors)) return [];
  return errors.map((e: { recipient?: unknown; response?: unknown; responseCode?: unknown }) => ({
    address: typeof e.recipient === 'string' ? e.recipient : String(e.recipient ?? ''),
    response: typeof e.response === 'string' ? e.response : 'refused',
    code: typeof e.responseCode === 'number' ? e.responseCode : null,
  }));
}
