// zod schemas of the admin API: what requests may carry (validated on every route) and what
// responses look like (documentation; the tests parse responses with them). openapi.ts turns both
// into the OpenAPI description, so a field is described once, here.
import { z } from 'zod';
import { parseReleaseCondition } from '../access/release.js';
import { ACCESS_LEVELS, CHARACTERISTICS } from '../access/rules.js';
import type { AccessLevel, Characteristic } from '../access/types.js';
import { parseRange } from '../access/version.js';
import type { DeviceAccessState, DeviceAccessStateReason } from '../devices/types.js';
import { PolicyServerOptionsSchema, PolicySettingsSchema } from '../policy/index.js';
import type { PolicyApplicationStatus } from '../policy/types.js';
import { ERRORS, type ErrorCode } from './errors.js';

// --- building blocks ---------------------------------------------------------------------------

const NO_CONTROL = /^[^\p{Cc}]*$/u;
const text = (max: number) => z.string().max(max).regex(NO_CONTROL, 'must not contain control characters');
const iso = z.iso.datetime();
const isoOrNull = iso.nullable();

export const DEVICE_ACCESS_STATES = [
  'Unknown',
  'Allowed',
  'Blocked',
  'Quarantined',
  'DeviceDiscovery',
] as const satisfies readonly DeviceAccessState[];
const REASONS = [
  'None',
  'Global',
  'Individual',
  'DeviceRule',
  'Policy',
  'Upgrade',
  'UserAgentsChanges',
  'RecentCommands',
  'Watsons',
  'OutOfBudgets',
  'SyncCommands',
  'CommandFrequency',
  'EnableGCC',
  'UserDisabled',
  'DeviceLimit',
] as const satisfies readonly DeviceAccessStateReason[];
const POLICY_STATUSES = [
  'Unknown',
  'AppliedInFull',
  'PartiallyApplied',
  'NotApplied',
  'ExternallyManaged',
] as const satisfies readonly PolicyApplicationStatus[];

export const AccessLevelSchema = z.enum(ACCESS_LEVELS as [AccessLevel, ...AccessLevel[]]);
export const CharacteristicSchema = z.enum(CHARACTERISTICS as [Characteristic, ...Characteristic[]]);
const StateSchema = z.enum(DEVICE_ACCESS_STATES);
const ReasonSchema = z.enum(REASONS);

/** Login names as EAS clients send them: user, DOMAIN\user or user@domain; Basic auth forbids ':'. */
export const UsernameSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[^\s\p{Cc}:]+$/u, 'must not contain spaces, control characters or ":"');
export const PasswordSchema = z
  .string()
  .min(8, 'must be at least 8 characters')
  .max(1024, 'must be at most 1024 characters');
export const EmailSchema = z.email().max(320);
const DeviceIdListSchema = z
  .array(text(128).min(1))
  .max(1000)
  .describe('DeviceIds as the device sends them (the DeviceId query parameter)');
const PolicyNameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(
    /^[^\s\p{Cc}](?:[^\p{Cc}]*[^\s\p{Cc}])?$/u,
    'must not contain control characters or surrounding spaces',
  );
const PolicyRefSchema = z.string().min(1).max(256).describe('policy id or name');
const CommentSchema = text(1024);

/**
 * Settings and server options of a policy, side by side, any subset. Checked by the policy module
 * (parsePolicyPatch) so the errors name each field; openapi.ts documents it as PolicyPatchSchema.
 */
export const PolicyValuesSchema = z.record(z.string(), z.unknown());

/** "appVersion>=1.0.4", "osVersion>=17", "policyAppliedInFull" (see src/access/release.ts). */
export const ReleaseConditionInput = z
  .string()
  .max(300)
  .transform((s, ctx) => {
    const r = parseReleaseCondition(s);
    if (r.ok) return r.condition;
    ctx.addIssue({ code: 'custom', message: r.error });
    return z.NEVER;
  })
  .describe('e.g. "appVersion>=1.0.4", "osVersion>=17", "policyAppliedInFull"');

