// Policy decisions for the Provision command and the per-command gate: accept or refuse an
// acknowledgement, and whether a command must be answered "provision again". Pure; no responses.
import { isUnprovisionedKey } from './policy-key.js';
import type { Policy, PolicyApplicationStatus, PolicyServerOptions } from './types.js';

/** Status of the Provision element in a response ([MS-ASPROV] 2.2.2.54.2; names as [MS-ASCMD] 2.2.2). */
export const ProvisionStatus = {
  Success: 1,
  ProtocolError: 2,
  ServerError: 3,
  /** Ack Status 2 (or 3, see evaluateAcknowledgement) and the server refuses it. */
  DeviceNotFullyProvisionable: 139,
  /** The client sends no policy key and the server refuses such clients. */
  LegacyDeviceOnStrictPolicy: 141,
  /** Ack Status 4 and the server refuses externally managed devices. */
  ExternallyManagedDevicesNotAllowed: 145,
} as const;

/**
 * Common statuses that make the client provision again ([MS-ASCMD] 2.2.2; PROTOCOL.md §4.6). Sent
 * in the command's own Status for 14.0+; HTTP 449 for 12.1.
 */
export const ReprovisionStatus = {
  DeviceNotProvisioned: 142,
  PolicyRefresh: 143,
  InvalidPolicyKey: 144,
} as const;
export type ReprovisionStatusCode = (typeof ReprovisionStatus)[keyof typeof ReprovisionStatus];

/** Policy Status in the client's acknowledgement, a string ([MS-ASPROV] 2.2.2.54.1). */
export const AckPolicyStatus = {
  Applied: '1',
  PartiallyApplied: '2',
  NotApplied: '3',
  ExternallyManaged: '4',
} as const;

/** Why an acknowledgement was accepted, for the audit log. */
export type AcceptedBy =
  'compliant' | 'allowPartialCompliance' | 'allowExternallyManaged' | 'allowNonProvisionableDevices';

export type AcknowledgementDecision =
  | { accept: true; applicationStatus: PolicyApplicationStatus; acceptedBy: AcceptedBy }
  | {
      accept: false;
      provisionStatus:
        | typeof ProvisionStatus.DeviceNotFullyProvisionable
        | typeof ProvisionStatus.ExternallyManagedDevicesNotAllowed
        | typeof ProvisionStatus.ProtocolError;
      applicationStatus: PolicyApplicationStatus;
    };

/**
 * Decides an acknowledgement from the Status the client put in Policy (a string, '1'..'4';
 * surrounding whitespace ignored). On accept the caller issues the final key; on refusal it answers
 * Provision Status `provisionStatus` with no key ([MS-ASPROV] 3.2.5.1.2.1: an insufficient Status
 * gets an appropriate status instead of a final key).
 * - '1' applied in full: accept.
 * - '2' partially applied: accept if allowPartialCompliance or allowNonProvisionableDevices, else 139.
 * - '3' not applied: accept only if allowNonProvisionableDevices, else 139. The spec names no status
 *   for refusing Status 3. 141 is defined for a client that sends no policy key, but this one ran
 *   Provision and acknowledged with the temporary key; 145 belongs to Status 4. 139 is the status
 *   for a device that does not comply with all of the policy (PROTOCOL.md §4.3, §4.6), and applying
 *   none of it is the extreme case. allowPartialCompliance does not excuse it.
 * - '4' externally managed: accept if allowExternallyManaged or allowNonProvisionableDevices, else 145.
 * - anything else: Provision Status 2 (protocol error), status recorded as Unknown.
 */
