// Logging for the IMAP backend: the logger shape it needs, and the adapter that hands imapflow a
// logger which forwards only sanitised warnings. Credentials never reach a log line.
import type { Logger as ImapFlowLogger } from 'imapflow';

/** The part of a pino logger the backend uses. */
export interface MailLog {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Replaces every occurrence of a secret (>= 4 chars, so "a" does not blank the log) with "***". */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('***');
  return out;
}

/** A plain, secret-free summary of a thrown value for a log line. */
export function describeError(err: unknown, secrets: readonly string[] = []): Record<string, string> {
  if (!(err instanceof Error)) return { message: redact(String(err), secrets) };
  const e = err as Error & { code?: unknown; serverResponseCode?: unknown; responseText?: unknown };
  const out: Record<string, string> = { message: redact(e.message, secrets) };
  if (typeof e.code === 'string') out.code = e.code;
  if (typeof e.serverResponseCode === 'string') out.serverResponseCode = e.serverResponseCode;
  if (typeof e.responseText === 'string') out.responseText = redact(e.responseText, secrets);
  return out;
}

/**
 * imapflow logs every command and response at debug/trace level, message data included. We drop
 * those, pass its warnings (failed commands we already turn into typed errors) as debug and its
 * errors as warnings, keeping only the message, connection id and error summary.
 */
export function imapflowLogger(log: MailLog, secrets: () => readonly string[]): ImapFlowLogger {
  const forward =
    (level: 'debug' | 'warn') =>
    (entry: unknown): void => {
      const e = (entry ?? {}) as { msg?: unknown; cid?: unknown; err?: unknown };
      const obj: Record<string, unknown> = { component: 'imapflow' };
      if (typeof e.cid === 'string') obj.cid = e.cid;
      if (e.err !== undefined) obj.err = describeError(e.err, secrets());
      log[level](obj, redact(typeof e.msg === 'string' ? e.msg : 'imapflow', secrets()));
    };
  const drop = (): void => {};
  return {
    trace: drop,
    debug: drop,
    info: drop,
    warn: forward('debug'),
    error: forward('warn'),
    fatal: forward('warn'),
  };
}
