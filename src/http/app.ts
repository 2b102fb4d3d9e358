// Fastify app factory: the /Microsoft-Server-ActiveSync adapter (wire ⇄ EasRequest/EasResponse),
// OPTIONS and the Autodiscover route. No protocol decisions here beyond the query and headers.
import { randomUUID } from 'node:crypto';
import { validateHeaderName, validateHeaderValue } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import Fastify from 'fastify';
import type {
  FastifyBaseLogger,
  FastifyHttpsOptions,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifyServerOptions,
} from 'fastify';
import type { LoggerOptions } from 'pino';
import { parseBasicAuth } from '../auth/password.js';
import { AUTODISCOVER_MAX_BYTES } from '../eas/autodiscover.js';
import { toEasResponse } from '../eas/errors.js';
import { SERVER_ACTIVESYNC_VERSION, optionsHeaders } from '../eas/options.js';
import { QueryError, parseEasQuery } from '../eas/query.js';
import type { Credentials, EasRequest, EasResponse, EasStreamBody } from '../eas/types.js';
import { encodeWbxml } from '../wbxml/index.js';

export interface AutodiscoverHttpRequest {
  credentials: Credentials;
  body: Buffer;
  /** Host header (X-Forwarded-Host when trustProxy), e.g. "mail.example.com:8443". */
  host: string;
  /** "http" or "https" (X-Forwarded-Proto when trustProxy). */
  proto: string;
  requestId: string;
}

export interface AutodiscoverHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface BuildAppOptions {
  /** The gate: every POST to the EAS endpoint with a well-formed query goes here. */
  handleEas: (req: EasRequest) => Promise<EasResponse>;
  /** Verifies credentials for OPTIONS ([MS-ASHTTP] 2.2.3.1.2: OPTIONS carries Authorization too). */
  authenticate: (credentials: Credentials) => Promise<boolean>;
  autodiscover: (req: AutodiscoverHttpRequest) => Promise<AutodiscoverHttpResponse>;
  /** Command wire names advertised by OPTIONS (the registry's keys). */
  commands: readonly string[];
  /** A pino logger, pino options, or false for none. */
  log: FastifyBaseLogger | LoggerOptions | boolean;
  /** Largest request body in bytes. Default 10 MiB, Exchange's default for ActiveSync (SendMail with attachments). */
  bodyLimit?: number;
  /** Fastify trustProxy: honour X-Forwarded-For/-Proto/-Host from these proxies. */
  trustProxy?: boolean | string | string[];
  https?: { cert: Buffer | string; key: Buffer | string } | null;
  /** MS-Server-ActiveSync header value. */
  serverVersion?: string;
  /** Basic realm in WWW-Authenticate. */
  realm?: string;
  /** Mounts the admin REST API (src/admin registerAdminApi) in its own encapsulated scope. */
  registerAdmin?: (app: FastifyInstance) => Promise<void> | void;
}

export const EAS_PATHS = [
  '/Microsoft-Server-ActiveSync',
  '/Microsoft-Server-ActiveSync/default.eas',
] as const;
export const AUTODISCOVER_PATH = '/autodiscover/autodiscover.xml';
export const DEFAULT_BODY_LIMIT = 10 * 1024 * 1024;
const WBXML_CONTENT_TYPE = 'application/vnd.ms-sync.wbxml';
const EMPTY = Buffer.alloc(0);

/**
 * Body content types handed through as raw bytes ([MS-ASHTTP] 2.2.1.1.2: both WBXML spellings,
 * message/rfc822 for ≤12.1 SendMail, text/xml and text/html for Autodiscover). Any other type
 * also arrives as bytes (catch-all parser): the gate, not the transport, refuses a body
 * (e.g. status 101 InvalidContent for a Ping with text/plain).
 */
export const RAW_CONTENT_TYPES = [
  'application/vnd.ms-sync.wbxml',
  'application/vnd.ms-sync',
  'message/rfc822',
  'text/xml',
  'text/html',
] as const;

function isLogger(log: BuildAppOptions['log']): log is FastifyBaseLogger {
  return typeof log === 'object' && log !== null && typeof (log as FastifyBaseLogger).child === 'function';
}

