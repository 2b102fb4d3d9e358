// Access control as a service: runs the pure engine against stored facts, persists and audits
// decision changes, runs the quarantine workflow (notice, admin mail, release conditions) and the
// admin operations (allow/block, rules with preview, org settings, what-if). Used by the gate, the
// admin API and the CLI alike, so every path produces the same decisions and audit trail.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { Device, DeviceAccessState, DeviceAccessStateReason } from '../devices/types.js';
import { resolvePolicy } from '../policy/index.js';
import type { Policy } from '../policy/types.js';
import type { DevicePatch, Store, User } from '../store/types.js';
import { StoreConflictError } from '../store/types.js';
import type { AutoblockTracker } from './autoblock.js';
import { DEFAULT_AUTOBLOCK } from './autoblock.js';
import { decideAccess, evaluateAccess } from './evaluate.js';
import type { PreviewItem } from './preview.js';
import { previewChange } from './preview.js';
import { formatReleaseCondition, releaseConditionMet } from './release.js';
import type { RuleIndex, RuleInput } from './rules.js';
import { compileRules, validateRule } from './rules.js';
import type {
  AccessDecision,
  AccessInput,
  AccessLevel,
  AccessRule,
  Characteristic,
  DeviceFacts,
  OrgSettings,
  ReleaseCondition,
} from './types.js';

export const DEFAULT_ORG_SETTINGS: OrgSettings = {
  defaultAccessLevel: 'Allow',
  adminMailRecipients: [],
  userMailInsert: '',
  defaultReleaseCondition: null,
  autoblock: DEFAULT_AUTOBLOCK,
};

/** Told when a device enters quarantine (Exchange mails AdminMailRecipients). */
export interface QuarantineNotifier {
  deviceQuarantined(e: {
    device: Device;
    user: User;
    decision: AccessDecision;
    org: OrgSettings;
  }): Promise<void>;
}

export interface DecisionChange {
  /** Association id. */
  id: string;
  userName: string;
  deviceId: string;
  deviceType: string;
  from: { state: DeviceAccessState; reason: DeviceAccessStateReason; rule: string | null };
  to: {
    state: DeviceAccessState;
    reason: DeviceAccessStateReason;
    rule: string | null;
    ruleName: string | null;
  };
}

/** A refused admin input (validation); the API maps it to 400, the CLI prints it. */
export class AccessInputError extends Error {
  readonly code = 'EAS_ERR_ACCESS_INVALID';
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

export class AccessNotFoundError extends Error {
  readonly code = 'EAS_ERR_ACCESS_NOT_FOUND';
}

export interface AccessServiceOptions {
  store: Store;
  clock: () => Date;
  log: Logger;
  audit: AuditLog;
  notifier?: QuarantineNotifier | null;
  autoblock?: AutoblockTracker | null;
  /** How long compiled rules and org settings are reused before re-reading the store. */
  cacheTtlMs?: number;
}

/** What the gate knows about the request beyond the stored device. */
export interface RequestFacts {
  cmd: string;
  /** The request carried no policy key at all (a client that cannot provision). */
  noPolicyKey: boolean;
  /** SHA-1 of the body for CommandFrequency, '' for none. */
  bodyDigest: string;
  source: string;
}

export class AccessService {
  private cache: { rules: RuleIndex; ruleList: AccessRule[]; org: OrgSettings; at: number } | null = null;
  private readonly ttl: number;

  constructor(private readonly o: AccessServiceOptions) {
    this.ttl = o.cacheTtlMs ?? 2000;
  }

  // --- reading ---------------------------------------------------------------------------------

  async orgSettings(): Promise<OrgSettings> {
    return (await this.snapshot()).org;
  }

  async listRules(): Promise<AccessRule[]> {
    return (await this.snapshot(true)).ruleList;
  }

  invalidate(): void {
    this.cache = null;
  }

  private async snapshot(fresh = false) {
    const now = Date.now();
    if (!fresh && this.cache && now - this.cache.at < this.ttl) return this.cache;
    const [ruleList, stored] = await Promise.all([this.o.store.listRules(), this.o.store.getOrgSettings()]);
    const org = { ...DEFAULT_ORG_SETTINGS, ...(stored ?? {}) };
    this.cache = { rules: compileRules(ruleList), ruleList, org, at: now };
    return this.cache;
  }

  // --- the per-request check -------------------------------------------------------------------

