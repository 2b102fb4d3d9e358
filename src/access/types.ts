// Inputs and outputs of the allow/block/quarantine decision (Exchange's ABQ model plus
// version-range rules and quarantine release conditions). Pure data; no I/O.
import type { DeviceAccessState, DeviceAccessStateReason } from '../devices/types.js';

export type AccessLevel = 'Allow' | 'Block' | 'Quarantine';

/** What a rule looks at (New-ActiveSyncDeviceAccessRule -Characteristic). */
export type Characteristic = 'DeviceType' | 'DeviceModel' | 'DeviceOS' | 'UserAgent';

export interface AccessRule {
  id: string;
  /** Display name, e.g. "Outlook-iOS-Android < 1.0.4 (UserAgent)". */
  name: string;
  characteristic: Characteristic;
  /**
   * Without versionRange: the whole characteristic string, compared exactly (Exchange QueryString).
   * With versionRange: the family parsed from the characteristic (UserAgent "Outlook-iOS-Android/1.0"
   * -> "Outlook-iOS-Android"; DeviceOS "iOS 17.4.1" -> "iOS").
   */
  queryString: string;
  /** Beyond Exchange: a range on the version parsed from the characteristic, e.g. "<1.0.4", ">=1.0.4 <2". */
  versionRange: string | null;
  accessLevel: AccessLevel;
  createdAt: Date;
  updatedAt: Date;
}

/** Set-ActiveSyncOrganizationSettings plus Syncward's quarantine and autoblock settings. */
export interface OrgSettings {
  defaultAccessLevel: AccessLevel;
  /** AdminMailRecipients: told about every newly quarantined device. */
  adminMailRecipients: string[];
  /** UserMailInsert: text put into the quarantine notice the device shows. */
  userMailInsert: string;
  /** Release condition given to devices quarantined by the org default or a rule; null = manual only. */
  defaultReleaseCondition: ReleaseCondition | null;
  autoblock: AutoblockSettings;
}

export interface AutoblockRule {
  enabled: boolean;
  /** More than `limit` events inside `windowSeconds` triggers the block. */
  limit: number;
  windowSeconds: number;
  /** How long the block lasts. */
  blockSeconds: number;
}

/** Exchange's autoblock thresholds ([MS-ASHTTP] 3.2.5.1.1 for user-agent churn: 2 changes per 24 h, 14 h block). */
export interface AutoblockSettings {
  /** Identical commands (same command and body) repeated too often: reason CommandFrequency. */
  commandFrequency: AutoblockRule;
  /** User-Agent changes: reason UserAgentsChanges. */
  userAgentChanges: AutoblockRule;
  /** Sync commands: reason SyncCommands. */
  syncCommands: AutoblockRule;
}

/** Beyond Exchange: a quarantine that lifts itself when the device meets a condition. */
export type ReleaseCondition =
  | { kind: 'appVersion'; range: string }
  | { kind: 'osVersion'; range: string }
  | { kind: 'policyAppliedInFull' };

/** The facts about a device the decision depends on. */
export interface DeviceFacts {
  deviceId: string;
  deviceType: string;
  model: string | null;
  os: string | null;
  userAgent: string | null;
  /** DevicePolicyApplicationStatus; 'Unknown' before the first acknowledgement. */
  policyStatus: 'Unknown' | 'AppliedInFull' | 'PartiallyApplied' | 'NotApplied' | 'ExternallyManaged';
  /** Whether the device runs without provisioning (sends no policy key). */
  nonProvisionable: boolean;
}

export interface UserFacts {
  easEnabled: boolean;
  /** Set-CASMailbox -ActiveSyncAllowedDeviceIDs / -ActiveSyncBlockedDeviceIDs. */
  allowedDeviceIds: readonly string[];
  blockedDeviceIds: readonly string[];
}

export interface AccessInput {
  user: UserFacts;
  device: DeviceFacts;
  org: Pick<OrgSettings, 'defaultAccessLevel'>;
  /** AllowNonProvisionableDevices of the policy in force. */
  allowNonProvisionableDevices: boolean;
  /** An active autoblock (reason and end), if any. */
  autoblock: { reason: DeviceAccessStateReason; until: Date } | null;
}

/** One step of the evaluation, in order, for explanations and what-if. */
export interface DecisionStep {
  step:
    'UserDisabled' | 'Autoblock' | 'Policy' | 'PersonalBlocked' | 'PersonalAllowed' | 'DeviceRule' | 'Global';
  decided: boolean;
  detail: string;
}

export interface AccessDecision {
  state: Exclude<DeviceAccessState, 'Unknown'>;
  reason: DeviceAccessStateReason;
  /** The deciding rule when reason is DeviceRule. */
  rule: { id: string; name: string } | null;
  /** Human explanation, e.g. "Blocked by rule 'Outlook < 1.0.4': UserAgent Outlook-iOS-Android/1.0.2 is in <1.0.4". */
  explanation: string;
  /** Every rule that matched (for what-if), deciding one first. */
  matchedRules: Array<{ id: string; name: string; accessLevel: AccessLevel }>;
  steps: DecisionStep[];
}