export function buildApp(opts: BuildAppOptions): FastifyInstance {
  const serverVersion = opts.serverVersion ?? SERVER_ACTIVESYNC_VERSION;
  const wwwAuthenticate = `Basic realm="${opts.realm ?? 'Syncward'}"`;
  const base: FastifyServerOptions = {
    bodyLimit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT,
    trustProxy: opts.trustProxy ?? false,
    // Request ids correlate logs across restarts and instances; never taken from the client.
    genReqId: () => randomUUID(),
    // Paths arrive in any case ("/microsoft-server-activesync" from some proxies, "/Autodiscover/Autodiscover.xml").
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true },
    // Malformed URLs: empty 400, not fastify's JSON error.
    frameworkErrors: (_err, _req, reply) => {
      void (reply as FastifyReply).code(400).send();
    },
    ...(isLogger(opts.log) ? { loggerInstance: opts.log } : { logger: opts.log }),
  };
  // The https variant has a different server type parameter; callers only use the common surface.
  const app = (opts.https
    ? Fastify({ ...base, https: opts.https } as FastifyHttpsOptions<HttpsServer>)
    : Fastify(base)) as unknown as FastifyInstance;

  app.removeAllContentTypeParsers();
  const passThrough = (_req: FastifyRequest, body: Buffer, done: (err: null, body: Buffer) => void) =>
    done(null, body);
  app.addContentTypeParser([...RAW_CONTENT_TYPES], { parseAs: 'buffer' }, passThrough);
  app.addContentTypeParser('*', { parseAs: 'buffer' }, passThrough);

  app.addHook('onRequest', (_req, reply, done) => {
    reply.raw.setHeader('MS-Server-ActiveSync', serverVersion);
    done();
  });

  // EAS clients expect empty bodies on 4xx/5xx, never fastify's JSON error documents.
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const status = err.statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      req.log.info({ code: err.code, status }, 'http: request refused');
      return reply.code(status).send();
    }
    req.log.error({ err, requestId: req.id }, 'http: unhandled error');
    return reply.code(500).send();
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send());

  for (const url of EAS_PATHS) {
    app.post(url, { onRequest: takeContentType }, (req, reply) => handleEasPost(opts, req, reply));
    app.options(url, async (req, reply) => {
      const credentials = parseBasicAuth(req.headers.authorization);
      if (credentials.kind === 'none' || !(await opts.authenticate(credentials))) {
        return sendRaw(reply, 401, { 'WWW-Authenticate': wwwAuthenticate }, EMPTY, null);
      }
      return sendRaw(reply, 200, optionsHeaders({ commands: opts.commands, serverVersion }), EMPTY, null);
    });
  }

  app.post(AUTODISCOVER_PATH, { bodyLimit: AUTODISCOVER_MAX_BYTES }, async (req, reply) => {
    const res = await opts.autodiscover({
      credentials: parseBasicAuth(req.headers.authorization),
      body: Buffer.isBuffer(req.body) ? req.body : EMPTY,
      host: req.host,
      proto: req.protocol,
      requestId: req.id,
    });
    const body = Buffer.from(res.body, 'utf8');
    const { contentType, rest } = splitContentType(res.headers);
    return sendRaw(reply, res.status, rest, body, contentType ?? 'text/xml; charset=utf-8');
  });

  const registerAdmin = opts.registerAdmin;
  if (registerAdmin) void app.register(async (scope) => registerAdmin(scope));

  return app;
}

// The EAS route takes Content-Type out of fastify's hands: fastify would answer a malformed or
// empty type with 415, while EAS wants the gate to decide (status 101 InvalidContent, or nothing
// at all for an empty Ping/Sync). Without the header every body reaches the catch-all parser.
const easContentType = new WeakMap<object, string>();
function takeContentType(req: FastifyRequest, _reply: FastifyReply, done: () => void): void {
  const ct = req.headers['content-type'];
  if (typeof ct === 'string') {
    easContentType.set(req.raw, ct);
    delete req.headers['content-type'];
  }
  done();
}

