// Device access rules compiled into lookup maps, and matching a device against them. Pure: the store
// loads the rules, this indexes them; admin input is checked with validateRule before it is saved.
import type { AccessLevel, AccessRule, Characteristic, DeviceFacts } from './types.js';
import type { AppIdentity } from '../devices/user-agent.js';
import { parseOsString, parseUserAgent } from '../devices/user-agent.js';
import { quote, showVersion } from './text.js';
import type { VersionRange } from './version.js';
import { parseRange, parseVersion, satisfies } from './version.js';

import { ACCESS_LEVELS, CHARACTERISTICS } from './validate-rule.js';

export {
  ACCESS_LEVELS,
  CHARACTERISTICS,
  MAX_QUERY_STRING,
  validateRule,
  type RuleInput,
} from './validate-rule.js';

/** A usable rule and its place in the precedence order (see compareMatches), fixed at compile time. */
export interface CompiledRule {
  rule: AccessRule;
  /** 0 Block, 1 Quarantine, 2 Allow. */
  level: number;
  /** Position among all compiled rules sorted by level, name, id: a tie-break without string compares. */
  rank: number;
  /** Parsed version range; null for exact rules. */
  range: VersionRange | null;
}

/** Rules ready for matching. Build with compileRules; treat as immutable. */
export interface RuleIndex {
  /** Rules without a version range, by characteristic, then by the lower-cased whole query string. */
  readonly exact: ReadonlyMap<Characteristic, ReadonlyMap<string, readonly CompiledRule[]>>;
  /** Version-range rules, by characteristic, then by the lower-cased family. */
  readonly ranged: ReadonlyMap<Characteristic, ReadonlyMap<string, readonly CompiledRule[]>>;
  /** Rules that could not be compiled (they never match); the admin API should have refused them. */
  readonly invalid: ReadonlyArray<{ rule: AccessRule; error: string }>;
  /** Number of compiled (usable) rules. */
  readonly size: number;
}

/** One matching rule, with what the explanation needs; describeMatch turns it into text. */
export interface RuleMatch {
  rule: AccessRule;
  kind: 'exact' | 'range';
  characteristic: Characteristic;
  /** The device's characteristic string. */
  value: string;
  /** Range rules: the version as the device reported it ("1.0.2"); null for exact rules. */
  version: string | null;
  /** The compiled rule, for ordering. */
  compiled: CompiledRule;
}

export interface RuleMatchReport {
  /** Matching rules, most decisive first (see compareMatches). */
  matches: RuleMatch[];
  /** Range rules whose family matched but whose version did not (at most MAX_NOTES, then a count). */
  misses: string[];
  /** Characteristics whose family has range rules but whose version is missing or unparseable. */
  unparseable: string[];
}

const MAX_NOTES = 5;
const LEVEL_RANK: Record<AccessLevel, number> = { Block: 0, Quarantine: 1, Allow: 2 };

/**
 * Indexes rules. Exact rules compare the whole characteristic string, case-insensitively (Exchange's
 * QueryString is a whole-string match; case is not documented, and AD string matching is case-insensitive,
 * so "iphone" and "iPhone" are one device type here). Never throws: broken rules land in `invalid`.
 */
export function compileRules(rules: readonly AccessRule[]): RuleIndex {
  const usable: Array<{ rule: AccessRule; range: VersionRange | null }> = [];
  const invalid: Array<{ rule: AccessRule; error: string }> = [];
  for (const rule of rules) {
    const error = structuralError(rule);
    if (error) {
      invalid.push({ rule, error });
      continue;
    }
    if (rule.versionRange === null || rule.versionRange === undefined) {
      usable.push({ rule, range: null });
      continue;
    }
    const parsed = parseRange(rule.versionRange);
    if (parsed.ok) usable.push({ rule, range: parsed.range });
    else invalid.push({ rule, error: parsed.error });
  }
  // Ranked once here, so buckets come out sorted and matching compares integers only.
  usable.sort(
    (a, b) => LEVEL_RANK[a.rule.accessLevel] - LEVEL_RANK[b.rule.accessLevel] || byNameId(a.rule, b.rule),
  );
  const exact = new Map<Characteristic, Map<string, CompiledRule[]>>();
  const ranged = new Map<Characteristic, Map<string, CompiledRule[]>>();
  usable.forEach(({ rule, range }, rank) => {
    const compiled: CompiledRule = { rule, level: LEVEL_RANK[rule.accessLevel], rank, range };
    push(range ? ranged : exact, rule.characteristic, rule.queryString.toLowerCase(), compiled);
  });
  return { exact, ranged, invalid, size: usable.length };
}

