// Users of a mail server that owns the passwords (IMAP backend): the first login the server
// accepts creates the directory record that policies, access rules and devices hang on. The record
// carries no usable password hash, so it can never log in against the directory itself.
import type { AuditEvent } from '../audit/audit-log.js';
import { StoreConflictError } from '../store/types.js';
import type { User, UserStore } from '../store/types.js';
import { newUserRecord } from './user-record.js';

/** Stored instead of a hash: parses as no scrypt hash, so verifyPassword always refuses it. */
export const EXTERNAL_PASSWORD = '!external';

export interface ExternalUserOptions {
  users: Pick<UserStore, 'getUserByName' | 'putUser'>;
  audit: { record(e: AuditEvent): Promise<void> };
  clock: () => Date;
  /** Create unknown users at their first accepted login; false = an administrator creates them. */
  create: boolean;
  /** Domain for logins without one ("alice" -> alice@domain); null = such logins get no record. */
  mailDomain: string | null;
  /** Where the logins were verified, for the audit entry ("imap://mail.example.com:993"). */
  source: string;
}

/** The address a login stands for, or null when it cannot be told. */
export function emailForLogin(login: string, mailDomain: string | null): string | null {
  const at = login.lastIndexOf('@');
  if (at > 0 && at < login.length - 1) return login;
  if (at >= 0 || !mailDomain) return null;
  return `${login}@${mailDomain}`;
}

export function externalUserProvisioner(o: ExternalUserOptions): (login: string) => Promise<User | null> {
  return async (login) => {
    if (!o.create) return null;
    const email = emailForLogin(login, o.mailDomain);
    if (!email) return null;
    const user = newUserRecord({
      username: login,
      email,
      displayName: email.slice(0, email.indexOf('@')),
      passwordHash: EXTERNAL_PASSWORD,
      now: o.clock(),
    });
    try {
      await o.users.putUser(user);
    } catch (err) {
      // Two first requests at once: the other one created it.
      if (err instanceof StoreConflictError) return o.users.getUserByName(login);
      throw err;
    }
    await o.audit.record({
      actor: 'system',
      action: 'user.created',
      targetType: 'user',
      targetId: user.id,
      after: { username: login, email },
      reason: 'first login accepted by the mail server',
      source: o.source,
    });
    return user;
  };
}