  /**
   * Evaluate the device for this request, persist and audit a changed decision, apply autoblock
   * and release conditions. Returns the device as stored afterwards.
   */
  async checkDevice(user: User, device: Device, policy: Policy, req: RequestFacts): Promise<Device> {
    const now = this.o.clock();
    let current = device;
    // Autoblock bookkeeping (in memory per node; the block itself is persisted).
    const hit = this.o.autoblock?.recordRequest(device.id, {
      cmd: req.cmd,
      bodyDigest: req.bodyDigest,
      userAgent: device.userAgent,
    });
    if (hit) {
      current =
        (await this.o.store.patchDevice(device.id, {
          autoblockReason: hit.reason,
          autoblockUntil: hit.until,
        })) ?? current;
      await this.o.audit.record({
        actor: 'system',
        action: 'device.autoblocked',
        targetType: 'device',
        targetId: device.id,
        after: { reason: hit.reason, until: hit.until.toISOString() },
        reason: `autoblock threshold crossed: ${hit.reason}`,
        source: req.source,
      });
    }

    let snap = await this.snapshot();
    // The cheap decision first: the explanation is built only when something changes (most requests change nothing).
    const quick = decideAccess(this.input(user, current, policy, snap.org, req.noPolicyKey), snap.rules, now);
    if (!differs(current, quick) && !(quick.state === 'Quarantined' && current.releaseCondition))
      return current;
    // Never persist a change computed from a stale cache: re-read rules and settings first.
    snap = await this.snapshot(true);
    let decision = evaluateAccess(
      this.input(user, current, policy, snap.org, req.noPolicyKey),
      snap.rules,
      now,
    );

    // A quarantine with a release condition lifts itself once the device meets it.
    if (
      decision.state === 'Quarantined' &&
      current.accessState === 'Quarantined' &&
      current.releaseCondition
    ) {
      const check = releaseConditionMet(current.releaseCondition, facts(current, req.noPolicyKey));
      if (check.met) {
        const updated = await this.addToList(user, current.deviceId, 'allowed');
        await this.o.audit.record({
          actor: 'system',
          action: 'device.quarantine.released',
          targetType: 'device',
          targetId: current.id,
          reason: `release condition ${formatReleaseCondition(current.releaseCondition)} met: ${check.detail}`,
          source: req.source,
        });
        decision = evaluateAccess(
          this.input(updated, current, policy, snap.org, req.noPolicyKey),
          snap.rules,
          now,
        );
        user = updated;
      }
    }
    if (!differs(current, decision)) return current;
    return this.persistDecision(user, current, decision, snap.org, 'system', req.source);
  }

  private input(
    user: User,
    device: Device,
    policy: Policy,
    org: OrgSettings,
    noPolicyKey: boolean,
  ): AccessInput {
    return {
      user: {
        easEnabled: user.easEnabled,
        allowedDeviceIds: user.allowedDeviceIds,
        blockedDeviceIds: user.blockedDeviceIds,
      },
      device: facts(device, noPolicyKey),
      org: { defaultAccessLevel: org.defaultAccessLevel },
      allowNonProvisionableDevices: policyAccepts(policy, device.policyStatus, noPolicyKey),
      autoblock:
        device.autoblockReason && device.autoblockUntil
          ? { reason: device.autoblockReason, until: device.autoblockUntil }
          : null,
    };
  }

  private async persistDecision(
    user: User,
    device: Device,
    decision: AccessDecision,
    org: OrgSettings,
    actor: string,
    source: string | null,
  ): Promise<Device> {
    const now = this.o.clock();
    const entering = decision.state === 'Quarantined' && device.accessState !== 'Quarantined';
    const patch: DevicePatch = {
      ...decisionPatch(decision, now),
      ...(entering ? { quarantinedAt: now, releaseCondition: org.defaultReleaseCondition } : {}),
      ...(decision.state !== 'Quarantined' ? { quarantinedAt: null, releaseCondition: null } : {}),
    };
    const updated = (await this.o.store.patchDevice(device.id, patch)) ?? device;
    await this.leaveQuarantine(device, decision.state);
    await this.auditChange(updated, device, decision, actor, source);
    if (entering) await this.notifyQuarantine(updated, user, decision, org);
    return updated;
  }

