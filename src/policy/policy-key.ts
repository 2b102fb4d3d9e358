// Policy keys: generation and format check. Storing and comparing keys against a device record is
// the caller's job (see needsReprovision in compliance.ts).
import { randomInt } from 'node:crypto';

const UINT32_MAX = 4_294_967_295;
const DECIMAL_UINT32 = /^(?:0|[1-9]\d{0,9})$/;

/**
 * A new policy key: a crypto-random unsigned 32-bit integer in decimal, 1..4294967295.
 * [MS-ASPROV] 2.2.2.42: PolicyKey is a string of at most 64 characters that SHOULD be the decimal
 * form of an unsigned 32-bit integer (what Exchange sends, and what fits the base64 query's 4-byte
 * field). Never '0': that is what an unprovisioned client sends.
 */
export function newPolicyKey(): string {
  return String(randomInt(1, UINT32_MAX + 1)); // max is exclusive
}

/** True for the decimal form of a uint32 without leading zeros ('0' included: the unprovisioned key). */
export function isValidPolicyKeyFormat(s: string): boolean {
  return DECIMAL_UINT32.test(s) && Number(s) <= UINT32_MAX;
}

/**
 * True when the client holds no policy: no key, an empty key or '0'. The initial Provision sends no
 * key per [MS-ASPROV] 2.2.2.42 but `X-MS-PolicyKey: 0` in the 4.1.2 example; both mean the same
 * (PROTOCOL.md §8 item 8).
 */
export function isUnprovisionedKey(key: string | null | undefined): boolean {
  return key === null || key === undefined || key === '' || key === '0';
}
