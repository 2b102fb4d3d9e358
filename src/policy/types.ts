// Mobile device mailbox policy model. Settings use the EASProvisionDoc element names of
// [MS-ASPROV] 2.2.2.x so the Provision document maps 1:1; `null` means "not set".

/** Every EASProvisionDoc setting ([MS-ASPROV] 2.2.2.x); null = not set (element omitted or sent empty). */
export interface PolicySettings {
  DevicePasswordEnabled: boolean;
  AlphanumericDevicePasswordRequired: boolean;
  PasswordRecoveryEnabled: boolean;
  RequireStorageCardEncryption: boolean;
  AttachmentsEnabled: boolean;
  MinDevicePasswordLength: number | null;
  MaxInactivityTimeDeviceLock: number | null;
  MaxDevicePasswordFailedAttempts: number | null;
  MaxAttachmentSize: number | null;
  AllowSimpleDevicePassword: boolean;
  DevicePasswordExpiration: number | null;
  DevicePasswordHistory: number;
  AllowStorageCard: boolean;
  AllowCamera: boolean;
  RequireDeviceEncryption: boolean;
  AllowUnsignedApplications: boolean;
  AllowUnsignedInstallationPackages: boolean;
  MinDevicePasswordComplexCharacters: number;
  AllowWiFi: boolean;
  AllowTextMessaging: boolean;
  AllowPOPIMAPEmail: boolean;
  /** 0 disable, 1 hands-free only, 2 allow. */
  AllowBluetooth: 0 | 1 | 2;
  AllowIrDA: boolean;
  RequireManualSyncWhenRoaming: boolean;
  AllowDesktopSync: boolean;
  /** 0 all, 4 two weeks, 5 one month, 6 three months, 7 six months. */
  MaxCalendarAgeFilter: 0 | 4 | 5 | 6 | 7;
  AllowHTMLEmail: boolean;
  /** 0 all, 1 one day, 2 three days, 3 one week, 4 two weeks, 5 one month. */
  MaxEmailAgeFilter: 0 | 1 | 2 | 3 | 4 | 5;
  /** -1 = no truncation. */
  MaxEmailBodyTruncationSize: number;
  MaxEmailHTMLBodyTruncationSize: number;
  RequireSignedSMIMEMessages: boolean;
  RequireEncryptedSMIMEMessages: boolean;
  /** 0 SHA1, 1 MD5. */
  RequireSignedSMIMEAlgorithm: 0 | 1;
  /** 0 TripleDES, 1 DES, 2 RC2128bit, 3 RC264bit, 4 RC240bit. */
  RequireEncryptionSMIMEAlgorithm: 0 | 1 | 2 | 3 | 4;
  /** 0 no negotiation, 1 strong only, 2 any. */
  AllowSMIMEEncryptionAlgorithmNegotiation: 0 | 1 | 2;
  AllowSMIMESoftCerts: boolean;
  AllowBrowser: boolean;
  AllowConsumerEmail: boolean;
  AllowRemoteDesktop: boolean;
  AllowInternetSharing: boolean;
  UnapprovedInROMApplicationList: string[];
  ApprovedApplicationList: string[];
}

/** Server-side knobs that are not sent to the device (Exchange's policy parameters). */
export interface PolicyServerOptions {
  /** Exchange AllowNonProvisionableDevices: let devices sync that cannot or will not apply the policy. */
  allowNonProvisionableDevices: boolean;
  /** Exchange DevicePolicyRefreshInterval in seconds; null = never (Unlimited). Drives status 143. */
  refreshIntervalSeconds: number | null;
  /** Accept an acknowledgement with Policy Status 2 (partially applied). */
  allowPartialCompliance: boolean;
  /** Accept an acknowledgement with Policy Status 4 (externally managed). */
  allowExternallyManaged: boolean;
}

export interface Policy {
  id: string;
  name: string;
  isDefault: boolean;
  settings: PolicySettings;
  options: PolicyServerOptions;
  /** Bumped on every change; a device provisioned at an older revision must re-provision. */
  revision: number;
  createdAt: Date;
  updatedAt: Date;
}

/** What the device reported in its acknowledgement ([MS-ASPROV] 2.2.2.54.1, client Status). */
export type PolicyApplicationStatus =
  'Unknown' | 'AppliedInFull' | 'PartiallyApplied' | 'NotApplied' | 'ExternallyManaged';
