// The device association: one per (user, broker, device). Field names follow the ordinary
// TS spelling of Exchange's Get-MobileDevice / Get-MobileDeviceStatistics fields.
import type { ReleaseCondition } from '../access/types.js';
import type { PolicyApplicationStatus } from '../policy/types.js';

export type DeviceAccessState = 'Unknown' | 'Allowed' | 'Blocked' | 'Quarantined' | 'DeviceDiscovery';

/** Exchange's DeviceAccessStateReason values (plus None while undecided). */
export type DeviceAccessStateReason =
  | 'None'
  | 'Global'
  | 'Individual'
  | 'DeviceRule'
  | 'Policy'
  | 'Upgrade'
  | 'UserAgentsChanges'
  | 'RecentCommands'
  | 'Watsons'
  | 'OutOfBudgets'
  | 'SyncCommands'
  | 'CommandFrequency'
  | 'EnableGCC'
  | 'UserDisabled'
  | 'DeviceLimit';

/**
 * Identity of an association. A device reached directly has brokerId '' and its own DeviceId;
 * a phone behind a trusted proxy/broker has the broker's id and the inner (physical) device id.
 */
export interface DeviceKey {
  userId: string;
  brokerId: string;
  deviceId: string;
}

export interface Device extends DeviceKey {
  /** Stable surrogate id (UUID) used by the admin API and CLI. */
  id: string;
  deviceType: string;
  userAgent: string | null;
  model: string | null;
  imei: string | null;
  friendlyName: string | null;
  os: string | null;
  osLanguage: string | null;
  phoneNumber: string | null;
  mobileOperator: string | null;
  enableOutboundSms: boolean | null;
  /** EAS protocol version last used (Exchange's ClientVersion / DeviceActiveSyncVersion). */
  protocolVersion: string | null;
  /** App or OS family and version parsed from the user agent or OS string; rules match on these. */
  appFamily: string | null;
  appVersion: string | null;

  firstSyncAt: Date | null;
  lastSyncAttemptAt: Date | null;
  lastSuccessSyncAt: Date | null;
  lastPolicyUpdateAt: Date | null;
  lastPingHeartbeat: number | null;

  /** Policy the device was last provisioned with (DevicePolicyApplied) and at which revision. */
  policyId: string | null;
  policyName: string | null;
  policyRevision: number | null;
  policyStatus: PolicyApplicationStatus;
  /** Final policy key in force (decimal uint32), null until the acknowledgement. */
  policyKey: string | null;
  /** Temporary key handed out in phase 1, valid only for the acknowledgement. */
  pendingPolicyKey: string | null;

  accessState: DeviceAccessState;
  accessReason: DeviceAccessStateReason;
  /** Id of the rule that decided, when accessReason is DeviceRule. */
  accessRule: string | null;
  /** The decision's human explanation (why this state). */
  accessExplanation: string | null;
  /** When the current access state was decided. */
  accessDecidedAt: Date | null;
  /** When the device entered quarantine (null when not quarantined). */
  quarantinedAt: Date | null;
  /** Lifts the quarantine by itself once met (checked on each request); null = manual release only. */
  releaseCondition: ReleaseCondition | null;
  /** Time-limited automatic block (Exchange autoblock): reason and end. */
  autoblockReason: DeviceAccessStateReason | null;
  autoblockUntil: Date | null;

  wipeRequestedAt: Date | null;
  wipeRequestedBy: string | null;
  wipeSentAt: Date | null;
  wipeAckAt: Date | null;
  wipeAckStatus: 'success' | 'failure' | null;
  accountOnlyWipeRequestedAt: Date | null;
  accountOnlyWipeRequestedBy: string | null;
  accountOnlyWipeSentAt: Date | null;
  accountOnlyWipeAckAt: Date | null;
  accountOnlyWipeAckStatus: 'success' | 'failure' | null;

  createdAt: Date;
  updatedAt: Date;
}
