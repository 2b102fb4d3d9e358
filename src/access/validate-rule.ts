// Checks an admin's device access rule before it is saved: the messages go back to the API and CLI as
// they are. compileRules is more lenient (it only drops what cannot match); this is the strict gate.
import { parseOsString } from '../devices/user-agent.js';
import type { AccessLevel, Characteristic } from './types.js';
import { parseRange } from './version.js';

export const CHARACTERISTICS: readonly Characteristic[] = [
  'DeviceType',
  'DeviceModel',
  'DeviceOS',
  'UserAgent',
];
export const ACCESS_LEVELS: readonly AccessLevel[] = ['Allow', 'Block', 'Quarantine'];
/** Longest query string accepted; the user-agent parser looks at 1024 characters too. */
export const MAX_QUERY_STRING = 1024;

/** Admin input for a rule; fields are unknown because they come from JSON or the CLI. */
export interface RuleInput {
  name?: unknown;
  characteristic?: unknown;
  queryString?: unknown;
  versionRange?: unknown;
  accessLevel?: unknown;
}

/** Problems with a rule an admin wants to save; empty when it is fine. Never throws. */
export function validateRule(input: RuleInput): string[] {
  const errors: string[] = [];
  const { characteristic: c, queryString: q, versionRange: vr, accessLevel: level } = input;
  // Exchange also has XMSWLHeader (the X-MS-WL header); undocumented, so not supported here.
  if (c === 'XMSWLHeader') errors.push("characteristic 'XMSWLHeader' is not supported");
  else if (!CHARACTERISTICS.includes(c as Characteristic)) {
    errors.push(`characteristic must be one of ${CHARACTERISTICS.join(', ')}`);
  }
  if (!ACCESS_LEVELS.includes(level as AccessLevel))
    errors.push(`access level must be one of ${ACCESS_LEVELS.join(', ')}`);
  if (input.name !== undefined && (typeof input.name !== 'string' || input.name.trim() === '')) {
    errors.push('name must be a non-empty string');
  }
  const hasRange = vr !== undefined && vr !== null;
  if (typeof q !== 'string' || q.trim() === '') errors.push('query string is empty');
  else if (q.length > MAX_QUERY_STRING)
    errors.push(`query string is longer than ${MAX_QUERY_STRING} characters`);
  // eslint-disable-next-line no-control-regex -- rejecting control characters is the point
  else if (/[\u0000-\u001f\u007f]/.test(q)) errors.push('query string contains control characters');
  else if (q !== q.trim()) {
    // The whole string is compared, so a pasted trailing space would make the rule silently never match.
    errors.push('query string has leading or trailing spaces; it is compared as a whole string');
  } else if (hasRange && c === 'UserAgent' && q.includes('/')) {
    errors.push(`a UserAgent version rule names the family before '/', e.g. '${q.split('/')[0] ?? ''}'`);
  } else if (hasRange && (c === 'DeviceOS' || c === 'DeviceModel') && parseOsString(q)?.version) {
    errors.push(
      `a ${c} version rule names the family without a version, e.g. '${parseOsString(q)?.family ?? ''}'`,
    );
  }
  if (hasRange) {
    if (typeof vr !== 'string') errors.push('version range must be a string or null');
    else if (c === 'DeviceType')
      errors.push('DeviceType rules cannot have a version range (a DeviceType carries no version)');
    else {
      const parsed = parseRange(vr);
      if (!parsed.ok) errors.push(`version range: ${parsed.error}`);
    }
  }
  return errors;
}