const VersionRangeInput = z
  .string()
  .max(256)
  .refine((s) => parseRange(s).ok, {
    error: (iss) => {
      const r = parseRange(String(iss.input));
      return r.ok ? 'invalid version range' : r.error;
    },
  })
  .describe('a version range such as "<1.0.4" or ">=16.0 <17"');

const Domain = z
  .string()
  .max(253)
  .regex(
    /^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/,
    'must be a domain name such as example.com',
  )
  .transform((s) => s.toLowerCase());

const bool = z.enum(['true', 'false', '1', '0']);

// --- parameters --------------------------------------------------------------------------------

export const IdParams = z.object({ id: z.string().min(1).max(256) });
export const UserParams = z.object({ id: z.string().min(1).max(256).describe('user id or user name') });
export const PolicyParams = z.object({ id: PolicyRefSchema });
export const DomainParams = z.object({ domain: Domain });
export const DryRunQuery = z.object({
  dryRun: bool
    .optional()
    .transform((v) => v === 'true' || v === '1')
    .describe('true: only preview the decision changes; nothing is saved'),
});

// --- request bodies ----------------------------------------------------------------------------

export const TokenRequest = z.strictObject({
  username: z.string().min(1).max(256),
  password: z.string().min(1).max(4096),
  name: text(128).optional().describe('what the token is for, e.g. "web console"'),
  expiresInDays: z.int().min(1).max(365).optional().describe('default 30'),
});

export const UserCreate = z.strictObject({
  username: UsernameSchema,
  password: PasswordSchema,
  email: EmailSchema,
  displayName: text(256).optional(),
  easEnabled: z.boolean().optional().describe('Exchange ActiveSyncEnabled; default true'),
  policy: PolicyRefSchema.nullable()
    .optional()
    .describe('explicit policy assignment (name or id); null = domain or default'),
});

export const UserPatch = z
  .strictObject({
    displayName: text(256).optional(),
    email: EmailSchema.optional(),
    easEnabled: z.boolean().optional(),
    allowedDeviceIds: DeviceIdListSchema.optional().describe(
      'ActiveSyncAllowedDeviceIDs (replaces the list)',
    ),
    blockedDeviceIds: DeviceIdListSchema.optional().describe(
      'ActiveSyncBlockedDeviceIDs (replaces the list)',
    ),
    policy: PolicyRefSchema.nullable()
      .optional()
      .describe('ActiveSyncMailboxPolicy (name or id); null = domain assignment or default'),
  })
  .refine((o) => Object.values(o).some((v) => v !== undefined), 'give at least one field to change');

export const PasswordChange = z.strictObject({ password: PasswordSchema });

export const PolicyCreate = z.strictObject({
  name: PolicyNameSchema,
  isDefault: z.boolean().optional(),
  settings: PolicyValuesSchema.optional().describe(
    'settings and server options that differ from the defaults',
  ),
});

export const PolicyUpdate = z
  .strictObject({
    name: PolicyNameSchema.optional(),
    settings: PolicyValuesSchema.optional().describe('settings and server options to change'),
  })
  .refine((o) => o.name !== undefined || o.settings !== undefined, 'give name and/or settings');

export const DomainPolicyPut = z.strictObject({ policy: PolicyRefSchema });

export const DeviceListQuery = z.object({
  user: z.string().min(1).max(256).optional().describe('user name or id'),
  state: StateSchema.optional(),
  type: z.string().min(1).max(256).optional().describe('DeviceType, exact'),
  family: z.string().min(1).max(256).optional().describe('app family (appFamily), case-insensitive'),
  version: VersionRangeInput.optional().describe('range matched against appVersion, e.g. "<1.0.4"'),
});

export const WipeRequest = z.strictObject({
  accountOnly: z
    .boolean()
    .optional()
    .describe('EAS 16.1 account-only wipe; default false (full device wipe)'),
});

export const CommentBody = z.strictObject({ comment: CommentSchema.optional() });

export const RuleFromDevice = z.strictObject({
  characteristic: CharacteristicSchema,
  accessLevel: AccessLevelSchema,
});

