// Verifies Basic credentials: against the user directory's scrypt hashes, or, when the mail
// server owns the passwords (IMAP backend), by logging in there. A phone authenticates on every
// request (a Ping every few minutes, bursts of Syncs) and both checks are slow, so an outcome is
// remembered briefly under an HMAC of the credentials: never the password itself. Failures are
// remembered too (a phone with an old password retries forever), and unknown users cost a full
// check, so timing does not tell which usernames exist.
import { createHmac, randomBytes } from 'node:crypto';
import { hashPassword, verifyPassword } from '../auth/password.js';
import type { Credentials } from './types.js';
import type { User, UserStore } from '../store/types.js';

/**
 * A server that owns the passwords (the IMAP server in front of the organisation's directory).
 * The directory still holds the user record (policy, devices); its password hash is not used.
 */
export interface ExternalLogin {
  /** True if the server accepts these credentials; throws when it cannot be asked. */
  verify(login: string, password: string): Promise<boolean>;
  /**
   * The directory has no user for a login the server accepted: create one, or return null to
   * refuse (users must then be created by an administrator first).
   */
  provision(login: string): Promise<User | null>;
}

export interface AuthenticatorOptions {
  users: Pick<UserStore, 'getUserByName' | 'getUser'> & {
    findUserIdByEmail(email: string): Promise<string | null>;
  };
  /** Check passwords there instead of against the directory's hashes. */
  external?: ExternalLogin;
  clock: () => Date;
  /** How long a verified login is remembered; 0 disables the cache. */
  cacheTtlMs?: number;
  maxCacheEntries?: number;
}

interface CacheEntry {
  /** null: these credentials failed. */
  userId: string | null;
  /** The hash they were checked against (null: unknown user); a change invalidates the entry. */
  passwordHash: string | null;
  expiresAt: number;
}

/** How long a failed login is remembered. Short: a user who fixes the password waits at most this. */
const FAILURE_TTL_MS = 30_000;
const EXTERNAL = '\0external';

export class Authenticator {
  // Per-process key: cache entries are useless outside this process and die with it.
  private readonly key = randomBytes(32);
  private readonly cache = new Map<string, CacheEntry>();
  private readonly ttl: number;
  private readonly max: number;
  private dummyHash: Promise<string> | null = null;

  constructor(private readonly opts: AuthenticatorOptions) {
    this.ttl = opts.cacheTtlMs ?? 5 * 60_000;
    this.max = opts.maxCacheEntries ?? 50_000;
  }

  /** The user these credentials belong to, or null (unknown user, wrong password, no credentials). */
  async authenticate(credentials: Credentials): Promise<User | null> {
    if (credentials.kind !== 'basic') return null;
    const { username, password } = credentials;
    const now = this.opts.clock().getTime();
    const caching = this.ttl > 0;
    const tag = caching ? this.tag(username, password) : '';
    const hit = caching ? this.cache.get(tag) : undefined;
    const login = stripDomain(username);
    const external = this.opts.external;
    // A remembered success needs one read by id (every request of a phone comes through here);
    // a remembered failure, or none, looks the login up (by name, then by address).
    let user =
      hit && hit.userId !== null && hit.expiresAt > now
        ? await this.opts.users.getUser(hit.userId)
        : await this.findUser(login);
    if (user && hit?.userId === user.id && !namesUser(login, user)) user = await this.findUser(login);
    // An external check has no hash to compare; the entry's TTL alone bounds how long it holds.
    const checkedAgainst = external ? EXTERNAL : (user?.passwordHash ?? null);
    if (hit && hit.expiresAt > now && checkedAgainst === hit.passwordHash) {
      // Same credentials against the same stored hash: the answer cannot have changed.
      return hit.userId !== null && user && user.id === hit.userId ? user : null;
    }
    let ok: boolean;
    if (external) {
      ok = await external.verify(login, password);
      if (ok && !user) user = await external.provision(login);
      ok = ok && user !== null;
    } else if (user) {
      ok = await verifyPassword(password, user.passwordHash);
    } else {
      // Spend the same work as for a real user so response time does not reveal who exists.
      this.dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
      await verifyPassword(password, await this.dummyHash);
      ok = false;
    }
    if (caching) {
      if (this.cache.size >= this.max) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(tag, {
        userId: ok && user ? user.id : null,
        passwordHash: checkedAgainst,
        expiresAt: now + (ok ? this.ttl : Math.min(this.ttl, FAILURE_TTL_MS)),
      });
    }
    return ok ? user : null;
  }

  /** By login name, or by e-mail address (IMAP logins are often the address). */
  private async findUser(login: string): Promise<User | null> {
    const byName = await this.opts.users.getUserByName(login);
    if (byName || !login.includes('@')) return byName;
    const id = await this.opts.users.findUserIdByEmail(login);
    return id ? this.opts.users.getUser(id) : null;
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

/** Whether a login (without "DOMAIN\\") is this user's name or address, any case. */
function namesUser(login: string, user: User): boolean {
  const l = login.toLowerCase();
  return l === user.username.toLowerCase() || l === user.email.toLowerCase();
}

/** Whether the query's User names the authenticated user (login name or e-mail address, any case). */
export function queryUserMatches(queryUser: string, user: User): boolean {
  const q = stripDomain(queryUser).toLowerCase();
  return q === user.username.toLowerCase() || q === user.email.toLowerCase();
}
