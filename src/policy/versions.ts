// Protocol versions as the policy module sees them. Mirrors ProtocolVersion in src/eas/types.ts,
// which policy must not import (eslint.config.js layer rule); the two unions are identical.

/** Versions this server speaks ([MS-ASHTTP] 2.2.1.1.2.6). */
export const POLICY_PROTOCOL_VERSIONS = ['12.1', '14.0', '14.1', '16.0', '16.1'] as const;
export type ProtocolVersion = (typeof POLICY_PROTOCOL_VERSIONS)[number];

/** Versions that appear in the spec's "Protocol Versions" tables; 2.5 and 12.0 are not served. */
export type SpecVersion = '2.5' | '12.0' | ProtocolVersion;

/** Negative if a < b, 0 if equal, positive if a > b ("12.1" < "14.0" < "16.1"). */
export function compareVersions(a: SpecVersion, b: SpecVersion): number {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
  return aMajor !== bMajor ? aMajor - bMajor : aMinor - bMinor;
}
