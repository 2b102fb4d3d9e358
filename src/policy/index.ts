// Public API of the policy module: policy model, validation, Provision document, policy keys,
// policy resolution and provisioning decisions. No I/O.
export type { Policy, PolicyApplicationStatus, PolicyServerOptions, PolicySettings } from './types.js';
export {
  POLICY_PROTOCOL_VERSIONS,
  compareVersions,
  type ProtocolVersion,
  type SpecVersion,
} from './versions.js';
export {
  OPTION_KINDS,
  OPTION_NAMES,
  PROVISION_DOC_ORDER,
  SETTING_NAMES,
  SETTING_SPECS,
  type SettingKind,
  type SettingSpec,
} from './catalog.js';
export { DEFAULT_POLICY_OPTIONS, DEFAULT_POLICY_SETTINGS } from './defaults.js';
export { PolicyValidationError, type PolicyIssue } from './errors.js';
export {
  MIN_REFRESH_INTERVAL_SECONDS,
  PolicyPatchSchema,
  PolicyServerOptionsSchema,
  PolicySettingsSchema,
  parsePolicyPatch,
  parsePolicyServerOptions,
  parsePolicySettings,
  parseSettingAssignments,
  splitPolicyPatch,
  type PolicyPatch,
} from './schema.js';
export {
  EAS_PROVISIONING_POLICY_TYPE,
  buildEasProvisionDoc,
  describePolicy,
  isSettingSupported,
  type PolicyRow,
} from './provision-doc.js';
export { isUnprovisionedKey, isValidPolicyKeyFormat, newPolicyKey } from './policy-key.js';
export {
  emailDomain,
  resolvePolicy,
  type Lookup,
  type PolicySource,
  type ResolvePolicyInput,
  type ResolvedPolicy,
} from './resolve.js';
export {
  AckPolicyStatus,
  ProvisionStatus,
  ReprovisionStatus,
  evaluateAcknowledgement,
  needsReprovision,
  type AcceptedBy,
  type AcknowledgementDecision,
  type ReprovisionCheckInput,
  type ReprovisionStatusCode,
} from './compliance.js';
