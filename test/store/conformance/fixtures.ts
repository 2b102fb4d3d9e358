// Record builders for the conformance suite: valid defaults, overridable per test.
import { randomUUID } from 'node:crypto';
import type { AccessRule, AutoblockRule, OrgSettings } from '../../../src/access/types.js';
import { newUserRecord } from '../../../src/auth/user-record.js';
import type { Device } from '../../../src/devices/types.js';
import type { Policy, PolicySettings } from '../../../src/policy/types.js';
import type { MailFlags, MessageSummary } from '../../../src/store/mail-store.js';
import type { Admin, AdminToken, AuditEntry, SyncState, User } from '../../../src/store/types.js';

let seq = 0;
const next = (): number => ++seq;

/** Millisecond-precise timestamps: the stores must round-trip the .xyz part exactly. */
export const T0 = new Date('2024-02-29T23:59:59.999Z');
export const T1 = new Date('2024-03-01T00:00:00.001Z');
export const T2 = new Date('1999-12-31T23:59:59.123Z');

export function makeUser(over: Partial<User> = {}): User {
  const n = next();
  return {
    ...newUserRecord({
      username: `user${n}`,
      email: `user${n}@example.com`,
      displayName: `User ${n}`,
      passwordHash: `scrypt$16384$8$1$c2FsdA$aGFzaA${n}`,
      now: T0,
    }),
    // Not createdAt: the stores must keep the two timestamps apart.
    updatedAt: T1,
    ...over,
  };
}

export function makeAdmin(over: Partial<Admin> = {}): Admin {
  const n = next();
  return {
    id: randomUUID(),
    username: `admin${n}`,
    passwordHash: `scrypt$admin${n}`,
    createdAt: T0,
    ...over,
  };
}

export function makeSettings(over: Partial<PolicySettings> = {}): PolicySettings {
  return {
    DevicePasswordEnabled: true,
    AlphanumericDevicePasswordRequired: false,
    PasswordRecoveryEnabled: false,
    RequireStorageCardEncryption: false,
    AttachmentsEnabled: true,
    MinDevicePasswordLength: 6,
    MaxInactivityTimeDeviceLock: 900,
    MaxDevicePasswordFailedAttempts: null,
    MaxAttachmentSize: null,
    AllowSimpleDevicePassword: false,
    DevicePasswordExpiration: null,
    DevicePasswordHistory: 0,
    AllowStorageCard: true,
    AllowCamera: true,
    RequireDeviceEncryption: true,
    AllowUnsignedApplications: true,
    AllowUnsignedInstallationPackages: true,
    MinDevicePasswordComplexCharacters: 1,
    AllowWiFi: true,
    AllowTextMessaging: true,
    AllowPOPIMAPEmail: true,
    AllowBluetooth: 2,
    AllowIrDA: true,
    RequireManualSyncWhenRoaming: false,
    AllowDesktopSync: true,
    MaxCalendarAgeFilter: 0,
    AllowHTMLEmail: true,
    MaxEmailAgeFilter: 0,
    MaxEmailBodyTruncationSize: -1,
    MaxEmailHTMLBodyTruncationSize: -1,
    RequireSignedSMIMEMessages: false,
    RequireEncryptedSMIMEMessages: false,
    RequireSignedSMIMEAlgorithm: 0,
    RequireEncryptionSMIMEAlgorithm: 0,
    AllowSMIMEEncryptionAlgorithmNegotiation: 2,
    AllowSMIMESoftCerts: true,
    AllowBrowser: true,
    AllowConsumerEmail: true,
    AllowRemoteDesktop: true,
    AllowInternetSharing: true,
    UnapprovedInROMApplicationList: [],
    ApprovedApplicationList: ['Contoso Mail', 'Zürich Karten 🗺️'],
    ...over,
  };
}

export function makePolicy(over: Partial<Policy> = {}): Policy {
  const n = next();
  return {
    id: randomUUID(),
    name: `Policy ${n}`,
    isDefault: false,
    settings: makeSettings(),
    options: {
      allowNonProvisionableDevices: false,
      refreshIntervalSeconds: null,
      allowPartialCompliance: true,
      allowExternallyManaged: false,
    },
    revision: 1,
    createdAt: T0,
    updatedAt: T1,
    ...over,
  };
}

