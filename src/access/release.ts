// Quarantine release conditions (beyond Exchange): a quarantine that lifts itself once the device reports
// a good enough app or OS version, or applies the policy in full. Pure; the caller re-checks on each request.
import { parseOsString, parseUserAgent } from '../devices/user-agent.js';
import { quote, showVersion } from './text.js';
import type { DeviceFacts, ReleaseCondition } from './types.js';
import { parseRange, parseVersion, satisfies } from './version.js';

export type ParseReleaseConditionResult =
  { ok: true; condition: ReleaseCondition } | { ok: false; error: string };

/**
 * Whether the device now meets the condition. appVersion reads the version from the User-Agent
 * ("Outlook-iOS-Android/1.0.4"), osVersion from DeviceOS ("iOS 17.4.1 21E236"). A missing or unparseable
 * version, or a broken range, never meets a condition. Never throws.
 */
export function releaseConditionMet(
  cond: ReleaseCondition,
  device: DeviceFacts,
): { met: boolean; detail: string } {
  if (cond.kind === 'policyAppliedInFull') {
    const met = device.policyStatus === 'AppliedInFull';
    return { met, detail: `policy status is ${device.policyStatus}${met ? '' : ', not AppliedInFull'}` };
  }
  const parsed = parseRange(cond.range);
  if (!parsed.ok) return { met: false, detail: `invalid ${cond.kind} range: ${parsed.error}` };
  const range = parsed.range;
  const [label, raw, id] =
    cond.kind === 'appVersion'
      ? (['User-Agent', device.userAgent, parseUserAgent(device.userAgent)] as const)
      : (['DeviceOS', device.os, parseOsString(device.os)] as const);
  if (!raw) return { met: false, detail: `the device reports no ${label}` };
  if (!id?.version) return { met: false, detail: `${label} ${quote(raw)} carries no version` };
  const version = parseVersion(id.version);
  if (!version) return { met: false, detail: `${label} version ${quote(id.version)} is unparseable` };
  const met = satisfies(version, range);
  return {
    met,
    detail: `${label} version ${showVersion(id.version)} is ${met ? '' : 'not '}in ${range.source}`,
  };
}

const KINDS = ['appVersion', 'osVersion', 'policyAppliedInFull'] as const;

/**
 * "appVersion>=1.0.4", "appVersion >=1.0.4 <2", "osVersion>=17", "policyAppliedInFull" (keywords are
 * case-insensitive). The range is checked with parseRange, so errors can go straight back to the admin.
 */
export function parseReleaseCondition(s: string): ParseReleaseConditionResult {
  if (typeof s !== 'string') return { ok: false, error: 'release condition must be a string' };
  const text = s.trim();
  const lower = text.toLowerCase();
  const kind = KINDS.find((k) => lower.startsWith(k.toLowerCase()));
  if (!kind) {
    const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
    return { ok: false, error: `unknown release condition '${shown}': expected ${KINDS.join(', ')}` };
  }
  const rest = text.slice(kind.length).trim();
  if (kind === 'policyAppliedInFull') {
    return rest === ''
      ? { ok: true, condition: { kind } }
      : { ok: false, error: 'policyAppliedInFull takes no range' };
  }
  if (rest === '') return { ok: false, error: `${kind} needs a version range, e.g. ${kind}>=1.0.4` };
  const parsed = parseRange(rest);
  if (!parsed.ok) return { ok: false, error: `${kind}: ${parsed.error}` };
  return { ok: true, condition: { kind, range: parsed.range.source } };
}

/** The inverse of parseReleaseCondition, for the CLI and API: "appVersion>=1.0.4". */
export function formatReleaseCondition(cond: ReleaseCondition): string {
  if (cond.kind === 'policyAppliedInFull') return cond.kind;
  return /^[<>=]/.test(cond.range) ? `${cond.kind}${cond.range}` : `${cond.kind} ${cond.range}`;
}