export const ReleaseConditionPut = z.strictObject({ condition: ReleaseConditionInput.nullable() });

export const RuleBody = z.strictObject({
  name: text(256).min(1).optional().describe('default: generated from the other fields'),
  characteristic: CharacteristicSchema,
  queryString: z.string().max(1024).describe('the whole value (exact rules) or the family (version rules)'),
  versionRange: z.string().max(256).nullable().optional().describe('e.g. "<1.0.4"; null = exact match'),
  accessLevel: AccessLevelSchema,
});

const AutoblockRulePatch = z.strictObject({
  enabled: z.boolean().optional(),
  limit: z.int().min(1).max(1_000_000).optional(),
  windowSeconds: z
    .int()
    .min(1)
    .max(7 * 24 * 3600)
    .optional(),
  blockSeconds: z
    .int()
    .min(1)
    .max(30 * 24 * 3600)
    .optional(),
});

export const OrgPatch = z
  .strictObject({
    defaultAccessLevel: AccessLevelSchema.optional(),
    adminMailRecipients: z.array(EmailSchema).max(100).optional(),
    userMailInsert: z.string().max(256).optional(),
    defaultReleaseCondition: ReleaseConditionInput.nullable().optional(),
    autoblock: z
      .strictObject({
        commandFrequency: AutoblockRulePatch.optional(),
        userAgentChanges: AutoblockRulePatch.optional(),
        syncCommands: AutoblockRulePatch.optional(),
      })
      .optional(),
  })
  .refine((o) => Object.values(o).some((v) => v !== undefined), 'give at least one setting to change');

export const QuarantineAction = z
  .strictObject({
    scope: z
      .enum(['device', 'rule'])
      .optional()
      .describe(
        'device (default): personal allow/block list, as Exchange; rule: a rule for all such devices',
      ),
    characteristic: CharacteristicSchema.optional().describe('required when scope is rule'),
    comment: CommentSchema.optional(),
  })
  .refine((o) => o.scope !== 'rule' || o.characteristic !== undefined, {
    message: 'characteristic is required when scope is rule',
    path: ['characteristic'],
  });

export const WhatIfRequest = z.strictObject({
  deviceType: text(256).min(1),
  model: text(256).nullable().optional(),
  os: text(256).nullable().optional(),
  userAgent: text(1024).nullable().optional(),
  deviceId: text(128).optional(),
  userName: z.string().min(1).max(256).optional().describe("count this user's lists and policy too"),
});

export const AuditQuery = z.object({
  targetType: z.enum(['device', 'user', 'policy', 'rule', 'org', 'admin']).optional(),
  targetId: z.string().min(1).max(256).optional(),
  action: z.string().min(1).max(128).optional().describe("exact, or a prefix ending in '.' (e.g. 'device.')"),
  actor: z.string().min(1).max(256).optional(),
  since: iso.optional().describe('inclusive'),
  until: iso.optional().describe('exclusive'),
  limit: z
    .string()
    .regex(/^[0-9]{1,4}$/, 'must be an integer from 1 to 1000')
    .transform(Number)
    .refine((n) => n >= 1 && n <= 1000, 'must be an integer from 1 to 1000')
    .optional()
    .describe('default 100, at most 1000'),
  before: z.string().min(1).max(256).optional().describe('the `next` value of the previous page'),
});

// --- responses ---------------------------------------------------------------------------------

export const ErrorBodySchema = z.object({
  code: z.enum(Object.keys(ERRORS) as [ErrorCode, ...ErrorCode[]]),
  message: z.string(),
  requestId: z.string(),
  details: z.unknown().optional(),
});

export const TokenCreated = z.object({
  token: z.string().describe('shown once; send as Authorization: Bearer <token>'),
  id: z.string(),
  name: z.string(),
  expiresAt: iso,
});

export const TokenView = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: iso,
  expiresAt: isoOrNull,
  lastUsedAt: isoOrNull.describe('updated at most once a minute'),
  current: z.boolean().describe('the token of this request'),
});
export const TokenList = z.object({ tokens: z.array(TokenView) });