/** A first-contact device: identity and the required fields only, everything optional null. */
export function makeDevice(userId: string, over: Partial<Device> = {}): Device {
  const n = next();
  return {
    id: randomUUID(),
    userId,
    brokerId: '',
    deviceId: `DEV${n}`,
    deviceType: 'iPhone',
    userAgent: null,
    model: null,
    imei: null,
    friendlyName: null,
    os: null,
    osLanguage: null,
    phoneNumber: null,
    mobileOperator: null,
    enableOutboundSms: null,
    protocolVersion: null,
    appFamily: null,
    appVersion: null,
    firstSyncAt: null,
    lastSyncAttemptAt: null,
    lastSuccessSyncAt: null,
    lastPolicyUpdateAt: null,
    lastPingHeartbeat: null,
    policyId: null,
    policyName: null,
    policyRevision: null,
    policyStatus: 'Unknown',
    policyKey: null,
    pendingPolicyKey: null,
    accessState: 'DeviceDiscovery',
    accessReason: 'None',
    accessRule: null,
    accessExplanation: null,
    accessDecidedAt: null,
    quarantinedAt: null,
    releaseCondition: null,
    autoblockReason: null,
    autoblockUntil: null,
    wipeRequestedAt: null,
    wipeRequestedBy: null,
    wipeSentAt: null,
    wipeAckAt: null,
    wipeAckStatus: null,
    accountOnlyWipeRequestedAt: null,
    accountOnlyWipeRequestedBy: null,
    accountOnlyWipeSentAt: null,
    accountOnlyWipeAckAt: null,
    accountOnlyWipeAckStatus: null,
    createdAt: T0,
    updatedAt: T0,
    ...over,
  };
}

/** The device fields migration 0002 added, as a device written before it reads back (all null). */
export const NEW_DEVICE_FIELDS_0002 = {
  accessExplanation: null,
  accessDecidedAt: null,
  quarantinedAt: null,
  releaseCondition: null,
  autoblockReason: null,
  autoblockUntil: null,
} as const satisfies Partial<Device>;

/** Every field set to a non-null value, so a dropped or mis-mapped column shows up. */
export function makeFullDevice(userId: string, over: Partial<Device> = {}): Device {
  return makeDevice(userId, {
    brokerId: 'broker-Ω',
    deviceType: 'SAMSUNGSMG991B',
    userAgent: 'Android-SAMSUNG-SM-G991B/101.90000',
    model: 'SM-G991B',
    imei: '356938035643809',
    friendlyName: 'Zoë’s 📱 «Galaxy»',
    os: 'Android 14.0.0',
    osLanguage: 'Deutsch',
    phoneNumber: '+49 30 1234567',
    mobileOperator: 'Telekom.de',
    enableOutboundSms: false,
    protocolVersion: '16.1',
    appFamily: 'Android',
    appVersion: '14.0.0',
    firstSyncAt: T2,
    lastSyncAttemptAt: T1,
    lastSuccessSyncAt: T0,
    lastPolicyUpdateAt: T2,
    lastPingHeartbeat: 1740,
    policyId: 'policy-that-may-be-gone',
    policyName: 'Default',
    policyRevision: 7,
    policyStatus: 'AppliedInFull',
    policyKey: '4294967295',
    pendingPolicyKey: '1',
    accessState: 'Allowed',
    accessReason: 'DeviceRule',
    accessRule: 'rule-7',
    accessExplanation:
      "Quarantined by rule 'Outlook < 1.0.4': UserAgent 'Outlook-iOS-Android/1.0.2' is in <1.0.4 ✓",
    accessDecidedAt: T1,
    quarantinedAt: T2,
    releaseCondition: { kind: 'appVersion', range: '>=1.0.4 <2' },
    autoblockReason: 'UserAgentsChanges',
    autoblockUntil: T0,
    wipeRequestedAt: T0,
    wipeRequestedBy: 'admin',
    wipeSentAt: T1,
    wipeAckAt: T1,
    wipeAckStatus: 'failure',
    accountOnlyWipeRequestedAt: T2,
    accountOnlyWipeRequestedBy: 'helpdesk',
    accountOnlyWipeSentAt: T2,
    accountOnlyWipeAckAt: T2,
    accountOnlyWipeAckStatus: 'success',
    ...over,
  });
}

