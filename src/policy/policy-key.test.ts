import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isUnprovisionedKey, isValidPolicyKeyFormat, newPolicyKey } from './policy-key.js';

describe('newPolicyKey', () => {
  const N = 5000;
  const keys = Array.from({ length: N }, () => newPolicyKey());

  it('is always a uint32 in decimal, never 0', () => {
    for (const key of keys) {
      assert.match(key, /^[1-9]\d{0,9}$/);
      const n = Number(key);
      assert.ok(n >= 1 && n <= 4294967295, key);
      assert.ok(isValidPolicyKeyFormat(key), key);
    }
  });

  it('uses the whole 32-bit range (not a signed 31-bit one)', () => {
    assert.ok(keys.some((k) => Number(k) > 2 ** 31));
    assert.ok(keys.some((k) => Number(k) < 2 ** 31));
  });

  it('is distinct across many calls', () => {
    // 5000 draws from 2^32 values: ~0.003 expected collisions; 3 or more has odds of ~1e-8.
    assert.ok(new Set(keys).size >= N - 2);
  });
});

describe('isValidPolicyKeyFormat', () => {
  const CASES: Array<[string, boolean]> = [
    ['0', true],
    ['1', true],
    ['1307199584', true],
    ['3942919513', true],
    ['4294967295', true],
    ['4294967296', false],
    ['9999999999', false],
    ['12345678901', false],
    ['01', false],
    ['00', false],
    ['', false],
    ['-1', false],
    ['+1', false],
    [' 1', false],
    ['1 ', false],
    ['1.0', false],
    ['1e3', false],
    ['0x10', false],
    ['abc', false],
  ];
  for (const [input, expected] of CASES) {
    it(`${JSON.stringify(input)} -> ${expected}`, () => {
      assert.equal(isValidPolicyKeyFormat(input), expected);
    });
  }
});

describe('isUnprovisionedKey', () => {
  const CASES: Array<[string | null | undefined, boolean]> = [
    [null, true],
    [undefined, true],
    ['', true],
    ['0', true],
    ['1', false],
    ['3942919513', false],
  ];
  for (const [input, expected] of CASES) {
    it(`${JSON.stringify(input) ?? 'undefined'} -> ${expected}`, () => {
      assert.equal(isUnprovisionedKey(input), expected);
    });
  }
});
