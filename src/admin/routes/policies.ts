// Mobile device mailbox policies (New-/Set-/Get-/Remove-MobileDeviceMailboxPolicy) and e-mail domain
// assignments. Every change bumps the revision, so devices on the policy re-provision; decisions are
// re-evaluated because AllowNonProvisionableDevices takes part in them.
import { randomUUID } from 'node:crypto';
import {
  DEFAULT_POLICY_OPTIONS,
  DEFAULT_POLICY_SETTINGS,
  parsePolicyPatch,
  splitPolicyPatch,
} from '../../policy/index.js';
import type { Policy } from '../../policy/types.js';
import type { Store } from '../../store/types.js';
import { StoreConflictError } from '../../store/types.js';
import type { AdminDeps } from '../deps.js';
import { apiError } from '../errors.js';
import { defineRoute } from '../route.js';
import type { AnyRoute } from '../route.js';
import {
  ChangesOnly,
  DomainParams,
  DomainPolicyList,
  DomainPolicyPut,
  DomainPolicyUpdated,
  PolicyCreate,
  PolicyList,
  PolicyParams,
  PolicyUpdate,
  PolicyUpdated,
  PolicyView,
} from '../schemas.js';
import { policyView } from '../views.js';

/** By id, else by name (case-insensitive). */
export async function findPolicy(store: Store, idOrName: string): Promise<Policy> {
  const p = (await store.getPolicy(idOrName)) ?? (await store.getPolicyByName(idOrName));
  if (!p) throw apiError('EAS_ERR_POLICY_NOT_FOUND', `no policy ${JSON.stringify(idOrName)}`);
  return p;
}

/** Applies validated values (throws PolicyValidationError, mapped to 400 with every field). */
function withValues(p: Policy, values: unknown): Policy {
  if (values === undefined) return p;
  const { settings, options } = splitPolicyPatch(parsePolicyPatch(values));
  return { ...p, settings: { ...p.settings, ...settings }, options: { ...p.options, ...options } };
}