  /**
   * A device leaving quarantine loses its sync states: what it synced was the quarantine view
   * (src/mail/quarantine-view.ts), so its keys are refused and it resyncs from the real mailbox.
   */
  private async leaveQuarantine(before: Device, to: DeviceAccessState): Promise<void> {
    if (before.accessState !== 'Quarantined' || to === 'Quarantined') return;
    await this.o.store.deleteSyncStates(before.id);
  }

  private async auditChange(
    after: Device,
    before: Device,
    decision: AccessDecision,
    actor: string,
    source: string | null,
  ) {
    await this.o.audit.record({
      actor,
      action: 'device.access.changed',
      targetType: 'device',
      targetId: after.id,
      before: { state: before.accessState, reason: before.accessReason, rule: before.accessRule },
      after: { state: decision.state, reason: decision.reason, rule: decision.rule?.id ?? null },
      reason: decision.explanation,
      source,
    });
  }

  private async notifyQuarantine(device: Device, user: User, decision: AccessDecision, org: OrgSettings) {
    if (!this.o.notifier || org.adminMailRecipients.length === 0) return;
    try {
      await this.o.notifier.deviceQuarantined({ device, user, decision, org });
      await this.o.audit.record({
        actor: 'system',
        action: 'device.quarantine.notified',
        targetType: 'device',
        targetId: device.id,
        after: { recipients: org.adminMailRecipients },
      });
    } catch (err) {
      this.o.log.error({ err, device: device.id }, 'quarantine notification failed');
    }
  }

  // --- admin operations ------------------------------------------------------------------------

  /** Allow one device for its user (Exchange adds it to ActiveSyncAllowedDeviceIDs). */
  async allowDevice(id: string, actor: string, comment?: string): Promise<DecisionChange[]> {
    return this.individual(id, 'allowed', actor, comment);
  }

  /** Block one device for its user (Exchange adds it to ActiveSyncBlockedDeviceIDs). */
  async blockDevice(id: string, actor: string, comment?: string): Promise<DecisionChange[]> {
    return this.individual(id, 'blocked', actor, comment);
  }

  private async individual(
    id: string,
    list: 'allowed' | 'blocked',
    actor: string,
    comment?: string,
  ): Promise<DecisionChange[]> {
    const device = await this.o.store.getDevice(id);
    if (!device) throw new AccessNotFoundError(`no device ${id}`);
    const user = await this.o.store.getUser(device.userId);
    if (!user) throw new AccessNotFoundError(`no user for device ${id}`);
    await this.addToList(user, device.deviceId, list);
    await this.o.audit.record({
      actor,
      action: list === 'allowed' ? 'device.allowed' : 'device.blocked',
      targetType: 'device',
      targetId: device.id,
      reason: comment ?? null,
    });
    return this.reevaluate({ actor, userId: user.id });
  }

  /** Create a rule from a device's characteristic (the "allow/block all like this" button). */
  async ruleFromDevice(
    id: string,
    characteristic: Characteristic,
    accessLevel: AccessLevel,
    actor: string,
  ): Promise<{ rule: AccessRule; changes: DecisionChange[] }> {
    const d = await this.o.store.getDevice(id);
    if (!d) throw new AccessNotFoundError(`no device ${id}`);
    const value = { DeviceType: d.deviceType, DeviceModel: d.model, DeviceOS: d.os, UserAgent: d.userAgent }[
      characteristic
    ];
    if (!value) throw new AccessInputError([`device ${d.deviceId} reported no ${characteristic}`]);
    return this.saveRule({ characteristic, queryString: value, versionRange: null, accessLevel }, actor);
  }

  async setUserLists(
    userId: string,
    lists: { allowedDeviceIds?: string[]; blockedDeviceIds?: string[]; easEnabled?: boolean },
    actor: string,
  ): Promise<DecisionChange[]> {
    const user = await this.o.store.getUser(userId);
    if (!user) throw new AccessNotFoundError(`no user ${userId}`);
    const next: User = {
      ...user,
      ...(lists.allowedDeviceIds ? { allowedDeviceIds: dedupe(lists.allowedDeviceIds) } : {}),
      ...(lists.blockedDeviceIds ? { blockedDeviceIds: dedupe(lists.blockedDeviceIds) } : {}),
      ...(lists.easEnabled !== undefined ? { easEnabled: lists.easEnabled } : {}),
      updatedAt: this.o.clock(),
    };
    await this.o.store.putUser(next);
    await this.o.audit.record({
      actor,
      action: 'user.access.changed',
      targetType: 'user',
      targetId: user.id,
      before: pickLists(user),
      after: pickLists(next),
    });
    return this.reevaluate({ actor, userId });
  }

