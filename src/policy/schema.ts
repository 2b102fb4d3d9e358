// Validation of policy settings and server options (zod), partial updates from the admin API,
// and `Name=value` assignments from the CLI. Ranges are the schema types of [MS-ASPROV] 2.2.2.x.
import { z } from 'zod';
import { OPTION_KINDS, OPTION_NAMES, SETTING_NAMES, SETTING_SPECS, type SettingKind } from './catalog.js';
import { PolicyValidationError, type PolicyIssue } from './errors.js';
import type { PolicyServerOptions, PolicySettings } from './types.js';

/** A partial update of a policy: settings and options side by side (their names never collide). */
export type PolicyPatch = Partial<PolicySettings & PolicyServerOptions>;

const UINT32_MAX = 4_294_967_295; // xs:unsignedInt, the *OrEmpty types of ProvisionResponse.xsd
const INT32_MAX = 2_147_483_647;

/**
 * Shortest refresh interval accepted. A device is sent 143 once the interval has passed since its
 * last provisioning, so a few seconds would keep it provisioning instead of syncing.
 */
export const MIN_REFRESH_INTERVAL_SECONDS = 60;

interface Rule<T> {
  schema: z.ZodType<T>;
  /** What a valid value looks like, for error messages ("expected <expect>"). */
  expect: string;
}

const boolean = { schema: z.boolean(), expect: 'true or false' };
const intIn = (min: number, max: number) => z.int().min(min).max(max);

/** Text of an enum's valid values from the catalogue: "0 (Disable), 1 (HandsfreeOnly), 2 (Allow)". */
function enumExpect(name: keyof PolicySettings): string {
  const { kind } = SETTING_SPECS[name];
  if (kind.type !== 'enum') throw new Error(`${name} is not an enum`);
  return `one of ${Object.entries(kind.names)
    .map(([label, value]) => `${value} (${label})`)
    .join(', ')}`;
}

// ApplicationName: a non-empty string ([MS-ASPROV] 2.2.2.21). We also refuse control characters
// (a NUL would end the WBXML inline string) and surrounding spaces (invisible in every UI).
const APPLICATION_NAME = /^[^\s\p{Cc}](?:[^\p{Cc}]*[^\s\p{Cc}])?$/u;
const APPLICATION_NAME_EXPECT = 'a non-empty name without control characters or surrounding spaces';
// Hash: "the SHA1 hash of an approved in-memory application" ([MS-ASPROV] 2.2.2.29), written as
// 40 hex digits. The spec does not state the text encoding of the hash (hex assumed).
const SHA1_HEX = /^[0-9A-Fa-f]{40}$/;
const SHA1_EXPECT = 'a SHA-1 hash written as 40 hex digits';