export function makeRule(over: Partial<AccessRule> = {}): AccessRule {
  const n = next();
  return {
    id: randomUUID(),
    name: `Rule ${n}`,
    characteristic: 'DeviceType',
    queryString: `DeviceType${n}`,
    versionRange: null,
    accessLevel: 'Block',
    createdAt: T0,
    updatedAt: T1,
    ...over,
  };
}

const autoblockRule = (limit: number, windowSeconds: number, blockSeconds: number): AutoblockRule => ({
  enabled: true,
  limit,
  windowSeconds,
  blockSeconds,
});

export function makeOrgSettings(over: Partial<OrgSettings> = {}): OrgSettings {
  return {
    defaultAccessLevel: 'Quarantine',
    adminMailRecipients: ['security@example.com', 'Zoë <zoe@exämple.de>'],
    userMailInsert: 'Your device is quarantined.\nCall the helpdesk: +49 30 1234567 ☎',
    defaultReleaseCondition: { kind: 'policyAppliedInFull' },
    autoblock: {
      commandFrequency: autoblockRule(60, 60, 600),
      userAgentChanges: autoblockRule(2, 86_400, 50_400),
      syncCommands: { enabled: false, limit: 480, windowSeconds: 3600, blockSeconds: 0 },
    },
    ...over,
  };
}

/** An audit entry `seconds` after T1 (so tests can build an ordered history). */
export function makeAudit(seconds: number, over: Partial<AuditEntry> = {}): AuditEntry {
  const n = next();
  return {
    id: `audit-${String(n).padStart(8, '0')}`,
    at: new Date(T1.getTime() + Math.round(seconds * 1000)),
    actor: 'admin:root',
    action: 'device.access.changed',
    targetType: 'device',
    targetId: `device-${n}`,
    before: { accessState: 'Quarantined' },
    after: { accessState: 'Allowed' },
    reason: null,
    source: null,
    ...over,
  };
}

export function makeAdminToken(adminId: string, over: Partial<AdminToken> = {}): AdminToken {
  const n = next();
  return {
    id: randomUUID(),
    adminId,
    name: `token ${n}`,
    tokenHash: `${n.toString(16).padStart(8, '0')}${'ab'.repeat(28)}`,
    createdAt: T0,
    expiresAt: null,
    lastUsedAt: null,
    ...over,
  };
}

/** A sync state at key '1' with no previous state; `data` is a small JSON document. */
export function makeSyncState(deviceId: string, over: Partial<SyncState> = {}): SyncState {
  const n = next();
  return {
    deviceId,
    collectionId: `folder-${n}`,
    syncKey: '1',
    data: JSON.stringify({ items: [`item-${n}`], note: 'Zoë 📬' }),
    previousSyncKey: null,
    previousData: null,
    updatedAt: T1,
    ...over,
  };
}

export const NO_MAIL_FLAGS: MailFlags = { read: false, flagged: false, answered: false, forwarded: false };

/** A parsed-header summary with every field set, so a dropped field shows up. */
export function makeSummary(over: Partial<MessageSummary> = {}): MessageSummary {
  const n = next();
  return {
    subject: `Grüße #${n} 📬`,
    from: [{ name: 'Jörg Müller', address: 'joerg@example.net' }],
    to: [
      { name: null, address: 'bob@example.net' },
      { name: 'Carol', address: 'carol@example.net' },
    ],
    cc: [],
    replyTo: [{ name: null, address: 'replies@example.net' }],
    date: '2024-01-02T10:00:00.000Z',
    messageId: `<msg-${n}@example.net>`,
    importance: 'normal',
    attachments: [
      {
        partId: '1.2',
        fileName: 'chart.png',
        contentType: 'image/png',
        size: 2008,
        contentId: 'chart-1@example.net',
        inline: true,
      },
    ],
    ...over,
  };
}