export const UserView = z.object({
  id: z.string(),
  username: z.string(),
  email: z.string(),
  displayName: z.string(),
  easEnabled: z.boolean(),
  policyId: z.string().nullable().describe('explicit assignment; null = domain or default'),
  policyName: z.string().nullable(),
  effectivePolicy: z
    .object({ id: z.string(), name: z.string(), source: z.enum(['user', 'domain', 'default']) })
    .nullable(),
  allowedDeviceIds: z.array(z.string()),
  blockedDeviceIds: z.array(z.string()),
  createdAt: iso,
  updatedAt: iso,
});
export const UserList = z.object({ users: z.array(UserView) });

const DecisionChangeSchema = z.object({
  id: z.string().describe('device (association) id'),
  userName: z.string(),
  deviceId: z.string(),
  deviceType: z.string(),
  from: z.object({ state: StateSchema, reason: ReasonSchema, rule: z.string().nullable() }),
  to: z.object({
    state: StateSchema,
    reason: ReasonSchema,
    rule: z.string().nullable(),
    ruleName: z.string().nullable(),
  }),
  stateChanged: z.boolean().optional(),
});
export const Changes = z.array(DecisionChangeSchema).describe('associations whose decision changes');
export const UserUpdated = z.object({ user: UserView, changes: Changes });
export const ChangesOnly = z.object({ changes: Changes });

export const PolicyView = z.object({
  id: z.string(),
  name: z.string(),
  isDefault: z.boolean(),
  settings: PolicySettingsSchema,
  options: PolicyServerOptionsSchema,
  revision: z.int().describe('bumped on every change; devices on an older revision re-provision'),
  createdAt: iso,
  updatedAt: iso,
});
export const PolicyList = z.object({ policies: z.array(PolicyView) });
export const PolicyUpdated = z.object({ policy: PolicyView, changes: Changes });
export const DomainPolicyView = z.object({
  domain: z.string(),
  policyId: z.string(),
  policyName: z.string(),
});
export const DomainPolicyList = z.object({ domains: z.array(DomainPolicyView) });
export const DomainPolicyUpdated = DomainPolicyView.extend({ changes: Changes });

export const DeviceView = z.object({
  id: z.string().describe('association id used by this API'),
  userId: z.string(),
  userName: z.string().nullable(),
  brokerId: z.string(),
  deviceId: z.string(),
  deviceType: z.string(),
  userAgent: z.string().nullable(),
  model: z.string().nullable(),
  imei: z.string().nullable(),
  friendlyName: z.string().nullable(),
  os: z.string().nullable(),
  osLanguage: z.string().nullable(),
  phoneNumber: z.string().nullable(),
  mobileOperator: z.string().nullable(),
  enableOutboundSms: z.boolean().nullable(),
  protocolVersion: z.string().nullable(),
  appFamily: z.string().nullable(),
  appVersion: z.string().nullable(),
  firstSyncAt: isoOrNull,
  lastSyncAttemptAt: isoOrNull,
  lastSuccessSyncAt: isoOrNull,
  lastPolicyUpdateAt: isoOrNull,
  lastPingHeartbeat: z.number().nullable(),
  policyId: z.string().nullable(),
  policyName: z.string().nullable(),
  policyRevision: z.number().nullable(),
  policyStatus: z.enum(POLICY_STATUSES),
  policyKey: z.string().nullable(),
  pendingPolicyKey: z.string().nullable(),
  accessState: StateSchema,
  accessReason: ReasonSchema,
  accessRule: z.string().nullable(),
  accessRuleName: z.string().nullable(),
  accessExplanation: z.string().nullable(),
  accessDecidedAt: isoOrNull,
  quarantinedAt: isoOrNull,
  releaseCondition: z.string().nullable().describe('e.g. "appVersion>=1.0.4"'),
  autoblockReason: ReasonSchema.nullable(),
  autoblockUntil: isoOrNull,
  wipeRequestedAt: isoOrNull,
  wipeRequestedBy: z.string().nullable(),
  wipeSentAt: isoOrNull,
  wipeAckAt: isoOrNull,
  wipeAckStatus: z.enum(['success', 'failure']).nullable(),
  accountOnlyWipeRequestedAt: isoOrNull,
  accountOnlyWipeRequestedBy: z.string().nullable(),
  accountOnlyWipeSentAt: isoOrNull,
  accountOnlyWipeAckAt: isoOrNull,
  accountOnlyWipeAckStatus: z.enum(['success', 'failure']).nullable(),
  createdAt: iso,
  updatedAt: iso,
});
export const DeviceList = z.object({ devices: z.array(DeviceView) });

