// Mail users (Exchange's CAS mailbox settings): create, profile, password, policy assignment, and the
// personal allow/block lists and ActiveSyncEnabled, which go through AccessService so the user's
// devices are re-evaluated at once.
import type { DecisionChange } from '../../access/service.js';
import { hashPassword } from '../../auth/password.js';
import { newUserRecord } from '../../auth/user-record.js';
import type { Store, User } from '../../store/types.js';
import { StoreConflictError } from '../../store/types.js';
import type { AdminDeps } from '../deps.js';
import { apiError } from '../errors.js';
import { defineRoute } from '../route.js';
import type { AnyRoute } from '../route.js';
import {
  PasswordChange,
  UserCreate,
  UserList,
  UserParams,
  UserPatch,
  UserUpdated,
  UserView,
} from '../schemas.js';
import { loadPolicyIndex, userAudit, userView } from '../views.js';
import { findPolicy } from './policies.js';

/** By id, else by user name (case-insensitive). */
export async function findUser(store: Store, idOrName: string): Promise<User> {
  const u = (await store.getUser(idOrName)) ?? (await store.getUserByName(idOrName));
  if (!u) throw apiError('EAS_ERR_USER_NOT_FOUND', `no user ${JSON.stringify(idOrName)}`);
  return u;
}

async function policyIdFor(store: Store, ref: string | null | undefined): Promise<string | null | undefined> {
  if (ref === undefined || ref === null) return ref;
  return (await findPolicy(store, ref)).id;
}

export function userRoutes(deps: AdminDeps): AnyRoute[] {
  const { store, access, audit, clock } = deps;
  return [
    defineRoute({
      method: 'GET',
      url: '/users',
      tag: 'users',
      summary: 'List users',
      response: UserList,
      async handler() {
        const [users, idx] = await Promise.all([store.listUsers(), loadPolicyIndex(store)]);
        return { users: users.map((u) => userView(u, idx)) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/users/:id',
      tag: 'users',
      summary: 'Get a user by id or name',
      params: UserParams,
      response: UserView,
      errors: ['EAS_ERR_USER_NOT_FOUND'],
      async handler({ params }) {
        const user = await findUser(store, params.id);
        return userView(user, await loadPolicyIndex(store));
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/users',
      tag: 'users',
      summary: 'Create a user (the password is stored hashed and never returned)',
      body: UserCreate,
      status: 201,
      response: UserView,
      errors: ['EAS_ERR_USER_EXISTS', 'EAS_ERR_POLICY_NOT_FOUND'],
      async handler({ body, actor, source }) {
        if (await store.getUserByName(body.username)) throw apiError('EAS_ERR_USER_EXISTS');
        const policyId = (await policyIdFor(store, body.policy)) ?? null;
        const user = newUserRecord({
          username: body.username,
          email: body.email,
          displayName: body.displayName,
          passwordHash: await hashPassword(body.password),
          now: clock(),
          easEnabled: body.easEnabled,
          policyId,
        });
        try {
          await store.putUser(user);
        } catch (err) {
          // Two creations of the same name racing each other.
          if (err instanceof StoreConflictError) throw apiError('EAS_ERR_USER_EXISTS');
          throw err;
        }
        await audit.record({
          actor,
          action: 'user.created',
          targetType: 'user',
          targetId: user.id,
          after: userAudit(user),
          source,
        });
        return userView(user, await loadPolicyIndex(store));
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/users/:id',
      tag: 'users',
      summary: 'Change profile, policy assignment, ActiveSyncEnabled or the personal device lists',
      description:
        'Device lists replace the stored lists (Set-CASMailbox -ActiveSyncAllowedDeviceIDs/-ActiveSyncBlockedDeviceIDs). The changes of access decisions this causes are returned.',
      params: UserParams,
      body: UserPatch,
      response: UserUpdated,
      errors: ['EAS_ERR_USER_NOT_FOUND', 'EAS_ERR_POLICY_NOT_FOUND'],
      async handler({ params, body, actor, source }) {
        const user = await findUser(store, params.id);
        const policyId = await policyIdFor(store, body.policy);
        const profile: User = {
          ...user,
          ...(body.displayName !== undefined ? { displayName: body.displayName } : {}),
          ...(body.email !== undefined ? { email: body.email } : {}),
          ...(policyId !== undefined ? { policyId } : {}),
        };
        const profileChanged =
          profile.displayName !== user.displayName ||
          profile.email !== user.email ||
          profile.policyId !== user.policyId;
        if (profileChanged) {
          await store.putUser({ ...profile, updatedAt: clock() });
          await audit.record({
            actor,
            action: 'user.updated',
            targetType: 'user',
            targetId: user.id,
            before: { displayName: user.displayName, email: user.email, policyId: user.policyId },
            after: { displayName: profile.displayName, email: profile.email, policyId: profile.policyId },
            source,
          });
        }
        let changes: DecisionChange[] = [];
        const lists = {
          ...(body.allowedDeviceIds ? { allowedDeviceIds: body.allowedDeviceIds } : {}),
          ...(body.blockedDeviceIds ? { blockedDeviceIds: body.blockedDeviceIds } : {}),
          ...(body.easEnabled !== undefined ? { easEnabled: body.easEnabled } : {}),
        };
        if (Object.keys(lists).length > 0) {
          // Audits user.access.changed and re-evaluates this user's devices (policy change included).
          changes = await access.setUserLists(user.id, lists, actor);
        } else if (profile.email !== user.email || profile.policyId !== user.policyId) {
          // Another policy may change AllowNonProvisionableDevices, hence decisions.
          changes = await access.reevaluate({ actor, userId: user.id });
        }
        const fresh = (await store.getUser(user.id)) ?? profile;
        return { user: userView(fresh, await loadPolicyIndex(store)), changes };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/users/:id',
      tag: 'users',
      summary: 'Delete a user and all their device partnerships',
      params: UserParams,
      status: 204,
      errors: ['EAS_ERR_USER_NOT_FOUND'],
      async handler({ params, actor, source }) {
        const user = await findUser(store, params.id);
        const devices = await store.countDevices({ userId: user.id });
        await store.deleteUser(user.id);
        await audit.record({
          actor,
          action: 'user.deleted',
          targetType: 'user',
          targetId: user.id,
          before: { ...userAudit(user), devices },
          source,
        });
        return undefined;
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/users/:id/password',
      tag: 'users',
      summary: "Set a user's password",
      params: UserParams,
      body: PasswordChange,
      status: 204,
      errors: ['EAS_ERR_USER_NOT_FOUND'],
      async handler({ params, body, actor, source }) {
        const user = await findUser(store, params.id);
        await store.putUser({ ...user, passwordHash: await hashPassword(body.password), updatedAt: clock() });
        await audit.record({
          actor,
          action: 'user.password.changed',
          targetType: 'user',
          targetId: user.id,
          source,
        });
        return undefined;
      },
    }),
  ];
}
