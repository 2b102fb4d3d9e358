// The logger shape the embedded mail backend needs: the part of a pino logger it calls.

export interface EmbeddedLog {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** A summary of a thrown value for a log line (message and code only: no stack, no payload). */
export function errorSummary(err: unknown): Record<string, string> {
  if (!(err instanceof Error)) return { message: String(err) };
  const code = (err as Error & { code?: unknown }).code;
  return typeof code === 'string' ? { message: err.message, code } : { message: err.message };
}
