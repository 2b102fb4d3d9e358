// SMTP submission with the user's own credentials (nodemailer, one connection per message).
// Recipients come from the To, Cc and Bcc headers; Bcc is removed from what is transmitted.
import nodemailer from 'nodemailer';
import { recipientsOf, withoutBcc } from '../headers.js';
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
