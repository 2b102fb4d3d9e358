// Verifies Basic credentials against the user directory. A phone authenticates on every request
// (a Ping every few minutes, bursts of Syncs), and scrypt is deliberately slow, so a verified
// login is remembered briefly under an HMAC of the credentials: never the password itself.
import { createHmac, randomBytes } from 'node:crypto';
import { verifyPassword } from '../auth/password.js';
import type { Credentials } from './types.js';
import type { User, UserStore } from '../store/types.js';

export interface AuthenticatorOptions {
  users: Pick<UserStore, 'getUserByName' | 'getUser'>;
  clock: () => Date;
  /** How long a verified login is remembered; 0 disables the cache. */
  cacheTtlMs?: number;
  maxCacheEntries?: number;
}

interface CacheEntry {
  userId: string;
  passwordHash: string;
  expiresAt: number;
}

export class Authenticator {
  // Per-process key: cache entries are useless outside this process and die with it.
  private readonly key = randomBytes(32);
  private readonly cache = new Map<string, CacheEntry>();
  private readonly ttl: number;
  private readonly max: number;

  constructor(private readonly opts: AuthenticatorOptions) {
    this.ttl = opts.cacheTtlMs ?? 5 * 60_000;
    this.max = opts.maxCacheEntries ?? 50_000;
  }

  /** The user these credentials belong to, or null (unknown user, wrong password, no credentials). */
  async authenticate(credentials: Credentials): Promise<User | null> {
    if (credentials.kind !== 'basic') return null;
    const { username, password } = credentials;
    const now = this.opts.clock().getTime();
    const tag = this.ttl > 0 ? this.tag(username, password) : '';
    const hit = this.ttl > 0 ? this.cache.get(tag) : undefined;
    if (hit && hit.expiresAt > now) {
      const user = await this.opts.users.getUser(hit.userId);
      // A password change (new hash) or a deleted user invalidates the entry.
      if (user && user.passwordHash === hit.passwordHash) return user;
      this.cache.delete(tag);
    }
    const user = await this.opts.users.getUserByName(stripDomain(username));
    if (!user) return null;
    if (!(await verifyPassword(password, user.passwordHash))) return null;
    if (this.ttl > 0) {
      if (this.cache.size >= this.max) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(tag, { userId: user.id, passwordHash: user.passwordHash, expiresAt: now + this.ttl });
    }
    return user;
  }

  private tag(username: string, password: string): string {
    return createHmac('sha256', this.key).update(username).update('\0').update(password).digest('base64');
  }
}

/** Clients send "DOMAIN\user"; the directory knows "user". */
export function stripDomain(name: string): string {
  const i = name.lastIndexOf('\\');
  return i >= 0 ? name.slice(i + 1) : name;
}

/** Whether the query's User names the authenticated user (login name or e-mail address, any case). */
export function queryUserMatches(queryUser: string, user: User): boolean {
  const q = stripDomain(queryUser).toLowerCase();
  return q === user.username.toLowerCase() || q === user.email.toLowerCase();
}