export const RuleView = z.object({
  id: z.string(),
  name: z.string(),
  characteristic: CharacteristicSchema,
  queryString: z.string(),
  versionRange: z.string().nullable(),
  accessLevel: AccessLevelSchema,
  createdAt: iso,
  updatedAt: iso,
});
export const RuleList = z.object({ rules: z.array(RuleView) });
export const RuleSaved = z.object({ rule: RuleView, changes: Changes, dryRun: z.boolean() });
export const RuleDeleted = z.object({ changes: Changes, dryRun: z.boolean() });
export const DeviceChanged = z.object({ device: DeviceView, changes: Changes });
export const DeviceRuleCreated = z.object({ rule: RuleView, changes: Changes });

const AutoblockRuleView = z.object({
  enabled: z.boolean(),
  limit: z.int(),
  windowSeconds: z.int(),
  blockSeconds: z.int(),
});
export const OrgView = z.object({
  defaultAccessLevel: AccessLevelSchema,
  adminMailRecipients: z.array(z.string()),
  userMailInsert: z.string(),
  defaultReleaseCondition: z.string().nullable(),
  autoblock: z.object({
    commandFrequency: AutoblockRuleView,
    userAgentChanges: AutoblockRuleView,
    syncCommands: AutoblockRuleView,
  }),
});
export const OrgUpdated = z.object({ settings: OrgView, changes: Changes, dryRun: z.boolean() });

export const QuarantineItem = z.object({
  id: z.string(),
  userId: z.string(),
  userName: z.string().nullable(),
  deviceId: z.string(),
  deviceType: z.string(),
  model: z.string().nullable(),
  os: z.string().nullable(),
  userAgent: z.string().nullable(),
  appFamily: z.string().nullable(),
  appVersion: z.string().nullable(),
  quarantinedAt: isoOrNull,
  releaseCondition: z.string().nullable(),
  reason: ReasonSchema,
  rule: z.string().nullable(),
  ruleName: z.string().nullable(),
  explanation: z.string().nullable(),
});
export const QuarantineList = z.object({ devices: z.array(QuarantineItem) });
export const QuarantineResolved = z.object({
  device: DeviceView,
  rule: RuleView.nullable().describe('the rule created (scope rule)'),
  changes: Changes,
});

export const DecisionView = z.object({
  state: StateSchema,
  reason: ReasonSchema,
  rule: z.object({ id: z.string(), name: z.string() }).nullable(),
  explanation: z.string(),
  matchedRules: z.array(z.object({ id: z.string(), name: z.string(), accessLevel: AccessLevelSchema })),
  steps: z.array(
    z.object({
      step: z.enum([
        'UserDisabled',
        'Autoblock',
        'Policy',
        'PersonalBlocked',
        'PersonalAllowed',
        'DeviceRule',
        'Global',
      ]),
      decided: z.boolean(),
      detail: z.string(),
    }),
  ),
});

export const AuditEntryView = z.object({
  id: z.string(),
  at: iso,
  actor: z.string(),
  action: z.string(),
  targetType: z.enum(['device', 'user', 'policy', 'rule', 'org', 'admin']).nullable(),
  targetId: z.string().nullable(),
  before: z.unknown(),
  after: z.unknown(),
  reason: z.string().nullable(),
  source: z.string().nullable(),
});
export const AuditPage = z.object({
  entries: z.array(AuditEntryView),
  next: z.string().nullable().describe('pass as `before` for the next page; null on the last page'),
});