function push(
  maps: Map<Characteristic, Map<string, CompiledRule[]>>,
  c: Characteristic,
  key: string,
  v: CompiledRule,
) {
  let m = maps.get(c);
  if (!m) maps.set(c, (m = new Map()));
  const list = m.get(key);
  if (list) list.push(v);
  else m.set(key, [v]);
}

/** What makes a rule unusable for matching (as opposed to validateRule's stricter admin-input checks). */
function structuralError(rule: AccessRule): string | null {
  if (!CHARACTERISTICS.includes(rule.characteristic))
    return `unknown characteristic '${String(rule.characteristic)}'`;
  if (!ACCESS_LEVELS.includes(rule.accessLevel)) return `unknown access level '${String(rule.accessLevel)}'`;
  if (typeof rule.queryString !== 'string' || rule.queryString === '') return 'query string is empty';
  if (rule.versionRange !== null && rule.versionRange !== undefined && rule.characteristic === 'DeviceType') {
    return 'DeviceType rules cannot have a version range (a DeviceType carries no version)';
  }
  return null;
}

/** Every rule matching the device, most decisive first, with why it matched. */
export function matchRules(
  index: RuleIndex,
  device: DeviceFacts,
): Array<{ rule: AccessRule; detail: string }> {
  return explainRuleMatches(index, device).matches.map((m) => ({ rule: m.rule, detail: describeMatch(m) }));
}

/**
 * "UserAgent 'Outlook-iOS-Android/1.0.2': version 1.0.2 is in <1.0.4" or "DeviceType 'iPhone' matches 'iPhone'".
 * Built on demand: a device can match dozens of rules and usually only the deciding one is shown.
 */
export function describeMatch(m: RuleMatch): string {
  const { characteristic: c, rule } = m;
  if (m.kind === 'exact') return `${c} ${quote(m.value)} matches ${quote(rule.queryString)}`;
  return `${c} ${quote(m.value)}: version ${showVersion(m.version ?? '')} is in ${m.compiled.range?.source ?? ''}`;
}

/** The characteristic string a rule looks at. */
export function characteristicValue(device: DeviceFacts, c: Characteristic): string | null {
  switch (c) {
    case 'DeviceType':
      return device.deviceType;
    case 'DeviceModel':
      return device.model;
    case 'DeviceOS':
      return device.os;
    case 'UserAgent':
      return device.userAgent;
  }
}

/**
 * Family and version for range rules, parsed from the same characteristic string: UserAgent as
 * "Family/Version" (parseUserAgent); DeviceOS and DeviceModel as "Family Version" (parseOsString), so
 * "iOS 17.4.1 21E236" is iOS 17.4.1 and "Pixel 7" is Pixel 7. DeviceType carries no version (exact only).
 */
export function identityFor(c: Characteristic, value: string): AppIdentity | null {
  if (c === 'UserAgent') return parseUserAgent(value);
  if (c === 'DeviceType') return null;
  return parseOsString(value);
}

/**
 * The deciding rule only (the first of matchRules), without text or sorting: the hot path for the gate and
 * for previews over many devices. Buckets are sorted, so the first hit of each bucket is its best.
 */
