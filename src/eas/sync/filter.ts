// FilterType windows for email ([MS-ASCMD] FilterType in Sync Options): how far back a collection reaches, clamped
// by the policy's MaxEmailAgeFilter ([MS-ASPROV] MaxEmailAgeFilter), as Exchange does.

/** 0 all, 1 one day, 2 three days, 3 one week, 4 two weeks, 5 one month, 6 three months, 7 six months. */
export type EmailFilterType = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;

const DAYS: Record<number, number> = { 1: 1, 2: 3, 3: 7, 4: 14 };
const MONTHS: Record<number, number> = { 5: 1, 6: 3, 7: 6 };

/** A FilterType valid for email, or null (8 = incomplete tasks, and anything else, is not). */
export function parseFilterType(value: string | null): EmailFilterType | null {
  if (value === null || !/^[0-7]$/.test(value.trim())) return null;
  return Number(value.trim()) as EmailFilterType;
}

/**
 * The filter in force: the device's, narrowed to the policy's maximum. A larger value is a wider
 * window, and 0 (all) is the widest, so "no more than the policy" is min() with 0 meaning "none".
 * A device asking for nothing gets the policy's maximum.
 */
export function effectiveFilter(requested: EmailFilterType | null, policyMax: number): EmailFilterType {
  const max =
    Number.isInteger(policyMax) && policyMax > 0 && policyMax <= 7 ? (policyMax as EmailFilterType) : 0;
  const want = requested ?? 0;
  if (max === 0) return want;
  if (want === 0) return max;
  return Math.min(want, max) as EmailFilterType;
}

/** Where the window starts (messages received at or after it), or null for all. Months are calendar months (UTC). */
export function windowStart(filter: EmailFilterType, now: Date): Date | null {
  const days = DAYS[filter];
  if (days !== undefined) return new Date(now.getTime() - days * 86_400_000);
  const months = MONTHS[filter];
  if (months !== undefined) {
    const d = new Date(now);
    d.setUTCMonth(d.getUTCMonth() - months);
    return d;
  }
  return null;
}
