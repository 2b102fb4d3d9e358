// Version strings as devices report them ("1602.92", "2023.10.15.574367440.Release", "iOS 17.4.1") and
// the range syntax of version rules ("<1.0.4", ">=1.0.4 <2", "=16.0 || >=17"). Not semver: no pre-releases.

/** A parsed version: the numeric segments of the first dotted-number run in the string. */
export interface Version {
  /** Numeric segments, e.g. [16, 0, 13426]. Compared numerically; missing segments count as 0. */
  parts: readonly number[];
  /**
   * Text after the numeric run (".Release", " 21E236", "-beta"), kept for display only. It never takes part
   * in comparisons: device strings put build tags and channel names there, not semver pre-release markers.
   */
  suffix: string;
  /** The numeric run as found, e.g. "16.0.13426". */
  text: string;
}

export type ComparatorOp = '<' | '<=' | '>' | '>=' | '=';

export interface Comparator {
  op: ComparatorOp;
  version: Version;
}

/** OR of AND-sets: "=16.0 || >=17 <18" is [[=16.0], [>=17, <18]]. */
export interface VersionRange {
  /** The range as written, trimmed; used in explanations. */
  source: string;
  anyOf: ReadonlyArray<readonly Comparator[]>;
}

export type ParseRangeResult = { ok: true; range: VersionRange } | { ok: false; error: string };

/** Longer strings are cut before scanning; a version never needs more (parseUserAgent cuts at 1024 too). */
const MAX_VERSION_INPUT = 1024;
/** A segment of more than 15 digits would lose precision as a JS number; such a string is unparseable. */
const MAX_SEGMENT_DIGITS = 15;
/** Real versions have at most 5 or 6 segments; 16 leaves room without letting "1.1.1…" grow without end. */
const MAX_SEGMENTS = 16;
/** Ranges are typed by an admin; anything longer is a mistake or an attack. */
export const MAX_RANGE_LENGTH = 256;

/**
 * The first dotted-number run in `s`: "16.0.13426" -> [16,0,13426]; "v2.3" -> [2,3]; "iOS 17.4.1" -> [17,4,1];
 * "2023.10.15.574367440.Release" -> [2023,10,15,574367440] + suffix ".Release". Null when `s` has no digits
 * or the run is absurd (a segment over 15 digits, more than 16 segments). Never throws.
 */
export function parseVersion(s: string | null | undefined): Version | null {
  if (typeof s !== 'string' || s === '') return null;
  const input = s.length > MAX_VERSION_INPUT ? s.slice(0, MAX_VERSION_INPUT) : s;
  // Hand-rolled scan for \d+(\.\d+)*: this runs for every range-rule family a device hits.
  let i = 0;
  while (i < input.length && !isDigit(input.charCodeAt(i))) i++;
  if (i === input.length) return null;
  const start = i;
  const parts: number[] = [];
  for (;;) {
    const segStart = i;
    let n = 0;
    while (i < input.length && isDigit(input.charCodeAt(i))) n = n * 10 + (input.charCodeAt(i++) - 48);
    if (i - segStart > MAX_SEGMENT_DIGITS || parts.push(n) > MAX_SEGMENTS) return null;
    // Continue only on a dot followed by a digit; "1." ends the run before the dot.
    if (input.charCodeAt(i) !== 46 || !isDigit(input.charCodeAt(i + 1))) break;
    i++;
  }
  return { parts, suffix: input.slice(i).trim(), text: input.slice(start, i) };
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** -1, 0 or 1. Missing segments count as 0, so 1.0 == 1.0.0 and 1.02 == 1.2; the suffix is ignored. */
export function compareVersions(a: Version, b: Version): -1 | 0 | 1 {
  const n = Math.max(a.parts.length, b.parts.length);
  for (let i = 0; i < n; i++) {
    const x = a.parts[i] ?? 0;
    const y = b.parts[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

const OPS: readonly ComparatorOp[] = ['<=', '>=', '<', '>', '='];
/** A version inside a range is strict: optional "v", digits and dots only, no suffix. */
const RANGE_VERSION = /^v?(\d+(?:\.\d+)*)$/;

/**
 * Parses an admin-written range. Comparators `<` `<=` `>` `>=` `=` (a bare version means `=`), whitespace
 * between comparators is AND, `||` is OR. "=16.0" matches 16.0 and 16.0.0 but not 16.0.1 (write ">=16.0 <16.1").
 * Errors name the offending token so the admin API can show them as they are.
 */
export function parseRange(s: string): ParseRangeResult {
  if (typeof s !== 'string') return { ok: false, error: 'version range must be a string' };
  const source = s.trim();
  if (source === '') return { ok: false, error: 'version range is empty' };
  if (source.length > MAX_RANGE_LENGTH) {
    return { ok: false, error: `version range is longer than ${MAX_RANGE_LENGTH} characters` };
  }
  const anyOf: Comparator[][] = [];
  for (const alt of source.split('||')) {
    const set = parseAndSet(alt);
    if (typeof set === 'string') return { ok: false, error: set };
    anyOf.push(set);
  }
  return { ok: true, range: { source, anyOf } };
}

function parseAndSet(alt: string): Comparator[] | string {
  // "< 1.0.4" is accepted: glue a lone operator to the version that follows it.
  const tokens = alt.trim().split(/\s+/).filter(Boolean);
  if (tokens.length === 0) return "empty alternative around '||'";
  const out: Comparator[] = [];
  for (let i = 0; i < tokens.length; i++) {
    let tok = tokens[i] ?? '';
    if ((OPS as readonly string[]).includes(tok)) {
      const next = tokens[i + 1];
      if (next === undefined) return `operator '${tok}' is not followed by a version`;
      tok += next;
      i++;
    }
    const c = parseComparator(tok);
    if (typeof c === 'string') return c;
    out.push(c);
  }
  return out;
}

function parseComparator(tok: string): Comparator | string {
  const op = OPS.find((o) => tok.startsWith(o)) ?? '=';
  const rest = tok.slice(tok.startsWith(op) ? op.length : 0);
  const m = RANGE_VERSION.exec(rest);
  if (!m?.[1]) {
    const shown = tok.length > 40 ? `${tok.slice(0, 40)}…` : tok;
    return `'${shown}' is not a comparator: expected <, <=, >, >= or = followed by a version such as 1.0.4`;
  }
  const version = parseVersion(m[1]);
  if (!version || version.text !== m[1]) {
    return `version '${m[1].slice(0, 40)}' is out of bounds (at most ${MAX_SEGMENTS} segments of ${MAX_SEGMENT_DIGITS} digits)`;
  }
  return { op, version };
}

/** Whether `version` is in `range`. An unparseable (null) version never satisfies any range. */
export function satisfies(version: Version | null, range: VersionRange): boolean {
  if (!version) return false;
  // Plain loops: this runs for every range rule of a family a device hits.
  outer: for (const set of range.anyOf) {
    for (const c of set) if (!test(version, c)) continue outer;
    return true;
  }
  return false;
}

function test(v: Version, c: Comparator): boolean {
  const r = compareVersions(v, c.version);
  switch (c.op) {
    case '<':
      return r < 0;
    case '<=':
      return r <= 0;
    case '>':
      return r > 0;
    case '>=':
      return r >= 0;
    case '=':
      return r === 0;
  }
}
