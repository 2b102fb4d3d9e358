// Parses an app/OS family and version out of the strings a device reports (User-Agent header,
// DeviceInformation OS). Access rules match on the result, so it must never throw.

export interface AppIdentity {
  family: string;
  version: string | null;
}

const MAX_INPUT = 1024;

/**
 * "Outlook-iOS-Android/1.0" -> {Outlook-iOS-Android, 1.0}; "Apple-iPhone9C1/1602.92" -> {Apple-iPhone9C1, 1602.92};
 * "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.13426; Pro)" -> {Microsoft Office, 16.0};
 * "Android-Mail/2023.10.15.574367440.Release" -> {Android-Mail, 2023.10.15.574367440.Release}.
 * A string without "/" yields the whole (trimmed) string as family and no version.
 */
export function parseUserAgent(ua: string | null | undefined): AppIdentity | null {
  if (!ua) return null;
  const s = ua.slice(0, MAX_INPUT).trim();
  if (!s) return null;
  const slash = s.indexOf('/');
  if (slash <= 0) return { family: s, version: null };
  const family = s.slice(0, slash).trim();
  const rest = s.slice(slash + 1);
  const version = /^[^\s;()]+/.exec(rest)?.[0] ?? null;
  return { family, version };
}

/**
 * DeviceInformation OS strings: "iOS 17.4.1 21E236" -> {iOS, 17.4.1}; "Android 14.0.0" -> {Android, 14.0.0};
 * "Outlook for iOS and Android 1.0" -> {Outlook for iOS and Android, 1.0}; "WINDOWS" -> {WINDOWS, null}.
 */
export function parseOsString(os: string | null | undefined): AppIdentity | null {
  if (!os) return null;
  const s = os.slice(0, MAX_INPUT).trim();
  if (!s) return null;
  const m = /^(.*?)\s+v?(\d+(?:\.\d+)*)(?:\s|$)/.exec(s);
  if (!m || !m[1]) return { family: s, version: null };
  return { family: m[1], version: m[2] ?? null };
}

/** The identity rules match on: the user agent when present, else the OS string. */
export function deviceAppIdentity(userAgent: string | null, os: string | null): AppIdentity | null {
  return parseUserAgent(userAgent) ?? parseOsString(os);
}