export function bestRuleMatch(index: RuleIndex, device: DeviceFacts): RuleMatch | null {
  let best: RuleMatch | null = null;
  for (const c of CHARACTERISTICS) {
    const raw = characteristicValue(device, c);
    if (typeof raw !== 'string' || raw === '') continue;
    const hit = index.exact.get(c)?.get(raw.toLowerCase())?.[0];
    if (hit && (!best || before(hit, 'exact', best))) {
      best = { rule: hit.rule, kind: 'exact', characteristic: c, value: raw, version: null, compiled: hit };
    }
    const byFamily = index.ranged.get(c);
    if (!byFamily) continue;
    const id = identityFor(c, raw);
    const candidates = id?.version ? byFamily.get(id.family.toLowerCase()) : undefined;
    const version = candidates ? parseVersion(id?.version) : null;
    if (!candidates || !version) continue;
    for (const cr of candidates) {
      if (best && !before(cr, 'range', best)) break; // sorted: nothing better follows
      if (cr.range && satisfies(version, cr.range)) {
        best = {
          rule: cr.rule,
          kind: 'range',
          characteristic: c,
          value: raw,
          version: id?.version ?? null,
          compiled: cr,
        };
        break;
      }
    }
  }
  return best;
}

/** Every match plus the near misses the explanation needs. */
export function explainRuleMatches(index: RuleIndex, device: DeviceFacts): RuleMatchReport {
  const matches: RuleMatch[] = [];
  const misses: string[] = [];
  const unparseable: string[] = [];
  let missCount = 0;
  for (const c of CHARACTERISTICS) {
    const raw = characteristicValue(device, c);
    if (typeof raw !== 'string' || raw === '') continue;
    for (const cr of index.exact.get(c)?.get(raw.toLowerCase()) ?? []) {
      matches.push({
        rule: cr.rule,
        kind: 'exact',
        characteristic: c,
        value: raw,
        version: null,
        compiled: cr,
      });
    }
    const byFamily = index.ranged.get(c);
    if (!byFamily) continue;
    const id = identityFor(c, raw);
    const candidates = id ? byFamily.get(id.family.toLowerCase()) : undefined;
    if (!id || !candidates) continue;
    const version = parseVersion(id.version);
    if (!id.version || !version) {
      const why = id.version === null ? 'reports no version' : `version ${quote(id.version)} is unparseable`;
      unparseable.push(`${c} ${quote(raw)}: ${why}: range rules for family ${quote(id.family)} do not match`);
      continue;
    }
    for (const cr of candidates) {
      if (!cr.range) continue;
      if (satisfies(version, cr.range)) {
        matches.push({
          rule: cr.rule,
          kind: 'range',
          characteristic: c,
          value: raw,
          version: id.version,
          compiled: cr,
        });
      } else if (missCount++ < MAX_NOTES) {
        const shown = showVersion(id.version);
        misses.push(`rule ${quote(cr.rule.name)}: ${c} version ${shown} is not in ${cr.range.source}`);
      }
    }
  }
  if (missCount > MAX_NOTES)
    misses.push(`… and ${missCount - MAX_NOTES} more range rules that did not match`);
  if (matches.length > 1) matches.sort(compareMatches);
  return { matches, misses, unparseable };
}

/**
 * Precedence among matching rules: Block > Quarantine > Allow (Exchange: the most restrictive wins, no
 * priorities). Within one level an exact rule comes before a range rule (the admin named that very
 * string), then by name, then by id, so the deciding rule never depends on load order.
 */
export function compareMatches(a: RuleMatch, b: RuleMatch): number {
  const l = a.compiled.level - b.compiled.level;
  if (l !== 0) return l;
  if (a.kind !== b.kind) return a.kind === 'exact' ? -1 : 1;
  return a.compiled.rank - b.compiled.rank;
}

/** Whether a candidate of `kind` would come before the current best match. */
function before(cr: CompiledRule, kind: RuleMatch['kind'], best: RuleMatch): boolean {
  const b = best.compiled;
  if (cr.level !== b.level) return cr.level < b.level;
  if (kind !== best.kind) return kind === 'exact';
  return cr.rank < b.rank;
}

function byNameId(a: AccessRule, b: AccessRule): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return 0;
}
