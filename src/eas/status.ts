// [MS-ASCMD] 2.2.2 Common Status Codes: names and numbers, and the HTTP status that replaces them
// for protocol versions ≤ 12.1, which cannot carry a 1xx Status in the body. No I/O, no logic beyond tables.

/**
 * Common status codes by their spec names ([MS-ASCMD] 2.2.2). 157–159 and 180–182 are not assigned
 * in the spec text we have, so they are absent.
 */
export const EasStatus = {
  InvalidContent: 101,
  InvalidWBXML: 102,
  InvalidXML: 103,
  InvalidDateTime: 104,
  InvalidCombinationOfIDs: 105,
  InvalidIDs: 106,
  InvalidMIME: 107,
  DeviceIdMissingOrInvalid: 108,
  DeviceTypeMissingOrInvalid: 109,
  ServerError: 110,
  ServerErrorRetryLater: 111,
  ActiveDirectoryAccessDenied: 112,
  MailboxQuotaExceeded: 113,
  MailboxServerOffline: 114,
  SendQuotaExceeded: 115,
  MessageRecipientUnresolved: 116,
  MessageReplyNotAllowed: 117,
  MessagePreviouslySent: 118,
  MessageHasNoRecipient: 119,
  MailSubmissionFailed: 120,
  MessageReplyFailed: 121,
  AttachmentIsTooLarge: 122,
  UserHasNoMailbox: 123,
  UserCannotBeAnonymous: 124,
  UserPrincipalCouldNotBeFound: 125,
  UserDisabledForSync: 126,
  UserOnNewMailboxCannotSync: 127,
  UserOnLegacyMailboxCannotSync: 128,
  DeviceIsBlockedForThisUser: 129,
  AccessDenied: 130,
  AccountDisabled: 131,
  SyncStateNotFound: 132,
  SyncStateLocked: 133,
  SyncStateCorrupt: 134,
  SyncStateAlreadyExists: 135,
  SyncStateVersionInvalid: 136,
  CommandNotSupported: 137,
  VersionNotSupported: 138,
  DeviceNotFullyProvisionable: 139,
  RemoteWipeRequested: 140,
  LegacyDeviceOnStrictPolicy: 141,
  DeviceNotProvisioned: 142,
  PolicyRefresh: 143,
  InvalidPolicyKey: 144,
  ExternallyManagedDevicesNotAllowed: 145,
  NoRecurrenceInCalendar: 146,
  UnexpectedItemClass: 147,
  RemoteServerHasNoSSL: 148,
  InvalidStoredRequest: 149,
  ItemNotFound: 150,
  TooManyFolders: 151,
  NoFoldersFound: 152,
  ItemsLostAfterMove: 153,
  FailureInMoveOperation: 154,
  // The spec extract misspells this one "oveCommand…"; this is the intended name.
  MoveCommandDisallowedForNonPersistentMoveAction: 155,
  MoveCommandInvalidDestinationFolder: 156,
  AvailabilityTooManyRecipients: 160,
  AvailabilityDLLimitReached: 161,
  AvailabilityTransientFailure: 162,
  AvailabilityFailure: 163,
  BodyPartPreferenceTypeNotSupported: 164,
  DeviceInformationRequired: 165,
  InvalidAccountId: 166,
  AccountSendDisabled: 167,
  IRM_FeatureDisabled: 168,
  IRM_TransientError: 169,
  IRM_PermanentError: 170,
  IRM_InvalidTemplateID: 171,
  IRM_OperationNotPermitted: 172,
  NoPicture: 173,
  PictureTooLarge: 174,
  PictureLimitReached: 175,
  BodyPart_ConversationTooLarge: 176,
  MaximumDevicesReached: 177,
  InvalidMimeBodyCombination: 178,
  InvalidSmartForwardParameters: 179,
  InvalidRecipients: 183,
  OneOrMoreExceptionsFailed: 184,
} as const;

export type EasStatusName = keyof typeof EasStatus;
export type EasStatusCode = (typeof EasStatus)[EasStatusName];

const NAME_BY_CODE: ReadonlyMap<number, EasStatusName> = new Map(
  (Object.entries(EasStatus) as [EasStatusName, number][]).map(([name, code]) => [code, name]),
);

/** The spec name of a common status code, or null for a number the table does not know. */
export function easStatusName(status: number): EasStatusName | null {
  return NAME_BY_CODE.get(status) ?? null;
}

