// First start of an empty store: the default policy, an administrator and a demo user.
// Generated passwords are returned once for printing and kept only as scrypt hashes.
import { randomBytes, randomUUID } from 'node:crypto';
import { hashPassword } from '../auth/password.js';
import { newUserRecord } from '../auth/user-record.js';
import { DEFAULT_POLICY_OPTIONS, DEFAULT_POLICY_SETTINGS } from '../policy/index.js';
import type { Store } from '../store/types.js';

export interface SeedResult {
  createdDefaultPolicy: boolean;
  /** Present only when the accounts were created by this call. */
  credentials: {
    admin: { username: string; password: string };
    /** Absent when no demo user is created (the mail server owns the passwords). */
    demo: { username: string; password: string } | null;
  } | null;
}

export function generatePassword(): string {
  return randomBytes(12).toString('base64url');
}

export async function seedStore(
  store: Store,
  opts: { clock?: () => Date; demoDomain?: string; demoUser?: boolean } = {},
): Promise<SeedResult> {
  const now = (opts.clock ?? (() => new Date()))();
  let createdDefaultPolicy = false;
  if (!(await store.getDefaultPolicy())) {
    await store.putPolicy({
      id: randomUUID(),
      name: 'Default',
      isDefault: true,
      settings: { ...DEFAULT_POLICY_SETTINGS },
      options: { ...DEFAULT_POLICY_OPTIONS },
      revision: 1,
      createdAt: now,
      updatedAt: now,
    });
    createdDefaultPolicy = true;
  }
  if ((await store.listAdmins()).length > 0) return { createdDefaultPolicy, credentials: null };

  const admin = { username: 'admin', password: generatePassword() };
  const demo = { username: 'demo', password: generatePassword() };
  await store.putAdmin({
    id: randomUUID(),
    username: admin.username,
    passwordHash: await hashPassword(admin.password),
    createdAt: now,
  });
  if (opts.demoUser === false) return { createdDefaultPolicy, credentials: { admin, demo: null } };
  if (!(await store.getUserByName(demo.username))) {
    await store.putUser(
      newUserRecord({
        username: demo.username,
        email: `demo@${opts.demoDomain ?? 'example.com'}`,
        displayName: 'Demo User',
        passwordHash: await hashPassword(demo.password),
        now,
      }),
    );
  }
  return { createdDefaultPolicy, credentials: { admin, demo } };
}
