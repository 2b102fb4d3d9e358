// Outgoing mail of the embedded backend: the SMTP smarthost (nodemailer) for addresses that are not
// users of this server. Recipients and the removal of Bcc are src/mail/headers.ts; local delivery
// is the backend's (index.ts).
import nodemailer from 'nodemailer';
import { MailBackendError } from '../types.js';

export interface SmarthostOptions {
  /**
   * nodemailer SMTP URL: smtp://host:25 (STARTTLS when offered), smtps://user:pass@host:465; query
   * options such as ?requireTLS=true pass through. The URL may hold a password: never logged.
   */
  url: string;
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
