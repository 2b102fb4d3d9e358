// Defaults of a new policy: Exchange's New-MobileDeviceMailboxPolicy defaults (EXCHANGE-AND-PEERS
// §1.10), which lock nothing down. Frozen: copy before changing (`{ ...DEFAULT_POLICY_SETTINGS }`).
import type { PolicyServerOptions, PolicySettings } from './types.js';

/**
 * Exchange's default mobile device mailbox policy, mapped onto EASProvisionDoc elements
 * (Exchange cmdlet parameter -> element): PasswordEnabled $false, AllowSimplePassword $true,
 * MinPasswordLength blank, MaxPasswordFailedAttempts / MaxInactivityTimeLock / PasswordExpiration /
 * MaxAttachmentSize Unlimited (null, sent as an empty element), PasswordHistory 0,
 * MinPasswordComplexCharacters 1, every Allow* $true, AllowBluetooth Allow, age filters All,
 * truncation sizes Unlimited (-1), S/MIME SHA1 / TripleDES / AllowAnyAlgorithmNegotiation,
 * application lists empty.
 */
export const DEFAULT_POLICY_SETTINGS: Readonly<PolicySettings> = Object.freeze({
  DevicePasswordEnabled: false,
  AlphanumericDevicePasswordRequired: false,
  PasswordRecoveryEnabled: false,
  RequireStorageCardEncryption: false,
  AttachmentsEnabled: true,
  MinDevicePasswordLength: null,
  MaxInactivityTimeDeviceLock: null,
  MaxDevicePasswordFailedAttempts: null,
  MaxAttachmentSize: null,
  AllowSimpleDevicePassword: true,
  DevicePasswordExpiration: null,
  DevicePasswordHistory: 0,
  AllowStorageCard: true,
  AllowCamera: true,
  RequireDeviceEncryption: false,
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
  // Frozen so that a shallow copy cannot push into the shared default; replace, don't mutate.
  UnapprovedInROMApplicationList: Object.freeze([]) as unknown as string[],
  ApprovedApplicationList: Object.freeze([]) as unknown as string[],
});

/**
 * Server-side defaults, chosen to behave like an out-of-the-box Exchange:
 * - allowNonProvisionableDevices true: Exchange's AllowNonProvisionableDevices default ($true), so
 *   devices that cannot or will not apply the policy still sync unless an admin opts in to strictness.
 * - refreshIntervalSeconds null: Exchange's DevicePolicyRefreshInterval default (Unlimited), no 143s.
 * - allowPartialCompliance true: Exchange 2007/2010 accepted partial acks; 2013+ answer 139 only
 *   when non-provisionable devices are disallowed (PROTOCOL.md §4.3). Only matters when
 *   allowNonProvisionableDevices is false.
 * - allowExternallyManaged false: Exchange's AllowExternalDeviceManagement defaults to $false. Only matters when
 *   allowNonProvisionableDevices is false. Exchange's nearest knob, AllowExternalDeviceManagement,
 *   defaults to $false, but whether it decides status 145 is UNCONFIRMED (PROTOCOL.md §9).
 */
export const DEFAULT_POLICY_OPTIONS: Readonly<PolicyServerOptions> = Object.freeze({
  allowNonProvisionableDevices: true,
  refreshIntervalSeconds: null,
  allowPartialCompliance: true,
  allowExternallyManaged: false,
});
