// The admin API's error catalogue: every code a client can see, with its HTTP status and default
// message (as fastify's lib/errors.js), and the one mapper from thrown errors to the response body.
// docs/errors.md documents each code; errors.test.ts keeps the two in step.
import { AccessInputError, AccessNotFoundError } from '../access/service.js';
import { WipeNotSupportedError } from '../devices/service.js';
import { PolicyValidationError } from '../policy/errors.js';
import { StoreConflictError } from '../store/types.js';

export interface ErrorDef {
  readonly statusCode: number;
  readonly message: string;
}

const def = (statusCode: number, message: string): ErrorDef => ({ statusCode, message });

export const ERRORS = {
  // Request shape and transport.
  EAS_ERR_REQUEST_INVALID: def(400, 'the request is invalid'),
  EAS_ERR_REQUEST_MALFORMED_JSON: def(400, 'the request body is not valid JSON'),
  EAS_ERR_REQUEST_TOO_LARGE: def(413, 'the request body is too large'),
  EAS_ERR_REQUEST_UNSUPPORTED_MEDIA_TYPE: def(415, 'the request body must be application/json'),
  EAS_ERR_ROUTE_NOT_FOUND: def(404, 'no such admin API route'),
  // Authentication.
  EAS_ERR_AUTH_REQUIRED: def(401, 'authentication required: send Authorization: Bearer <token>'),
  EAS_ERR_AUTH_TOKEN_INVALID: def(401, 'the token is not valid'),
  EAS_ERR_AUTH_TOKEN_EXPIRED: def(401, 'the token has expired'),
  EAS_ERR_AUTH_BAD_CREDENTIALS: def(401, 'wrong administrator name or password'),
  EAS_ERR_AUTH_RATE_LIMITED: def(429, 'too many failed logins from this address; try again later'),
  EAS_ERR_AUTH_TOKEN_NOT_FOUND: def(404, 'no such token'),
  EAS_ERR_AUTH_TOKEN_FORBIDDEN: def(403, 'the token belongs to another administrator'),
  // Users.
  EAS_ERR_USER_NOT_FOUND: def(404, 'no such user'),
  EAS_ERR_USER_EXISTS: def(409, 'a user with this name exists'),
  // Policies.
  EAS_ERR_POLICY_NOT_FOUND: def(404, 'no such policy'),
  EAS_ERR_POLICY_INVALID: def(400, 'invalid policy settings'),
  EAS_ERR_POLICY_EXISTS: def(409, 'a policy with this name exists'),
  EAS_ERR_POLICY_DEFAULT: def(409, 'the default policy cannot be deleted'),
  EAS_ERR_POLICY_DOMAIN_NOT_FOUND: def(404, 'the domain has no policy assignment'),
  // Devices and quarantine.
  EAS_ERR_DEVICE_NOT_FOUND: def(404, 'no such device'),
  EAS_ERR_DEVICE_WIPE_UNSUPPORTED: def(409, 'the device cannot be wiped this way'),
  EAS_ERR_DEVICE_WIPE_NOT_PENDING: def(409, 'no wipe is pending for the device'),
  EAS_ERR_DEVICE_WIPE_ACKNOWLEDGED: def(409, 'the device has already acknowledged the wipe'),
  EAS_ERR_DEVICE_NOT_QUARANTINED: def(409, 'the device is not quarantined'),
  // Access rules and decisions.
  EAS_ERR_RULE_NOT_FOUND: def(404, 'no such device access rule'),
  EAS_ERR_ACCESS_INVALID: def(400, 'the access change was refused'),
  EAS_ERR_ACCESS_NOT_FOUND: def(404, 'a record the access change refers to does not exist'),
  // Storage and the rest.
  EAS_ERR_STORE_CONFLICT: def(409, 'the change conflicts with an existing record'),
  EAS_ERR_SERVER_INTERNAL: def(500, 'internal server error'),
} as const satisfies Record<string, ErrorDef>;

export type ErrorCode = keyof typeof ERRORS;

/** An error with a catalogue code; `message` may be more specific than the catalogue's default. */
export class AdminApiError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message ?? ERRORS[code].message);
    this.name = 'AdminApiError';
    this.statusCode = ERRORS[code].statusCode;
  }
}

export function apiError(code: ErrorCode, message?: string, details?: unknown): AdminApiError {
  return new AdminApiError(code, message, details);
}

/** The response body of every admin API error. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  requestId: string;
  details?: unknown;
}

// Fastify's own request errors, by code (content-type parsing happens before our handlers run).
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'EAS_ERR_REQUEST_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_TYPE: 'EAS_ERR_REQUEST_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'EAS_ERR_REQUEST_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'EAS_ERR_REQUEST_MALFORMED_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'EAS_ERR_REQUEST_MALFORMED_JSON',
};

/**
 * Turns anything thrown by a route into a catalogue error. Domain errors keep their messages (they
 * are written for admins); anything unknown becomes EAS_ERR_SERVER_INTERNAL and says nothing more.
 */
export function toApiError(err: unknown): AdminApiError {
  if (err instanceof AdminApiError) return err;
  if (err instanceof PolicyValidationError)
    return apiError('EAS_ERR_POLICY_INVALID', err.message, err.issues);
  if (err instanceof AccessInputError) return apiError('EAS_ERR_ACCESS_INVALID', err.message, err.problems);
  if (err instanceof AccessNotFoundError) return apiError('EAS_ERR_ACCESS_NOT_FOUND', err.message);
  if (err instanceof WipeNotSupportedError) return apiError('EAS_ERR_DEVICE_WIPE_UNSUPPORTED', err.message);
  // The store's message may name constraints or ids; the catalogue text is enough.
  if (err instanceof StoreConflictError) return apiError('EAS_ERR_STORE_CONFLICT');
  const e = err as { code?: unknown; statusCode?: unknown; name?: unknown };
  const mapped = typeof e.code === 'string' ? FASTIFY_CODES[e.code] : undefined;
  if (mapped) return apiError(mapped);
  // JSON.parse's SyntaxError from fastify's JSON parser carries statusCode 400.
  if (e.name === 'SyntaxError' && e.statusCode === 400) return apiError('EAS_ERR_REQUEST_MALFORMED_JSON');
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return apiError('EAS_ERR_REQUEST_INVALID');
  }
  return apiError('EAS_ERR_SERVER_INTERNAL');
}