export function policyRoutes(deps: AdminDeps): AnyRoute[] {
  const { store, access, audit, clock } = deps;

  async function save(p: Policy): Promise<void> {
    try {
      await store.putPolicy(p);
    } catch (err) {
      if (err instanceof StoreConflictError) throw apiError('EAS_ERR_POLICY_EXISTS');
      throw err;
    }
  }
  async function nameTaken(name: string, exceptId: string | null): Promise<boolean> {
    const other = await store.getPolicyByName(name);
    return other !== null && other.id !== exceptId;
  }

  return [
    defineRoute({
      method: 'GET',
      url: '/policies',
      tag: 'policies',
      summary: 'List policies',
      response: PolicyList,
      async handler() {
        return { policies: (await store.listPolicies()).map(policyView) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/policies/:id',
      tag: 'policies',
      summary: 'Get a policy by id or name',
      params: PolicyParams,
      response: PolicyView,
      errors: ['EAS_ERR_POLICY_NOT_FOUND'],
      async handler({ params }) {
        return policyView(await findPolicy(store, params.id));
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/policies',
      tag: 'policies',
      summary: "Create a policy from Exchange's defaults plus the given values",
      body: PolicyCreate,
      status: 201,
      response: PolicyUpdated,
      errors: ['EAS_ERR_POLICY_INVALID', 'EAS_ERR_POLICY_EXISTS'],
      async handler({ body, actor, source }) {
        const now = clock();
        const base: Policy = {
          id: randomUUID(),
          name: body.name,
          isDefault: body.isDefault ?? false,
          settings: { ...DEFAULT_POLICY_SETTINGS },
          options: { ...DEFAULT_POLICY_OPTIONS },
          revision: 1,
          createdAt: now,
          updatedAt: now,
        };
        const policy = withValues(base, body.settings);
        if (await nameTaken(policy.name, null)) throw apiError('EAS_ERR_POLICY_EXISTS');
        await save(policy);
        await audit.record({
          actor,
          action: 'policy.created',
          targetType: 'policy',
          targetId: policy.id,
          after: policyView(policy),
          source,
        });
        // A new default policy applies to every user without an assignment.
        const changes = policy.isDefault ? await access.reevaluate({ actor }) : [];
        return { policy: policyView(policy), changes };
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/policies/:id',
      tag: 'policies',
      summary: 'Rename a policy or change some of its settings and options',
      params: PolicyParams,
      body: PolicyUpdate,
      response: PolicyUpdated,
      errors: ['EAS_ERR_POLICY_NOT_FOUND', 'EAS_ERR_POLICY_INVALID', 'EAS_ERR_POLICY_EXISTS'],
      async handler({ params, body, actor, source }) {
        const before = await findPolicy(store, params.id);
        const changed = withValues({ ...before, name: body.name ?? before.name }, body.settings);
        const next: Policy = { ...changed, revision: before.revision + 1, updatedAt: clock() };
        if (next.name !== before.name && (await nameTaken(next.name, before.id))) {
          throw apiError('EAS_ERR_POLICY_EXISTS');
        }
        await save(next);
        await audit.record({
          actor,
          action: 'policy.updated',
          targetType: 'policy',
          targetId: next.id,
          before: policyView(before),
          after: policyView(next),
          source,
        });
        return { policy: policyView(next), changes: await access.reevaluate({ actor }) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/policies/:id',
      tag: 'policies',
      summary: 'Delete a policy (not the default); its users and domains fall back',
      params: PolicyParams,
      response: ChangesOnly,
      errors: ['EAS_ERR_POLICY_NOT_FOUND', 'EAS_ERR_POLICY_DEFAULT'],
      async handler({ params, actor, source }) {
        const p = await findPolicy(store, params.id);
        if (p.isDefault) throw apiError('EAS_ERR_POLICY_DEFAULT');
        await store.deletePolicy(p.id);
        await audit.record({
          actor,
          action: 'policy.deleted',
          targetType: 'policy',
          targetId: p.id,
          before: policyView(p),
          source,
        });
        return { changes: await access.reevaluate({ actor }) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/policies/:id/default',
      tag: 'policies',
      summary: 'Make a policy the default (for users with neither a user nor a domain assignment)',
      params: PolicyParams,
      response: PolicyUpdated,
      errors: ['EAS_ERR_POLICY_NOT_FOUND'],
      async handler({ params, actor, source }) {
        const p = await findPolicy(store, params.id);
        if (p.isDefault) return { policy: policyView(p), changes: [] };
        const previous = await store.getDefaultPolicy();
        const next: Policy = { ...p, isDefault: true, revision: p.revision + 1, updatedAt: clock() };
        await save(next);
        await audit.record({
          actor,
          action: 'policy.default.changed',
          targetType: 'policy',
          targetId: p.id,
          before: { defaultPolicyId: previous?.id ?? null },
          after: { defaultPolicyId: p.id },
          source,
        });
        return { policy: policyView(next), changes: await access.reevaluate({ actor }) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/domain-policies',
      tag: 'policies',
      summary: 'List e-mail domain assignments (user beats domain beats default)',
      response: DomainPolicyList,
      async handler() {
        const [domains, policies] = await Promise.all([store.listDomainPolicies(), store.listPolicies()]);
        const names = new Map(policies.map((p) => [p.id, p.name]));
        return {
          domains: domains.map((d) => ({ ...d, policyName: names.get(d.policyId) ?? '' })),
        };
      },
    }),
    defineRoute({
      method: 'PUT',
      url: '/domain-policies/:domain',
      tag: 'policies',
      summary: 'Assign a policy to every user of an e-mail domain',
      params: DomainParams,
      body: DomainPolicyPut,
      response: DomainPolicyUpdated,
      errors: ['EAS_ERR_POLICY_NOT_FOUND'],
      async handler({ params, body, actor, source }) {
        const p = await findPolicy(store, body.policy);
        const before = await store.getDomainPolicy(params.domain);
        await store.setDomainPolicy(params.domain, p.id);
        await audit.record({
          actor,
          action: 'policy.domain.assigned',
          targetType: 'policy',
          targetId: p.id,
          before: { domain: params.domain, policyId: before },
          after: { domain: params.domain, policyId: p.id },
          source,
        });
        const changes = await access.reevaluate({ actor });
        return { domain: params.domain, policyId: p.id, policyName: p.name, changes };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/domain-policies/:domain',
      tag: 'policies',
      summary: "Remove a domain's assignment; its users fall back to the default",
      params: DomainParams,
      response: ChangesOnly,
      errors: ['EAS_ERR_POLICY_DOMAIN_NOT_FOUND'],
      async handler({ params, actor, source }) {
        const before = await store.getDomainPolicy(params.domain);
        if (before === null) throw apiError('EAS_ERR_POLICY_DOMAIN_NOT_FOUND');
        await store.setDomainPolicy(params.domain, null);
        await audit.record({
          actor,
          action: 'policy.domain.unassigned',
          targetType: 'policy',
          targetId: before,
          before: { domain: params.domain, policyId: before },
          source,
        });
        return { changes: await access.reevaluate({ actor }) };
      },
    }),
  ];
}
