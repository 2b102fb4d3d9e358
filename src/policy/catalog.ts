// Catalogue of the EASProvisionDoc settings: xsd order, protocol-version support and value kind.
// Data only; the ranges live in schema.ts, the wire rendering in provision-doc.ts.
import type { PolicyServerOptions, PolicySettings } from './types.js';
import type { SpecVersion } from './versions.js';

/** How a setting's value is written and parsed. Enum names are Exchange's cmdlet values. */
export type SettingKind =
  | { type: 'boolean' }
  /** `unlimited` = the number that means "no limit" for a non-nullable integer (truncation sizes: -1). */
  | { type: 'integer'; nullable: boolean; nullLabel?: string; unlimited?: number }
  | { type: 'enum'; names: Readonly<Record<string, number>> }
  | { type: 'list'; item: 'ApplicationName' | 'Hash' };

export interface SettingSpec {
  kind: SettingKind;
  /** First protocol version with the element ([MS-ASWBXML] 2.1.2.1.15, [MS-ASPROV] 2.2.2.x "Protocol Versions"). */
  since: SpecVersion;
  /** Last protocol version with the element; absent = still current. */
  until?: SpecVersion;
}

const bool = (since: SpecVersion): SettingSpec => ({ kind: { type: 'boolean' }, since });
const int = (since: SpecVersion, nullable: boolean, nullLabel?: string): SettingSpec => ({
  kind: nullLabel === undefined ? { type: 'integer', nullable } : { type: 'integer', nullable, nullLabel },
  since,
});
const enumOf = (since: SpecVersion, names: Record<string, number>): SettingSpec => ({
  kind: { type: 'enum', names },
  since,
});

/**
 * Children of EASProvisionDoc in ProvisionResponse.xsd `xs:sequence` order (PROTOCOL.md §4.5 "#").
 * Differs from token order only for PasswordRecoveryEnabled (0x11) before RequireStorageCardEncryption (0x10).
 */
export const PROVISION_DOC_ORDER = [
  'DevicePasswordEnabled',
  'AlphanumericDevicePasswordRequired',
  'PasswordRecoveryEnabled',
  'RequireStorageCardEncryption',
  'AttachmentsEnabled',
  'MinDevicePasswordLength',
  'MaxInactivityTimeDeviceLock',
  'MaxDevicePasswordFailedAttempts',
  'MaxAttachmentSize',
  'AllowSimpleDevicePassword',
  'DevicePasswordExpiration',
  'DevicePasswordHistory',
  'AllowStorageCard',
  'AllowCamera',
  'RequireDeviceEncryption',
  'AllowUnsignedApplications',
  'AllowUnsignedInstallationPackages',
  'MinDevicePasswordComplexCharacters',
  'AllowWiFi',
  'AllowTextMessaging',
  'AllowPOPIMAPEmail',
  'AllowBluetooth',
  'AllowIrDA',
  'RequireManualSyncWhenRoaming',
  'AllowDesktopSync',
  'MaxCalendarAgeFilter',
  'AllowHTMLEmail',
  'MaxEmailAgeFilter',
  'MaxEmailBodyTruncationSize',
  'MaxEmailHTMLBodyTruncationSize',
  'RequireSignedSMIMEMessages',
  'RequireEncryptedSMIMEMessages',
  'RequireSignedSMIMEAlgorithm',
  'RequireEncryptionSMIMEAlgorithm',
  'AllowSMIMEEncryptionAlgorithmNegotiation',
  'AllowSMIMESoftCerts',
  'AllowBrowser',
  'AllowConsumerEmail',
  'AllowRemoteDesktop',
  'AllowInternetSharing',
  'UnapprovedInROMApplicationList',
  'ApprovedApplicationList',
] as const satisfies readonly (keyof PolicySettings)[];

// Compile-time check that the order list names every setting.
type MissingFromOrder = Exclude<keyof PolicySettings, (typeof PROVISION_DOC_ORDER)[number]>;
const _orderIsComplete: [MissingFromOrder] extends [never] ? true : MissingFromOrder = true;

/**
 * Per-setting facts. "since" = [MS-ASWBXML] 2.1.2.1.15 token support: the password group exists
 * since 12.0, the rest since 12.1. Both are at or below the oldest version we serve (12.1), so
 * today every element is emitted; the mechanism stays for elements a future version adds.
 *
 * Note a (PROTOCOL.md §4.5): [MS-ASWBXML] v22.2 lists MaxDevicePasswordFailedAttempts and
 * MaxCalendarAgeFilter only up to 16.0, while the [MS-ASPROV] element pages list 16.1 too and the
 * token numbers are unchanged. We follow [MS-ASPROV] and set no `until`, so 16.1 clients get them.
 */
