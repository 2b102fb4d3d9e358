// The protocol error model and the one place that turns errors into EAS responses.
// Commands and the gate throw; they never format error responses themselves.
import type { WbxmlElement } from '../wbxml/types.js';
import type { Namespace } from '../wbxml/types.js';
import { legacyHttpStatusFor } from './status.js';
import type { EasResponse, ProtocolVersion } from './types.js';

/** [MS-ASCMD] 2.2.2: where a status applies. Global = the whole request. */
export type EasStatusScope = 'global' | 'item' | 'policy';

/** The whole command fails with a common status code ([MS-ASCMD] 2.2.2), e.g. 142 DeviceNotProvisioned. */
export class EasStatusError extends Error {
  override readonly name = 'EasStatusError';
  constructor(
    readonly status: number,
    readonly scope: EasStatusScope = 'global',
    options?: { message?: string; cause?: unknown },
  ) {
    super(
      options?.message ?? `EAS status ${status}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
  }
}

/** An answer that exists only as an HTTP status ([MS-ASHTTP] 2.2.2.1.1): 401, 403, 449, 501, 503 + Retry-After… */
export class EasHttpError extends Error {
  override readonly name = 'EasHttpError';
  readonly headers: Readonly<Record<string, string>>;
  constructor(
    readonly httpStatus: number,
    headers?: Record<string, string>,
    options?: { message?: string; cause?: unknown },
  ) {
    super(
      options?.message ?? `HTTP ${httpStatus}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.headers = { ...headers };
  }

  /** [MS-ASHTTP] 3.1.5.2.3: 503, the client backs off; Retry-After in whole seconds (at least 1). */
  static retryLater(seconds: number): EasHttpError {
    const s = Number.isFinite(seconds) ? Math.max(1, Math.ceil(seconds)) : 1;
    return new EasHttpError(503, { 'Retry-After': String(s) });
  }
}

/**
 * Root element of each command's response body, for carrying a common status ([MS-ASCMD] 2.2.1.x).
 * Names checked against the code pages ([MS-ASWBXML] 2.1.2.1). GetAttachment has no WBXML body,
 * so it (like any command not listed) gets the HTTP mapping even at 14.0+.
 */
export const COMMAND_RESPONSE_ROOT: Readonly<Record<string, { ns: Namespace; tag: string }>> = {
  Sync: { ns: 'AirSync', tag: 'Sync' },
  SendMail: { ns: 'ComposeMail', tag: 'SendMail' },
  SmartForward: { ns: 'ComposeMail', tag: 'SmartForward' },
  SmartReply: { ns: 'ComposeMail', tag: 'SmartReply' },
  FolderSync: { ns: 'FolderHierarchy', tag: 'FolderSync' },
  FolderCreate: { ns: 'FolderHierarchy', tag: 'FolderCreate' },
  FolderDelete: { ns: 'FolderHierarchy', tag: 'FolderDelete' },
  FolderUpdate: { ns: 'FolderHierarchy', tag: 'FolderUpdate' },
  MoveItems: { ns: 'Move', tag: 'MoveItems' },
  GetItemEstimate: { ns: 'GetItemEstimate', tag: 'GetItemEstimate' },
  MeetingResponse: { ns: 'MeetingResponse', tag: 'MeetingResponse' },
  Search: { ns: 'Search', tag: 'Search' },
  Settings: { ns: 'Settings', tag: 'Settings' },
  Ping: { ns: 'Ping', tag: 'Ping' },
  ItemOperations: { ns: 'ItemOperations', tag: 'ItemOperations' },
  Provision: { ns: 'Provision', tag: 'Provision' },
  ResolveRecipients: { ns: 'ResolveRecipients', tag: 'ResolveRecipients' },
  ValidateCert: { ns: 'ValidateCert', tag: 'ValidateCert' },
  Find: { ns: 'Find', tag: 'Find' },
};

/** `<Root><Status>N</Status></Root>` in the command's own namespace, or null if it has no WBXML response. */
export function statusDocument(cmd: string, status: number): WbxmlElement | null {
  const root = Object.hasOwn(COMMAND_RESPONSE_ROOT, cmd) ? COMMAND_RESPONSE_ROOT[cmd] : undefined;
  if (!root) return null;
  return {
    ns: root.ns,
    tag: root.tag,
    children: [{ ns: root.ns, tag: 'Status', children: [String(status)] }],
  };
}

/** The part of a pino logger the mapper needs. */
export interface ErrorLog {
  error(obj: object, msg: string): void;
}

export interface ErrorContext {
  cmd: string;
  /** Null when the version is not known (the query could not be parsed). */
  protocolVersion: ProtocolVersion | null;
  hasPolicyKey: boolean;
  log: ErrorLog;
  requestId: string;
}

/** Versions that carry common status codes in the body; older ones get HTTP codes ([MS-ASCMD] 2.2.2). */
function statusInBody(v: ProtocolVersion | null): boolean {
  return v !== null && v !== '12.1';
}

/**
 * The one mapper from a thrown value to an EAS response.
 * - EasStatusError: 14.0+ → HTTP 200 + `<Cmd><Status>N</Status></Cmd>`; 12.1 (or unknown version,
 *   or a command without a WBXML response) → the mapped HTTP status, empty body.
 * - EasHttpError: its status and headers, empty body.
 * - anything else: logged once (with the request id) and answered 500 with nothing leaked.
 */
export function toEasResponse(err: unknown, ctx: ErrorContext): EasResponse {
  if (err instanceof EasStatusError) {
    if (statusInBody(ctx.protocolVersion)) {
      const doc = statusDocument(ctx.cmd, err.status);
      if (doc) return { httpStatus: 200, headers: {}, body: doc };
    }
    return {
      httpStatus: legacyHttpStatusFor(err.status, { hasPolicyKey: ctx.hasPolicyKey, cmd: ctx.cmd }),
      headers: {},
      body: null,
    };
  }
  if (err instanceof EasHttpError) {
    return { httpStatus: err.httpStatus, headers: { ...err.headers }, body: null };
  }
  ctx.log.error({ err, requestId: ctx.requestId, cmd: ctx.cmd }, 'eas: unhandled error');
  return { httpStatus: 500, headers: {}, body: null };
}
