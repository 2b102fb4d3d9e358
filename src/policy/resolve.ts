// Which policy applies to a user: explicit user assignment, else the assignment of the user's
// e-mail domain, else the default policy. Pure: the caller loads the assignments and policies.
import type { Policy } from './types.js';

export type PolicySource = 'user' | 'domain' | 'default';

/** A map, or a lookup function returning null/undefined when there is nothing. */
export type Lookup<V> = ReadonlyMap<string, V> | ((key: string) => V | null | undefined);

export interface ResolvePolicyInput {
  /** The user's explicit assignment (User.policyId); null = none. */
  userPolicyId: string | null;
  /** The user's e-mail address (or user name); its domain picks the domain assignment. */
  email: string | null;
  /** Lower-case domain ("example.com") -> policy id, as PolicyStore.getDomainPolicy stores it. */
  domainAssignments: Lookup<string>;
  policiesById: Lookup<Policy>;
  defaultPolicy: Policy;
}

export interface ResolvedPolicy {
  policy: Policy;
  source: PolicySource;
  /** Assignments that named a policy that no longer exists (skipped; worth a log line). */
  dangling: Array<{ source: 'user' | 'domain'; policyId: string }>;
}

function lookup<V>(from: Lookup<V>, key: string): V | null {
  return (typeof from === 'function' ? from(key) : from.get(key)) ?? null;
}

/** Lower-case domain after the last '@', or null when there is none ("alice", "alice@"). */
export function emailDomain(email: string | null): string | null {
  if (email === null) return null;
  const at = email.lastIndexOf('@');
  const domain =
    at < 0
      ? ''
      : email
          .slice(at + 1)
          .trim()
          .toLowerCase();
  return domain === '' ? null : domain;
}

/**
 * Effective policy: user beats domain beats default. An assignment whose policy id is not in
 * `policiesById` (deleted policy) falls through to the next level and is reported in `dangling`.
 * Domains match exactly: a user at "eu.example.com" does not get the "example.com" assignment.
 */
export function resolvePolicy(input: ResolvePolicyInput): ResolvedPolicy {
  const dangling: ResolvedPolicy['dangling'] = [];
  if (input.userPolicyId !== null) {
    const policy = lookup(input.policiesById, input.userPolicyId);
    if (policy) return { policy, source: 'user', dangling };
    dangling.push({ source: 'user', policyId: input.userPolicyId });
  }
  const domain = emailDomain(input.email);
  const domainPolicyId = domain === null ? null : lookup(input.domainAssignments, domain);
  if (domainPolicyId !== null) {
    const policy = lookup(input.policiesById, domainPolicyId);
    if (policy) return { policy, source: 'domain', dangling };
    dangling.push({ source: 'domain', policyId: domainPolicyId });
  }
  return { policy: input.defaultPolicy, source: 'default', dangling };
}