// Element pages: [MS-ASPROV] 2.2.2.x, one per setting; values and meanings in PROTOCOL.md §4.5.
export const SETTING_SPECS: { readonly [K in keyof PolicySettings]: SettingSpec } = {
  DevicePasswordEnabled: bool('12.0'),
  AlphanumericDevicePasswordRequired: bool('12.0'),
  PasswordRecoveryEnabled: bool('12.0'),
  RequireStorageCardEncryption: bool('12.1'),
  AttachmentsEnabled: bool('12.0'),
  MinDevicePasswordLength: int('12.0', true, 'none'),
  MaxInactivityTimeDeviceLock: int('12.0', true, 'unlimited'),
  MaxDevicePasswordFailedAttempts: int('12.0', true, 'unlimited'), // (note a)
  MaxAttachmentSize: int('12.0', true, 'unlimited'),
  AllowSimpleDevicePassword: bool('12.0'),
  DevicePasswordExpiration: int('12.0', true, 'unlimited'),
  DevicePasswordHistory: int('12.0', false),
  AllowStorageCard: bool('12.1'),
  AllowCamera: bool('12.1'),
  RequireDeviceEncryption: bool('12.1'),
  AllowUnsignedApplications: bool('12.1'),
  AllowUnsignedInstallationPackages: bool('12.1'),
  MinDevicePasswordComplexCharacters: int('12.1', false),
  AllowWiFi: bool('12.1'), // spelled AllowWifi in [MS-ASPROV] prose; the schema and token say AllowWiFi
  AllowTextMessaging: bool('12.1'),
  AllowPOPIMAPEmail: bool('12.1'),
  AllowBluetooth: enumOf('12.1', { Disable: 0, HandsfreeOnly: 1, Allow: 2 }),
  AllowIrDA: bool('12.1'),
  RequireManualSyncWhenRoaming: bool('12.1'),
  AllowDesktopSync: bool('12.1'),
  // (note a)
  MaxCalendarAgeFilter: enumOf('12.1', { All: 0, TwoWeeks: 4, OneMonth: 5, ThreeMonths: 6, SixMonths: 7 }),
  AllowHTMLEmail: bool('12.1'),
  MaxEmailAgeFilter: enumOf('12.1', {
    All: 0,
    OneDay: 1,
    ThreeDays: 2,
    OneWeek: 3,
    TwoWeeks: 4,
    OneMonth: 5,
  }),
  MaxEmailBodyTruncationSize: { kind: { type: 'integer', nullable: false, unlimited: -1 }, since: '12.1' },
  MaxEmailHTMLBodyTruncationSize: {
    kind: { type: 'integer', nullable: false, unlimited: -1 },
    since: '12.1',
  },
  RequireSignedSMIMEMessages: bool('12.1'),
  RequireEncryptedSMIMEMessages: bool('12.1'),
  RequireSignedSMIMEAlgorithm: enumOf('12.1', { SHA1: 0, MD5: 1 }),
  RequireEncryptionSMIMEAlgorithm: enumOf('12.1', {
    TripleDES: 0,
    DES: 1,
    RC2128bit: 2,
    RC264bit: 3,
    RC240bit: 4,
  }),
  AllowSMIMEEncryptionAlgorithmNegotiation: enumOf('12.1', {
    BlockNegotiation: 0,
    OnlyStrongAlgorithmNegotiation: 1,
    AllowAnyAlgorithmNegotiation: 2,
  }),
  AllowSMIMESoftCerts: bool('12.1'),
  AllowBrowser: bool('12.1'),
  AllowConsumerEmail: bool('12.1'),
  AllowRemoteDesktop: bool('12.1'),
  AllowInternetSharing: bool('12.1'),
  UnapprovedInROMApplicationList: { kind: { type: 'list', item: 'ApplicationName' }, since: '12.1' }, // [MS-ASPROV] 2.2.2.55
  ApprovedApplicationList: { kind: { type: 'list', item: 'Hash' }, since: '12.1' }, // [MS-ASPROV] 2.2.2.22
};

/** Server-side options; same kinds, never sent to the device. */
export const OPTION_KINDS: { readonly [K in keyof PolicyServerOptions]: SettingKind } = {
  allowNonProvisionableDevices: { type: 'boolean' },
  refreshIntervalSeconds: { type: 'integer', nullable: true, nullLabel: 'unlimited' },
  allowPartialCompliance: { type: 'boolean' },
  allowExternallyManaged: { type: 'boolean' },
};

export const SETTING_NAMES = PROVISION_DOC_ORDER;
export const OPTION_NAMES = Object.keys(OPTION_KINDS) as (keyof PolicyServerOptions)[];
