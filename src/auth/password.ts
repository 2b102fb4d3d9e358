// Password hashing (scrypt, self-describing strings) and the Basic Authorization header (RFC 7617).
// No caching here: the EAS authenticator (src/eas/authenticate.ts) remembers verified logins under an
// HMAC of the credentials for a few minutes, because a phone authenticates on every Ping and Sync.
import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import type { ScryptOptions } from 'node:crypto';
import type { Credentials } from '../eas/types.js';

/**
 * Cost parameters for new hashes. N = 2^15, r = 8 needs 128·N·r = 32 MiB, exactly Node's default
 * maxmem, so maxmem is set explicitly with headroom. About 50 ms per hash on a current server core.
 */
export const SCRYPT_PARAMS = { N: 2 ** 15, r: 8, p: 1, saltBytes: 16, keyBytes: 32 } as const;

// Bounds for parameters read back from a stored string: a corrupted or hostile row must not be
// able to make verification allocate gigabytes or spin for minutes.
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;
const MAX_MEM = 256 * 1024 * 1024;
/** Longer passwords are refused outright (scrypt would accept them, but no client needs this). */
const MAX_PASSWORD_BYTES = 4096;

function scrypt(password: Buffer, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function maxmemFor(N: number, r: number, p: number): number {
  // 128·N·r for the working set plus 128·r·p for B, with slack for Node's accounting.
  return 128 * N * r + 128 * r * p + 1024 * 1024;
}

/** Hashes a password: `scrypt$N$r$p$<salt base64>$<hash base64>`. */
export async function hashPassword(password: string): Promise<string> {
  const pw = Buffer.from(password, 'utf8');
  if (pw.length > MAX_PASSWORD_BYTES) throw new RangeError('password is too long');
  const { N, r, p, saltBytes, keyBytes } = SCRYPT_PARAMS;
  const salt = randomBytes(saltBytes);
  const key = await scrypt(pw, salt, keyBytes, { N, r, p, maxmem: maxmemFor(N, r, p) });
  return ['scrypt', N, r, p, salt.toString('base64'), key.toString('base64')].join('$');
}

const B64 = /^[A-Za-z0-9+/]+={0,2}$/;
const DECIMAL = /^[1-9][0-9]{0,9}$/;

interface StoredHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

function parseStored(stored: string): StoredHash | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [, n, r, p, salt, key] = parts as [string, string, string, string, string, string];
  if (!DECIMAL.test(n) || !DECIMAL.test(r) || !DECIMAL.test(p) || !B64.test(salt) || !B64.test(key))
    return null;
  const N = Number(n);
  const R = Number(r);
  const P = Number(p);
  // N must be a power of two > 1; bounds keep a bad row from becoming a denial of service.
  if (N < 2 || N > MAX_N || (N & (N - 1)) !== 0 || R > MAX_R || P > MAX_P || maxmemFor(N, R, P) > MAX_MEM)
    return null;
  const saltBuf = Buffer.from(salt, 'base64');
  const keyBuf = Buffer.from(key, 'base64');
  if (saltBuf.length < 8 || keyBuf.length < 16 || keyBuf.length > 128) return null;
  return { N, r: R, p: P, salt: saltBuf, key: keyBuf };
}

/**
 * Whether `password` matches `stored`. Constant-time comparison; false (never a throw) for a
 * malformed stored string, a non-string argument or an overlong password.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (typeof password !== 'string' || typeof stored !== 'string') return false;
  const pw = Buffer.from(password, 'utf8');
  if (pw.length > MAX_PASSWORD_BYTES) return false;
  const h = parseStored(stored);
  if (!h) return false;
  try {
    const key = await scrypt(pw, h.salt, h.key.length, {
      N: h.N,
      r: h.r,
      p: h.p,
      maxmem: maxmemFor(h.N, h.r, h.p),
    });
    return timingSafeEqual(key, h.key);
  } catch {
    return false;
  }
}

/** Whether a stored hash uses weaker parameters than {@link SCRYPT_PARAMS} (re-hash at next login). */
export function needsRehash(stored: string): boolean {
  const h = parseStored(stored);
  return !h || h.N < SCRYPT_PARAMS.N || h.r < SCRYPT_PARAMS.r || h.key.length < SCRYPT_PARAMS.keyBytes;
}

const MAX_AUTH_HEADER = 8192;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses `Authorization: Basic <base64(user:password)>` ([MS-ASHTTP] 2.2.1.1.2.2, RFC 7617).
 * The scheme is case-insensitive; the user ends at the first ':' so the password may contain ':'.
 * Credentials are UTF-8 (RFC 7617 charset="UTF-8"); bytes that are not valid UTF-8 are read as
 * Latin-1, which is what older clients send. Anything else (no header, other scheme such as Bearer,
 * bad base64, no ':', empty user, control characters in the user) is `{ kind: 'none' }`.
 */
export function parseBasicAuth(header: string | string[] | undefined | null): Credentials {
  const none: Credentials = { kind: 'none' };
  if (typeof header !== 'string' || header.length > MAX_AUTH_HEADER) return none;
  const m = /^\s*basic[ \t]+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header);
  if (!m) return none;
  const token = m[1] as string;
  if (token.length % 4 === 1) return none;
  const bytes = Buffer.from(token, 'base64');
  let decoded: string;
  try {
    decoded = utf8.decode(bytes);
  } catch {
    decoded = bytes.toString('latin1');
  }
  const colon = decoded.indexOf(':');
  if (colon <= 0) return none;
  const username = decoded.slice(0, colon);
  // RFC 7617 2: the user-id cannot contain control characters.
  if (/\p{Cc}/u.test(username)) return none;
  return { kind: 'basic', username, password: decoded.slice(colon + 1) };
}