export function evaluateAcknowledgement(
  ackStatus: string,
  options: PolicyServerOptions,
): AcknowledgementDecision {
  switch (ackStatus.trim()) {
    case AckPolicyStatus.Applied:
      return { accept: true, applicationStatus: 'AppliedInFull', acceptedBy: 'compliant' };
    case AckPolicyStatus.PartiallyApplied:
      if (options.allowPartialCompliance)
        return { accept: true, applicationStatus: 'PartiallyApplied', acceptedBy: 'allowPartialCompliance' };
      if (options.allowNonProvisionableDevices)
        return {
          accept: true,
          applicationStatus: 'PartiallyApplied',
          acceptedBy: 'allowNonProvisionableDevices',
        };
      return {
        accept: false,
        provisionStatus: ProvisionStatus.DeviceNotFullyProvisionable,
        applicationStatus: 'PartiallyApplied',
      };
    case AckPolicyStatus.NotApplied:
      if (options.allowNonProvisionableDevices)
        return { accept: true, applicationStatus: 'NotApplied', acceptedBy: 'allowNonProvisionableDevices' };
      return {
        accept: false,
        provisionStatus: ProvisionStatus.DeviceNotFullyProvisionable,
        applicationStatus: 'NotApplied',
      };
    case AckPolicyStatus.ExternallyManaged:
      if (options.allowExternallyManaged)
        return { accept: true, applicationStatus: 'ExternallyManaged', acceptedBy: 'allowExternallyManaged' };
      if (options.allowNonProvisionableDevices)
        return {
          accept: true,
          applicationStatus: 'ExternallyManaged',
          acceptedBy: 'allowNonProvisionableDevices',
        };
      return {
        accept: false,
        provisionStatus: ProvisionStatus.ExternallyManagedDevicesNotAllowed,
        applicationStatus: 'ExternallyManaged',
      };
    default:
      return { accept: false, provisionStatus: ProvisionStatus.ProtocolError, applicationStatus: 'Unknown' };
  }
}

export interface ReprovisionCheckInput {
  /** What the device record says about its last completed provisioning. */
  device: {
    /** Final key issued at the last accepted acknowledgement; null = never provisioned. */
    policyKey: string | null;
    policyId: string | null;
    policyRevision: number | null;
    /** When the last acknowledgement was accepted. The Provision command MUST set it with the key. */
    lastPolicyUpdateAt: Date | null;
  };
  /** X-MS-PolicyKey or the base64 Policy-key field; null when absent. */
  presentedKey: string | null;
  /** The policy that applies to the user now (resolvePolicy). */
  policy: Pick<Policy, 'id' | 'revision'> & { options: Pick<PolicyServerOptions, 'refreshIntervalSeconds'> };
  now: Date;
}

/**
 * Whether a command (anything but Provision, Ping, Autodiscover and OPTIONS, which carry no key or
 * are the provisioning itself) must be refused with a "provision again" status. null = proceed.
 * In this order:
 * 1. 142 DeviceNotProvisioned: the client presents no key, '' or '0' ([MS-ASCMD] 3.1.5.1, a command
 *    before Provision). Also when the device was provisioned before: a client sending 0 says it
 *    holds no policy (reset, reinstall under the same DeviceId), so it is not provisioned.
 * 2. 144 InvalidPolicyKey: the key is not the final key on record (including a device that was
 *    never provisioned, or the temporary key used before the acknowledgement), or the applicable
 *    policy is another one or a newer revision than the one the device acknowledged
 *    ([MS-ASPROV] 3.2.5.1: a key that does not match the stored one).
 * 3. 143 PolicyRefresh: the policy has a refresh interval and at least that long has passed since
 *    lastPolicyUpdateAt (a missing lastPolicyUpdateAt counts as elapsed).
 * Whether a client that never provisions may be served anyway (allowNonProvisionableDevices, or
 * 141) is the gate's decision, not made here.
 */
export function needsReprovision(input: ReprovisionCheckInput): ReprovisionStatusCode | null {
  const { device, presentedKey, policy, now } = input;
  if (isUnprovisionedKey(presentedKey)) return ReprovisionStatus.DeviceNotProvisioned;
  if (device.policyKey === null || presentedKey !== device.policyKey)
    return ReprovisionStatus.InvalidPolicyKey;
  if (device.policyId !== policy.id || device.policyRevision !== policy.revision) {
    return ReprovisionStatus.InvalidPolicyKey;
  }
  const interval = policy.options.refreshIntervalSeconds;
  if (interval !== null) {
    if (device.lastPolicyUpdateAt === null) return ReprovisionStatus.PolicyRefresh;
    if (now.getTime() - device.lastPolicyUpdateAt.getTime() >= interval * 1000)
      return ReprovisionStatus.PolicyRefresh;
  }
  return null;
}