  /**
   * Create or update a rule. With dryRun nothing is saved; either way the associations whose
   * decision changes are returned (the preview).
   */
  async saveRule(
    input: RuleInput & { id?: string },
    actor: string,
    o: { dryRun?: boolean } = {},
  ): Promise<{ rule: AccessRule; changes: DecisionChange[] }> {
    const problems = validateRule(input);
    if (problems.length) throw new AccessInputError(problems);
    const now = this.o.clock();
    const existing = input.id ? await this.o.store.getRule(input.id) : null;
    if (input.id && !existing) throw new AccessNotFoundError(`no rule ${input.id}`);
    const characteristic = input.characteristic as Characteristic;
    const queryString = input.queryString as string;
    const versionRange = (input.versionRange as string | null | undefined) ?? null;
    const accessLevel = input.accessLevel as AccessLevel;
    const rule: AccessRule = {
      id: existing?.id ?? randomUUID(),
      name:
        (input.name as string | undefined) ??
        defaultRuleName(characteristic, queryString, versionRange, accessLevel),
      characteristic,
      queryString,
      versionRange,
      accessLevel,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    const current = await this.listRules();
    const next = [...current.filter((r) => r.id !== rule.id), rule];
    if (o.dryRun) return { rule, changes: await this.preview({ rules: next }) };
    try {
      await this.o.store.putRule(rule);
    } catch (err) {
      if (err instanceof StoreConflictError) {
        throw new AccessInputError([
          `a rule for ${characteristic} '${queryString}'${versionRange ? ` ${versionRange}` : ''} exists`,
        ]);
      }
      throw err;
    }
    this.invalidate();
    await this.o.audit.record({
      actor,
      action: existing ? 'rule.updated' : 'rule.created',
      targetType: 'rule',
      targetId: rule.id,
      before: existing ?? null,
      after: rule,
    });
    return { rule, changes: await this.reevaluate({ actor }) };
  }

  async deleteRule(id: string, actor: string, o: { dryRun?: boolean } = {}): Promise<DecisionChange[]> {
    const existing = await this.o.store.getRule(id);
    if (!existing) throw new AccessNotFoundError(`no rule ${id}`);
    if (o.dryRun) return this.preview({ rules: (await this.listRules()).filter((r) => r.id !== id) });
    await this.o.store.deleteRule(id);
    this.invalidate();
    await this.o.audit.record({
      actor,
      action: 'rule.deleted',
      targetType: 'rule',
      targetId: id,
      before: existing,
    });
    return this.reevaluate({ actor });
  }

  async setOrgSettings(
    patch: Partial<OrgSettings>,
    actor: string,
    o: { dryRun?: boolean } = {},
  ): Promise<{ settings: OrgSettings; changes: DecisionChange[] }> {
    const before = await this.orgSettings();
    const settings: OrgSettings = { ...before, ...patch };
    if (o.dryRun) return { settings, changes: await this.preview({ org: settings }) };
    await this.o.store.putOrgSettings(settings);
    this.invalidate();
    await this.o.audit.record({ actor, action: 'org.updated', targetType: 'org', before, after: settings });
    return { settings, changes: await this.reevaluate({ actor }) };
  }

  async setReleaseCondition(id: string, cond: ReleaseCondition | null, actor: string): Promise<Device> {
    const d = await this.o.store.getDevice(id);
    if (!d) throw new AccessNotFoundError(`no device ${id}`);
    if (d.accessState !== 'Quarantined')
      throw new AccessInputError([`device ${d.deviceId} is not quarantined`]);
    const updated = (await this.o.store.patchDevice(id, { releaseCondition: cond })) ?? d;
    await this.o.audit.record({
      actor,
      action: 'device.quarantine.condition',
      targetType: 'device',
      targetId: id,
      before: d.releaseCondition,
      after: cond,
    });
    return updated;
  }

  /**
   * What-if: the decision for sample characteristics, with every matching rule and every step.
   * With a user name, that user's lists and policy count too.
   */
  async whatIf(sample: {
    deviceType: string;
    model?: string | null;
    os?: string | null;
    userAgent?: string | null;
    deviceId?: string;
    userName?: string;
  }): Promise<AccessDecision> {
    const snap = await this.snapshot(true);
    const user = sample.userName ? await this.o.store.getUserByName(sample.userName) : null;
    if (sample.userName && !user) throw new AccessNotFoundError(`no user ${sample.userName}`);
    const policy = user ? await this.policyFor(user) : await this.o.store.getDefaultPolicy();
    const input: AccessInput = {
      user: user
        ? {
            easEnabled: user.easEnabled,
            allowedDeviceIds: user.allowedDeviceIds,
            blockedDeviceIds: user.blockedDeviceIds,
          }
        : { easEnabled: true, allowedDeviceIds: [], blockedDeviceIds: [] },
      device: {
        deviceId: sample.deviceId ?? '',
        deviceType: sample.deviceType,
        model: sample.model ?? null,
        os: sample.os ?? null,
        userAgent: sample.userAgent ?? null,
        policyStatus: 'AppliedInFull',
        nonProvisionable: false,
      },
      org: { defaultAccessLevel: snap.org.defaultAccessLevel },
      allowNonProvisionableDevices: policy?.options.allowNonProvisionableDevices ?? true,
      autoblock: null,
    };
    return evaluateAccess(input, snap.rules, this.o.clock());
  }

  // --- bulk evaluation -------------------------------------------------------------------------

  /** The changes a proposed rule set and/or org settings would cause; nothing is saved. */
  async preview(next: { rules?: AccessRule[]; org?: OrgSettings }): Promise<DecisionChange[]> {
    const snap = await this.snapshot(true);
    const { items, names } = await this.items(snap.org);
    const rules = next.rules ? compileRules(next.rules) : snap.rules;
    const changes = previewChange(items, rules, next.org?.defaultAccessLevel, this.o.clock());
    return changes.map((c) => ({ ...c, ...names.get(c.id)! }));
  }

  /**
   * Re-evaluate every association (or one user's) against what is stored now, and persist and
   * audit every changed decision. Called after anything the decision depends on changes.
   */
  async reevaluate(o: { actor: string; userId?: string }): Promise<DecisionChange[]> {
    const snap = await this.snapshot(true);
    const { items, names, devices, users } = await this.items(snap.org, o.userId);
    const now = this.o.clock();
    const changes = previewChange(items, snap.rules, undefined, now);
    if (changes.length === 0) return [];
    const byId = new Map(items.map((i) => [i.id, i]));
    const patches: Array<{ id: string; patch: DevicePatch }> = [];
    const decisions = new Map<string, AccessDecision>();
    for (const c of changes) {
      const item = byId.get(c.id)!;
      const d = evaluateAccess(item.input, snap.rules, now);
      decisions.set(c.id, d);
      const device = devices.get(c.id)!;
      const entering = d.state === 'Quarantined' && device.accessState !== 'Quarantined';
      patches.push({
        id: c.id,
        patch: {
          ...decisionPatch(d, now),
          ...(entering ? { quarantinedAt: now, releaseCondition: snap.org.defaultReleaseCondition } : {}),
          ...(d.state !== 'Quarantined' ? { quarantinedAt: null, releaseCondition: null } : {}),
        },
      });
    }
    await this.o.store.patchDevices(patches);
    for (const c of changes) {
      const device = devices.get(c.id)!;
      const d = decisions.get(c.id)!;
      await this.leaveQuarantine(device, d.state);
      await this.auditChange(device, device, d, o.actor, null);
      if (d.state === 'Quarantined' && device.accessState !== 'Quarantined') {
        const user = users.get(device.userId);
        if (user) await this.notifyQuarantine({ ...device, accessState: 'Quarantined' }, user, d, snap.org);
      }
    }
    return changes.map((c) => ({ ...c, ...names.get(c.id)! }));
  }

  private async items(org: OrgSettings, userId?: string) {
    const [devicesList, usersList, policies, domains, def] = await Promise.all([
      this.o.store.listDevices(userId ? { userId } : {}),
      this.o.store.listUsers(),
      this.o.store.listPolicies(),
      this.o.store.listDomainPolicies(),
      this.o.store.getDefaultPolicy(),
    ]);
    const users = new Map(usersList.map((u) => [u.id, u]));
    const policiesById = new Map(policies.map((p) => [p.id, p]));
    const domainMap = new Map(domains.map((d) => [d.domain, d.policyId]));
    const policyOf = new Map<string, Policy | null>();
    const items: PreviewItem[] = [];
    const names = new Map<string, Pick<DecisionChange, 'userName' | 'deviceId' | 'deviceType'>>();
    const devices = new Map<string, Device>();
    for (const d of devicesList) {
      const user = users.get(d.userId);
      if (!user) continue;
      if (!policyOf.has(user.id)) {
        policyOf.set(
          user.id,
          def
            ? resolvePolicy({
                userPolicyId: user.policyId,
                email: user.email,
                domainAssignments: domainMap,
                policiesById,
                defaultPolicy: def,
              }).policy
            : null,
        );
      }
      const policy = policyOf.get(user.id);
      if (!policy) continue;
      devices.set(d.id, d);
      names.set(d.id, { userName: user.username, deviceId: d.deviceId, deviceType: d.deviceType });
      // A device that never provisioned and runs without a key counts as non-provisionable.
      items.push({
        id: d.id,
        input: this.input(user, d, policy, org, d.policyKey === null && d.policyStatus === 'NotApplied'),
        current: { state: d.accessState, reason: d.accessReason, rule: d.accessRule },
      });
    }
    return { items, names, devices, users };
  }

  private async policyFor(user: User): Promise<Policy | null> {
    const [policies, domains, def] = await Promise.all([
      this.o.store.listPolicies(),
      this.o.store.listDomainPolicies(),
      this.o.store.getDefaultPolicy(),
    ]);
    if (!def) return null;
    return resolvePolicy({
      userPolicyId: user.policyId,
      email: user.email,
      domainAssignments: new Map(domains.map((d) => [d.domain, d.policyId])),
      policiesById: new Map(policies.map((p) => [p.id, p])),
      defaultPolicy: def,
    }).policy;
  }

  private async addToList(user: User, deviceId: string, list: 'allowed' | 'blocked'): Promise<User> {
    const fresh = (await this.o.store.getUser(user.id)) ?? user;
    const next: User = {
      ...fresh,
      allowedDeviceIds:
        list === 'allowed'
          ? dedupe([...fresh.allowedDeviceIds, deviceId])
          : fresh.allowedDeviceIds.filter((d) => d !== deviceId),
      blockedDeviceIds:
        list === 'blocked'
          ? dedupe([...fresh.blockedDeviceIds, deviceId])
          : fresh.blockedDeviceIds.filter((d) => d !== deviceId),
      updatedAt: this.o.clock(),
    };
    await this.o.store.putUser(next);
    return next;
  }
}

export function facts(d: Device, noPolicyKey: boolean): DeviceFacts {
  return {
    deviceId: d.deviceId,
    deviceType: d.deviceType,
    model: d.model,
    os: d.os,
    userAgent: d.userAgent,
    policyStatus: d.policyStatus,
    nonProvisionable: noPolicyKey,
  };
}

/**
 * Whether the policy accepts a device that does not enforce it in full. The engine knows only
 * Exchange's AllowNonProvisionableDevices; our policies also accept partial or externally managed
 * acknowledgements on their own (allowPartialCompliance, allowExternallyManaged).
 */
function policyAccepts(policy: Policy, status: Device['policyStatus'], noPolicyKey: boolean): boolean {
  const o = policy.options;
  if (o.allowNonProvisionableDevices) return true;
  if (noPolicyKey) return false;
  return (
    (status === 'PartiallyApplied' && o.allowPartialCompliance) ||
    (status === 'ExternallyManaged' && o.allowExternallyManaged)
  );
}

function differs(d: Device, decision: Pick<AccessDecision, 'state' | 'reason' | 'rule'>): boolean {
  return (
    d.accessState !== decision.state ||
    d.accessReason !== decision.reason ||
    d.accessRule !== (decision.rule?.id ?? null)
  );
}

function decisionPatch(d: AccessDecision, now: Date): DevicePatch {
  return {
    accessState: d.state,
    accessReason: d.reason,
    accessRule: d.rule?.id ?? null,
    accessExplanation: d.explanation,
    accessDecidedAt: now,
  };
}

function defaultRuleName(c: Characteristic, q: string, range: string | null, level: AccessLevel): string {
  return `${level} ${c} '${q}'${range ? ` ${range}` : ''}`;
}

function dedupe(xs: string[]): string[] {
  return [...new Set(xs.filter((x) => x.length > 0))];
}

function pickLists(u: User) {
  return {
    easEnabled: u.easEnabled,
    allowedDeviceIds: u.allowedDeviceIds,
    blockedDeviceIds: u.blockedDeviceIds,
  };
}
