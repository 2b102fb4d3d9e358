// Turns what imapflow and nodemailer throw into the mail layer's typed errors: refused credentials
// -> MailAuthError, missing mailbox -> MailNotFoundError, existing mailbox -> MailFolderExistsError,
// anything else -> MailBackendError whose cause is a secret-free summary (never the raw error).
import { MailAuthError, MailBackendError, MailFolderExistsError, MailNotFoundError } from '../types.js';
import { describeError, redact } from './log.js';

interface ServerError {
  code?: unknown;
  authenticationFailed?: unknown;
  mailboxMissing?: unknown;
  serverResponseCode?: unknown;
  responseCode?: unknown;
}

export function isMailError(err: unknown): err is Error {
  return (
    err instanceof MailAuthError ||
    err instanceof MailNotFoundError ||
    err instanceof MailBackendError ||
    err instanceof MailFolderExistsError
  );
}

/** Socket-level failures after which the connection is gone (the pool drops it). */
export function isConnectionError(err: unknown): boolean {
  const code = (err as ServerError | null)?.code;
  return (
    typeof code === 'string' &&
    [
      'NoConnection',
      'EConnectionClosed',
      'ETIMEOUT',
      'ECONNRESET',
      'ECONNREFUSED',
      'EPIPE',
      'CONNECT_TIMEOUT',
      'GREETING_TIMEOUT',
    ].includes(code)
  );
}

/**
 * Maps a thrown value to a mail error; `what` says what was being done ("imap: list folders").
 * `secrets` are blanked out of any text that is kept.
 */
export function toMailError(err: unknown, what: string, secrets: readonly string[] = []): Error {
  if (isMailError(err)) return err;
  const e = (err ?? {}) as ServerError;
  const code = typeof e.serverResponseCode === 'string' ? e.serverResponseCode.toUpperCase() : '';
  if (e.authenticationFailed === true || code === 'AUTHENTICATIONFAILED' || e.code === 'EAUTH') {
    return new MailAuthError(`${what}: the mail server refused the credentials`);
  }
  if (e.mailboxMissing === true || e.code === 'NotFound' || code === 'NONEXISTENT' || code === 'TRYCREATE') {
    return new MailNotFoundError(`${what}: no such folder`);
  }
  if (code === 'ALREADYEXISTS') return new MailFolderExistsError(`${what}: the folder already exists`);
  const summary = describeError(err, secrets);
  const cause = Object.assign(new Error(summary.message), summary);
  return new MailBackendError(`${what}: ${redact(summary.message ?? 'failed', secrets)}`, { cause });
}