const SETTING_RULES = {
  DevicePasswordEnabled: boolean,
  AlphanumericDevicePasswordRequired: boolean,
  PasswordRecoveryEnabled: boolean,
  RequireStorageCardEncryption: boolean,
  AttachmentsEnabled: boolean,
  // unsignedByteOrEmpty, 1..16; empty or 1 = no minimum.
  MinDevicePasswordLength: {
    schema: intIn(1, 16).nullable(),
    expect: 'null (no minimum) or an integer from 1 to 16',
  },
  // unsignedIntOrEmpty, seconds; the client treats >= 9999 as unlimited.
  MaxInactivityTimeDeviceLock: {
    schema: intIn(0, UINT32_MAX).nullable(),
    expect: `null (no lock) or a number of seconds from 0 to ${UINT32_MAX}`,
  },
  // unsignedByteOrEmpty, 4..16.
  MaxDevicePasswordFailedAttempts: {
    schema: intIn(4, 16).nullable(),
    expect: 'null (unlimited) or an integer from 4 to 16',
  },
  // unsignedIntOrEmpty, bytes; empty = no maximum.
  MaxAttachmentSize: {
    schema: intIn(0, UINT32_MAX).nullable(),
    expect: `null (unlimited) or a size in bytes from 0 to ${UINT32_MAX}`,
  },
  AllowSimpleDevicePassword: boolean,
  // unsignedIntOrEmpty, days; 0 = never expires.
  DevicePasswordExpiration: {
    schema: intIn(0, UINT32_MAX).nullable(),
    expect: `null (never expires) or a number of days from 0 to ${UINT32_MAX}`,
  },
  // unsignedInt in the schema; 0..50 is Exchange's PasswordHistory range.
  DevicePasswordHistory: { schema: intIn(0, 50), expect: 'an integer from 0 to 50' },
  AllowStorageCard: boolean,
  AllowCamera: boolean,
  RequireDeviceEncryption: boolean,
  AllowUnsignedApplications: boolean,
  AllowUnsignedInstallationPackages: boolean,
  // unsignedByte, 1..4 character groups.
  MinDevicePasswordComplexCharacters: { schema: intIn(1, 4), expect: 'an integer from 1 to 4' },
  AllowWiFi: boolean,
  AllowTextMessaging: boolean,
  AllowPOPIMAPEmail: boolean,
  AllowBluetooth: { schema: z.literal([0, 1, 2]), expect: enumExpect('AllowBluetooth') },
  AllowIrDA: boolean,
  RequireManualSyncWhenRoaming: boolean,
  AllowDesktopSync: boolean,
  MaxCalendarAgeFilter: { schema: z.literal([0, 4, 5, 6, 7]), expect: enumExpect('MaxCalendarAgeFilter') },
  AllowHTMLEmail: boolean,
  MaxEmailAgeFilter: { schema: z.literal([0, 1, 2, 3, 4, 5]), expect: enumExpect('MaxEmailAgeFilter') },
  // xs:integer: -1 = no truncation, 0 = headers only, > 0 = truncate. Capped at int32 (storage).
  MaxEmailBodyTruncationSize: {
    schema: intIn(-1, INT32_MAX),
    expect: `-1 (unlimited) or an integer from 0 to ${INT32_MAX}`,
  },
  MaxEmailHTMLBodyTruncationSize: {
    schema: intIn(-1, INT32_MAX),
    expect: `-1 (unlimited) or an integer from 0 to ${INT32_MAX}`,
  },
  RequireSignedSMIMEMessages: boolean,
  RequireEncryptedSMIMEMessages: boolean,
  RequireSignedSMIMEAlgorithm: {
    schema: z.literal([0, 1]),
    expect: enumExpect('RequireSignedSMIMEAlgorithm'),
  },
  RequireEncryptionSMIMEAlgorithm: {
    schema: z.literal([0, 1, 2, 3, 4]),
    expect: enumExpect('RequireEncryptionSMIMEAlgorithm'),
  },
  AllowSMIMEEncryptionAlgorithmNegotiation: {
    schema: z.literal([0, 1, 2]),
    expect: enumExpect('AllowSMIMEEncryptionAlgorithmNegotiation'),
  },
  AllowSMIMESoftCerts: boolean,
  AllowBrowser: boolean,
  AllowConsumerEmail: boolean,
  AllowRemoteDesktop: boolean,
  AllowInternetSharing: boolean,
  UnapprovedInROMApplicationList: {
    schema: z.array(z.string().regex(APPLICATION_NAME)),
    expect: 'an array of application names',
  },
  ApprovedApplicationList: {
    schema: z.array(z.string().regex(SHA1_HEX)),
    expect: 'an array of SHA-1 hashes (40 hex digits each)',
  },
} satisfies { [K in keyof PolicySettings]: Rule<PolicySettings[K]> };

const OPTION_RULES = {
  allowNonProvisionableDevices: boolean,
  refreshIntervalSeconds: {
    schema: intIn(MIN_REFRESH_INTERVAL_SECONDS, INT32_MAX).nullable(),
    expect: `null (never) or a number of seconds from ${MIN_REFRESH_INTERVAL_SECONDS} to ${INT32_MAX}`,
  },
  allowPartialCompliance: boolean,
  allowExternallyManaged: boolean,
} satisfies { [K in keyof PolicyServerOptions]: Rule<PolicyServerOptions[K]> };

