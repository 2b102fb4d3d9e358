// Store records as the API shows them: dates as ISO strings, release conditions as text, names
// next to ids, and never a password hash. Pure functions; routes load what they need first.
import { formatReleaseCondition } from '../access/release.js';
import type { AccessRule, OrgSettings, ReleaseCondition } from '../access/types.js';
import type { Device } from '../devices/types.js';
import { resolvePolicy } from '../policy/index.js';
import type { Policy } from '../policy/types.js';
import type { AdminToken, AuditEntry, Store, User } from '../store/types.js';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
const cond = (c: ReleaseCondition | null): string | null => (c ? formatReleaseCondition(c) : null);

/** Policies and domain assignments, loaded once per request to name and resolve policies. */
export interface PolicyIndex {
  byId: Map<string, Policy>;
  domains: Map<string, string>;
  defaultPolicy: Policy | null;
}

export async function loadPolicyIndex(store: Store): Promise<PolicyIndex> {
  const [policies, domains, defaultPolicy] = await Promise.all([
    store.listPolicies(),
    store.listDomainPolicies(),
    store.getDefaultPolicy(),
  ]);
  return {
    byId: new Map(policies.map((p) => [p.id, p])),
    domains: new Map(domains.map((d) => [d.domain, d.policyId])),
    defaultPolicy,
  };
}

export function userView(u: User, idx: PolicyIndex) {
  const effective = idx.defaultPolicy
    ? resolvePolicy({
        userPolicyId: u.policyId,
        email: u.email,
        domainAssignments: idx.domains,
        policiesById: idx.byId,
        defaultPolicy: idx.defaultPolicy,
      })
    : null;
  return {
    id: u.id,
    username: u.username,
    email: u.email,
    displayName: u.displayName,
    easEnabled: u.easEnabled,
    policyId: u.policyId,
    policyName: u.policyId ? (idx.byId.get(u.policyId)?.name ?? null) : null,
    effectivePolicy: effective
      ? { id: effective.policy.id, name: effective.policy.name, source: effective.source }
      : null,
    allowedDeviceIds: [...u.allowedDeviceIds],
    blockedDeviceIds: [...u.blockedDeviceIds],
    createdAt: u.createdAt.toISOString(),
    updatedAt: u.updatedAt.toISOString(),
  };
}

/** What the audit log keeps of a user: everything but the password hash. */
export function userAudit(u: User) {
  return {
    username: u.username,
    email: u.email,
    displayName: u.displayName,
    easEnabled: u.easEnabled,
    policyId: u.policyId,
    allowedDeviceIds: u.allowedDeviceIds,
    blockedDeviceIds: u.blockedDeviceIds,
  };
}

export function policyView(p: Policy) {
  return {
    id: p.id,
    name: p.name,
    isDefault: p.isDefault,
    settings: p.settings,
    options: p.options,
    revision: p.revision,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

export function deviceView(d: Device, userName: string | null, ruleNames: ReadonlyMap<string, string>) {
  return {
    id: d.id,
    userId: d.userId,
    userName,
    brokerId: d.brokerId,
    deviceId: d.deviceId,
    deviceType: d.deviceType,
    userAgent: d.userAgent,
    model: d.model,
    imei: d.imei,
    friendlyName: d.friendlyName,
    os: d.os,
    osLanguage: d.osLanguage,
    phoneNumber: d.phoneNumber,
    mobileOperator: d.mobileOperator,
    enableOutboundSms: d.enableOutboundSms,
    protocolVersion: d.protocolVersion,
    appFamily: d.appFamily,
    appVersion: d.appVersion,
    firstSyncAt: iso(d.firstSyncAt),
    lastSyncAttemptAt: iso(d.lastSyncAttemptAt),
    lastSuccessSyncAt: iso(d.lastSuccessSyncAt),
    lastPolicyUpdateAt: iso(d.lastPolicyUpdateAt),
    lastPingHeartbeat: d.lastPingHeartbeat,
    policyId: d.policyId,
    policyName: d.policyName,
    policyRevision: d.policyRevision,
    policyStatus: d.policyStatus,
    policyKey: d.policyKey,
    pendingPolicyKey: d.pendingPolicyKey,
    accessState: d.accessState,
    accessReason: d.accessReason,
    accessRule: d.accessRule,
    // Older records may hold the rule's name instead of its id.
    accessRuleName: d.accessRule ? (ruleNames.get(d.accessRule) ?? null) : null,
    accessExplanation: d.accessExplanation,
    accessDecidedAt: iso(d.accessDecidedAt),
    quarantinedAt: iso(d.quarantinedAt),
    releaseCondition: cond(d.releaseCondition),
    autoblockReason: d.autoblockReason,
    autoblockUntil: iso(d.autoblockUntil),
    wipeRequestedAt: iso(d.wipeRequestedAt),
    wipeRequestedBy: d.wipeRequestedBy,
    wipeSentAt: iso(d.wipeSentAt),
    wipeAckAt: iso(d.wipeAckAt),
    wipeAckStatus: d.wipeAckStatus,
    accountOnlyWipeRequestedAt: iso(d.accountOnlyWipeRequestedAt),
    accountOnlyWipeRequestedBy: d.accountOnlyWipeRequestedBy,
    accountOnlyWipeSentAt: iso(d.accountOnlyWipeSentAt),
    accountOnlyWipeAckAt: iso(d.accountOnlyWipeAckAt),
    accountOnlyWipeAckStatus: d.accountOnlyWipeAckStatus,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
  };
}

export { deviceAudit } from '../devices/audit.js';

export function ruleNameMap(rules: readonly AccessRule[]): Map<string, string> {
  return new Map(rules.map((r) => [r.id, r.name]));
}

export function ruleView(r: AccessRule) {
  return {
    id: r.id,
    name: r.name,
    characteristic: r.characteristic,
    queryString: r.queryString,
    versionRange: r.versionRange ?? null,
    accessLevel: r.accessLevel,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

export function orgView(o: OrgSettings) {
  return {
    ...o,
    adminMailRecipients: [...o.adminMailRecipients],
    defaultReleaseCondition: cond(o.defaultReleaseCondition),
  };
}

export function tokenView(t: AdminToken, currentId: string) {
  return {
    id: t.id,
    name: t.name,
    createdAt: t.createdAt.toISOString(),
    expiresAt: iso(t.expiresAt),
    lastUsedAt: iso(t.lastUsedAt),
    current: t.id === currentId,
  };
}

export function auditView(e: AuditEntry) {
  return { ...e, at: e.at.toISOString() };
}

/** Device lookups shared by routes: user names for a list of devices. */
export async function userNames(store: Store, devices: readonly Device[]): Promise<Map<string, string>> {
  const ids = new Set(devices.map((d) => d.userId));
  if (ids.size === 0) return new Map();
  if (ids.size === 1) {
    const [id] = ids;
    const u = id ? await store.getUser(id) : null;
    return new Map(u ? [[u.id, u.username]] : []);
  }
  return new Map((await store.listUsers()).map((u) => [u.id, u.username]));
}