/**
 * [MS-ASCMD] 2.2.2, "≤12.1 HTTP" column: the HTTP status a 2.5/12.0/12.1 client gets instead of a
 * 1xx Status. Entries marked "inferred" have no mapping in the spec; the reason is given beside them.
 * Anything not listed becomes 500 ("unexpected server condition", [MS-ASHTTP] 2.2.2.1.1).
 */
const LEGACY_HTTP: ReadonlyMap<number, number> = new Map([
  [EasStatus.InvalidContent, 400],
  // inferred: same class as 101/103 (the body could not be understood).
  [EasStatus.InvalidWBXML, 400],
  [EasStatus.InvalidXML, 400],
  // inferred: malformed request data, like 103/106.
  [EasStatus.InvalidDateTime, 400],
  [EasStatus.InvalidCombinationOfIDs, 400],
  [EasStatus.InvalidIDs, 400],
  [EasStatus.InvalidMIME, 400],
  // inferred: [MS-ASCMD] 2.2.2 states no ≤12.1 code for these (they exist from 14.0 on, and a 12.1
  // SendMail/SmartReply/SmartForward response has no Status). The device's message is at fault, not
  // the server, and sending it again unchanged fails again: that is 400 in [MS-ASHTTP] 2.2.2.1.1,
  // as for 107. 500 ("unexpected condition") would invite a client to retry it from its Outbox.
  [EasStatus.MessageRecipientUnresolved, 400],
  [EasStatus.MessageHasNoRecipient, 400],
  [EasStatus.DeviceIdMissingOrInvalid, 400],
  [EasStatus.DeviceTypeMissingOrInvalid, 400],
  [EasStatus.ServerError, 500],
  [EasStatus.ServerErrorRetryLater, 503],
  [EasStatus.ActiveDirectoryAccessDenied, 403],
  [EasStatus.MailboxQuotaExceeded, 507],
  // inferred: transient, the client should come back later like 111.
  [EasStatus.MailboxServerOffline, 503],
  [EasStatus.SyncStateLocked, 503],
  // inferred: 401 is how HTTP says "credentials required" ([MS-ASHTTP] 2.2.2.1.1).
  [EasStatus.UserCannotBeAnonymous, 401],
  [EasStatus.UserPrincipalCouldNotBeFound, 403],
  [EasStatus.UserDisabledForSync, 403],
  // inferred: the user or the device is refused, as for 126. For 129 and 177 the product requirement
  // is "HTTP 403 for 12.1 clients"; 139/145 must not be 449, which would loop the client through Provision.
  [EasStatus.UserHasNoMailbox, 403],
  [EasStatus.UserOnNewMailboxCannotSync, 403],
  [EasStatus.UserOnLegacyMailboxCannotSync, 403],
  [EasStatus.DeviceIsBlockedForThisUser, 403],
  [EasStatus.AccessDenied, 403],
  [EasStatus.AccountDisabled, 403],
  [EasStatus.DeviceNotFullyProvisionable, 403],
  [EasStatus.ExternallyManagedDevicesNotAllowed, 403],
  [EasStatus.MaximumDevicesReached, 403],
  [EasStatus.SyncStateNotFound, 403],
  [EasStatus.CommandNotSupported, 501],
  [EasStatus.VersionNotSupported, 400],
  [EasStatus.LegacyDeviceOnStrictPolicy, 449],
  [EasStatus.DeviceNotProvisioned, 449],
  [EasStatus.PolicyRefresh, 449],
  [EasStatus.InvalidPolicyKey, 449],
  // The spec allows 400 or 501; 400 because the request, not the server, is at fault.
  [EasStatus.UnexpectedItemClass, 400],
]);

export interface LegacyHttpContext {
  /** Whether the request carried a policy key (X-MS-PolicyKey header or base64 field). */
  hasPolicyKey: boolean;
  /** Command wire name; two mappings depend on it. */
  cmd?: string;
}

/** HTTP status for a common status code sent to a ≤12.1 client ([MS-ASCMD] 2.2.2). */
export function legacyHttpStatusFor(status: number, ctx: LegacyHttpContext): number {
  // 140: "HTTP 403 if the request had no X-MS-PolicyKey header, otherwise HTTP 449".
  if (status === EasStatus.RemoteWipeRequested) return ctx.hasPolicyKey ? 449 : 403;
  if (status === EasStatus.InvalidIDs && ctx.cmd === 'SendMail') return 500;
  if (status === EasStatus.SyncStateNotFound && ctx.cmd === 'Provision') return 500;
  return LEGACY_HTTP.get(status) ?? 500;
}