const RULES: Readonly<Record<string, Rule<unknown>>> = { ...SETTING_RULES, ...OPTION_RULES };
const ITEM_EXPECT: Readonly<Record<string, string>> = {
  UnapprovedInROMApplicationList: APPLICATION_NAME_EXPECT,
  ApprovedApplicationList: SHA1_EXPECT,
};

function shapeOf<R extends Record<string, { schema: z.ZodType }>>(
  rules: R,
): { [K in keyof R]: R[K]['schema'] } {
  return Object.fromEntries(Object.entries(rules).map(([k, r]) => [k, r.schema])) as {
    [K in keyof R]: R[K]['schema'];
  };
}

/** A complete PolicySettings object; unknown keys are refused. */
export const PolicySettingsSchema = z.strictObject(shapeOf(SETTING_RULES));
/** A complete PolicyServerOptions object; unknown keys are refused. */
export const PolicyServerOptionsSchema = z.strictObject(shapeOf(OPTION_RULES));
/** Any subset of settings and options; unknown keys are refused. */
export const PolicyPatchSchema = z
  .strictObject({ ...shapeOf(SETTING_RULES), ...shapeOf(OPTION_RULES) })
  .partial();

// Compile-time checks that the schemas produce exactly the declared types.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _settingsMatch: Same<z.infer<typeof PolicySettingsSchema>, PolicySettings> = true;
const _optionsMatch: Same<z.infer<typeof PolicyServerOptionsSchema>, PolicyServerOptions> = true;

const ALL_NAMES: readonly string[] = [...SETTING_NAMES, ...OPTION_NAMES];
const BY_LOWER_NAME = new Map(ALL_NAMES.map((n) => [n.toLowerCase(), n]));

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const key of path)
    v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

/** Turns zod issues into field-named messages; `expect` texts come from the rules, not from zod. */
function toIssues(error: z.ZodError, input: unknown): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  for (const issue of error.issues) {
    const [field, index] = issue.path;
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const near = BY_LOWER_NAME.get(key.toLowerCase());
        issues.push({
          field: key,
          message: near
            ? `unknown field; did you mean "${near}"?`
            : `unknown field; valid fields: ${ALL_NAMES.join(', ')}`,
        });
      }
    } else if (typeof field !== 'string') {
      issues.push({ field: '', message: `expected an object, got ${show(input)}` });
    } else if (typeof index === 'number') {
      issues.push({
        field: `${field}[${index}]`,
        message: `expected ${ITEM_EXPECT[field] ?? 'a valid item'}, got ${show(valueAt(input, issue.path))}`,
      });
    } else {
      const value = valueAt(input, issue.path);
      const expect = RULES[field]?.expect ?? issue.message;
      issues.push({
        field,
        message:
          value === undefined ? `missing; expected ${expect}` : `expected ${expect}, got ${show(value)}`,
      });
    }
  }
  return issues;
}

function parseWith<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (!result.success) throw new PolicyValidationError(toIssues(result.error, input));
  return result.data;
}

/** Validates a complete settings object (e.g. read back from storage). Throws PolicyValidationError. */
export function parsePolicySettings(input: unknown): PolicySettings {
  return parseWith(PolicySettingsSchema, input);
}

/** Validates a complete options object. Throws PolicyValidationError. */
export function parsePolicyServerOptions(input: unknown): PolicyServerOptions {
  return parseWith(PolicyServerOptionsSchema, input);
}

/**
 * Validates a partial update (admin API JSON body). Keys are exact (case-sensitive) names; an
 * unknown key is an error, with a "did you mean" when only the case differs. Keys whose value is
 * `undefined` are dropped. Throws PolicyValidationError listing every problem.
 */
export function parsePolicyPatch(input: unknown): PolicyPatch {
  const patch = parseWith(PolicyPatchSchema, input) as Record<string, unknown>;
  for (const key of Object.keys(patch)) if (patch[key] === undefined) delete patch[key];
  return patch as PolicyPatch;
}