async function handleEasPost(opts: BuildAppOptions, req: FastifyRequest, reply: FastifyReply) {
  const url = req.raw.url ?? '';
  const qi = url.indexOf('?');
  const parsed = parseEasQuery(qi < 0 ? '' : url.slice(qi + 1), req.headers);
  if (parsed instanceof QueryError) {
    req.log.info({ code: parsed.code, field: parsed.field, offset: parsed.offset }, 'eas: malformed query');
    return sendRaw(reply, 400, {}, EMPTY, null);
  }

  const easReq: EasRequest = {
    cmd: parsed.cmd,
    user: parsed.user,
    deviceId: parsed.deviceId,
    deviceType: parsed.deviceType,
    protocolVersion: parsed.protocolVersion,
    policyKey: parsed.policyKey,
    userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : null,
    locale: parsed.locale,
    params: parsed.params,
    queryForm: parsed.form,
    credentials: parseBasicAuth(req.headers.authorization),
    contentType: mediaType(easContentType.get(req.raw)),
    body: Buffer.isBuffer(req.body) ? req.body : EMPTY,
    remoteAddress: req.ip,
    requestId: req.id,
  };
  const errCtx = {
    cmd: easReq.cmd,
    protocolVersion: easReq.protocolVersion,
    hasPolicyKey: easReq.policyKey !== null,
    log: req.log,
    requestId: req.id,
  };

  let res: EasResponse;
  try {
    res = await opts.handleEas(easReq);
  } catch (err) {
    res = toEasResponse(err, errCtx);
  }

  if (res.stream) return sendStream(reply, res, res.stream, errCtx);

  let body: Buffer;
  try {
    body = res.body === null ? EMPTY : Buffer.isBuffer(res.body) ? res.body : encodeWbxml(res.body);
    const { contentType, rest } = splitContentType(res.headers);
    checkHeaders(rest);
    // [MS-ASHTTP] 2.2.2.1.2: Content-Type only when there is a body; WBXML unless the command said otherwise.
    return sendRaw(
      reply,
      res.httpStatus,
      { 'Cache-Control': 'private', ...rest },
      body,
      contentType ?? WBXML_CONTENT_TYPE,
    );
  } catch (err) {
    const fallback = toEasResponse(err, errCtx);
    return sendRaw(reply, fallback.httpStatus, {}, EMPTY, null);
  }
}

/**
 * Writes a streamed body ([MS-ASCMD] 2.2.1.10.1 multipart ItemOperations) with its announced
 * Content-Length. Fastify pipes it and destroys it when the client goes away; a stream that fails
 * half-way ends the connection, so the device sees a short body, never a wrong one.
 */
function sendStream(
  reply: FastifyReply,
  res: EasResponse,
  body: EasStreamBody,
  errCtx: Parameters<typeof toEasResponse>[1],
): FastifyReply {
  try {
    const { rest } = splitContentType(res.headers);
    const headers = { 'Cache-Control': 'private', ...rest };
    checkHeaders(headers);
    validateHeaderValue('content-type', body.contentType);
    if (!Number.isSafeInteger(body.length) || body.length < 0) throw new RangeError('stream length');
    for (const [name, value] of Object.entries(headers)) reply.raw.setHeader(name, value);
    reply.code(res.httpStatus);
    reply.header('content-length', body.length);
    reply.header('content-type', body.contentType);
    return reply.send(body.stream);
  } catch (err) {
    body.stream.destroy();
    const fallback = toEasResponse(err, errCtx);
    return sendRaw(reply, fallback.httpStatus, {}, EMPTY, null);
  }
}

/** Content-Type without parameters, lower-cased; null when absent or empty. */
export function mediaType(header: string | undefined): string | null {
  if (typeof header !== 'string') return null;
  const t = header.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return t === '' ? null : t;
}

function splitContentType(headers: Readonly<Record<string, string>>): {
  contentType: string | null;
  rest: Record<string, string>;
} {
  let contentType: string | null = null;
  const rest: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower === 'content-type') contentType = value;
    else if (lower !== 'content-length') rest[name] = value; // the transport computes it
  }
  return { contentType, rest };
}

/** Throws on a header name or value Node would refuse, before anything is written. */
function checkHeaders(headers: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(headers)) {
    validateHeaderName(name);
    validateHeaderValue(name, value);
  }
}

/**
 * Writes a response. Protocol headers go through the raw response so their names keep the spec's
 * spelling on the wire (fastify lower-cases the ones it manages: content-type, content-length).
 */
function sendRaw(
  reply: FastifyReply,
  status: number,
  headers: Readonly<Record<string, string>>,
  body: Buffer,
  contentType: string | null,
): FastifyReply {
  checkHeaders(headers);
  for (const [name, value] of Object.entries(headers)) reply.raw.setHeader(name, value);
  reply.code(status);
  reply.header('content-length', body.length);
  if (body.length === 0) return reply.send();
  reply.header('content-type', contentType ?? 'application/octet-stream');
  return reply.send(body);
}