/** Separates a patch into the part sent to devices and the server-side part. */
export function splitPolicyPatch(patch: PolicyPatch): {
  settings: Partial<PolicySettings>;
  options: Partial<PolicyServerOptions>;
} {
  const settings: Record<string, unknown> = {};
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (key in OPTION_KINDS) options[key] = value;
    else settings[key] = value;
  }
  return { settings: settings as Partial<PolicySettings>, options: options as Partial<PolicyServerOptions> };
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on', '$true']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off', '$false']);
/** Words that set a nullable integer to null (Exchange writes "Unlimited"). */
const NULL_WORDS = new Set(['', 'null', 'none', 'unlimited']);
const INTEGER = /^[+-]?\d+$/;

type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

/** Converts one CLI value to the JSON value for its kind; ranges are checked by the schema afterwards. */
function parseCliValue(kind: SettingKind, raw: string, expect: string): Parsed {
  const word = raw.toLowerCase();
  const fail = (hint = ''): Parsed => ({ ok: false, message: `expected ${expect}${hint}, got ${show(raw)}` });
  switch (kind.type) {
    case 'boolean':
      if (TRUE_WORDS.has(word)) return { ok: true, value: true };
      if (FALSE_WORDS.has(word)) return { ok: true, value: false };
      return fail(' (true/false, yes/no, 1/0)');
    case 'integer':
      if (kind.nullable && NULL_WORDS.has(word)) return { ok: true, value: null };
      if (kind.unlimited !== undefined && word === 'unlimited') return { ok: true, value: kind.unlimited };
      if (INTEGER.test(raw)) return { ok: true, value: Number(raw) };
      return fail(kind.nullable ? ' (an empty value or "unlimited" means null)' : '');
    case 'enum': {
      if (INTEGER.test(raw)) return { ok: true, value: Number(raw) };
      const match = Object.entries(kind.names).find(([label]) => label.toLowerCase() === word);
      return match ? { ok: true, value: match[1] } : fail();
    }
    case 'list':
      return { ok: true, value: raw === '' ? [] : raw.split(',').map((item) => item.trim()) };
  }
}

function kindOf(name: string): SettingKind {
  return name in OPTION_KINDS
    ? OPTION_KINDS[name as keyof PolicyServerOptions]
    : SETTING_SPECS[name as keyof PolicySettings].kind;
}

/**
 * Parses CLI assignments such as `DevicePasswordEnabled=true`, `MinDevicePasswordLength=6`,
 * `MaxInactivityTimeDeviceLock=` (empty, `null`, `none` or `unlimited` = null),
 * `ApprovedApplicationList=hash1,hash2` (empty = []), `AllowBluetooth=HandsfreeOnly` (Exchange's
 * names or the numbers), `MaxEmailBodyTruncationSize=unlimited` (-1), `allowNonProvisionableDevices=false`.
 * Keys are case-insensitive and returned in their canonical spelling; keys and values are trimmed.
 * Application names containing commas cannot be written this way (use the admin API).
 * Throws PolicyValidationError listing every bad pair.
 */
export function parseSettingAssignments(pairs: readonly string[]): PolicyPatch {
  const issues: PolicyIssue[] = [];
  const patch: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 0) {
      issues.push({ field: pair.trim(), message: `expected Name=value, got ${show(pair)}` });
      continue;
    }
    const key = pair.slice(0, eq).trim();
    const raw = pair.slice(eq + 1).trim();
    const name = BY_LOWER_NAME.get(key.toLowerCase());
    if (name === undefined) {
      issues.push({ field: key, message: `unknown setting; valid settings: ${ALL_NAMES.join(', ')}` });
      continue;
    }
    if (name in patch) {
      issues.push({ field: name, message: 'given more than once' });
      continue;
    }
    const parsed = parseCliValue(kindOf(name), raw, RULES[name]?.expect ?? 'a valid value');
    if (parsed.ok) patch[name] = parsed.value;
    else issues.push({ field: name, message: parsed.message });
  }
  const result = PolicyPatchSchema.safeParse(patch);
  if (!result.success) issues.push(...toIssues(result.error, patch));
  if (issues.length > 0) throw new PolicyValidationError(issues);
  return patch as PolicyPatch;
}
