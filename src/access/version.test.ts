import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Version } from './version.js';
import { compareVersions, parseRange, parseVersion, satisfies } from './version.js';

const v = (s: string): Version => {
  const p = parseVersion(s);
  assert.ok(p, `parseVersion(${s})`);
  return p;
};

test('parseVersion: strings devices report', () => {
  const cases: Array<[string, number[] | null, string]> = [
    ['1.0', [1, 0], ''],
    ['16.0.13426', [16, 0, 13426], ''],
    ['1602.92', [1602, 92], ''],
    ['2023.10.15.574367440.Release', [2023, 10, 15, 574367440], '.Release'],
    ['17.4.1', [17, 4, 1], ''],
    ['v2.3', [2, 3], ''],
    ['iOS 17.4.1', [17, 4, 1], ''],
    ['iOS 17.4.1 21E236', [17, 4, 1], '21E236'],
    ['1.0.4-beta', [1, 0, 4], '-beta'],
    ['17', [17], ''],
    ['1.02', [1, 2], ''],
    ['1.', [1], '.'],
    ['abc', null, ''],
    ['', null, ''],
    ['..', null, ''],
    ['1'.repeat(16), null, ''], // 16 digits: beyond exact JS numbers
    [Array(17).fill('1').join('.'), null, ''], // 17 segments
  ];
  for (const [input, parts, suffix] of cases) {
    const got = parseVersion(input);
    if (parts === null) assert.equal(got, null, input);
    else {
      assert.deepEqual(got?.parts, parts, input);
      assert.equal(got?.suffix, suffix, input);
    }
  }
  assert.equal(parseVersion(null), null);
  assert.equal(parseVersion(undefined), null);
  assert.deepEqual(parseVersion('1'.repeat(15))?.parts, [111111111111111]);
});

test('compareVersions: missing segments are 0, suffix ignored', () => {
  const cases: Array<[string, string, -1 | 0 | 1]> = [
    ['1.0', '1.0.0', 0],
    ['1.0', '1', 0],
    ['1.0.3', '1.0.4', -1],
    ['1.0.10', '1.0.9', 1],
    ['16.0.13426', '16.0', 1],
    ['16.0.13426', '16.1', -1],
    ['1602.92', '1602.100', -1],
    ['2023.10.15.574367440.Release', '2023.10.15.574367440', 0],
    ['1.0.4-beta', '1.0.4', 0],
    ['v2.3', '2.3.0.0', 0],
    ['999999999999999', '999999999999998', 1],
  ];
  for (const [a, b, want] of cases) {
    assert.equal(compareVersions(v(a), v(b)), want, `${a} vs ${b}`);
    assert.equal(compareVersions(v(b), v(a)), -want || 0, `${b} vs ${a}`);
  }
});

test('parseRange + satisfies: table', () => {
  const cases: Array<[string, string, boolean]> = [
    ['<1.0.4', '1.0.3', true],
    ['<1.0.4', '1.0.4', false],
    ['<1.0.4', '1.0.4.0', false],
    ['<=1.0.4', '1.0.4', true],
    ['>1.0.4', '1.0.4.1', true],
    ['>=1.0.4', '1.0.4', true],
    ['>=1.0.4', '1.0', false],
    ['=1.0', '1.0.0', true],
    ['1.0', '1.0.0', true],
    ['=16.0', '16.0.13426', false],
    ['>=1.0.4 <2', '1.9.99', true],
    ['>=1.0.4 <2', '2.0', false],
    ['=16.0 || >=17', '16.0', true],
    ['=16.0 || >=17', '16.5', false],
    ['=16.0 || >=17', '17.0.1', true],
    ['< 1.0.4', '1.0.3', true],
    ['>=v2.3', '2.3', true],
    ['>=1.0.4||<0.5', '0.4', true],
    ['>2 <1', '1.5', false],
  ];
  for (const [range, version, want] of cases) {
    const r = parseRange(range);
    assert.ok(r.ok, `${range}: ${r.ok ? '' : r.error}`);
    assert.equal(satisfies(v(version), r.range), want, `${version} in ${range}`);
  }
});

test('satisfies: an unparseable version never satisfies, not even a catch-all range', () => {
  for (const range of ['>=0', '<999999', '>=0 || <1']) {
    const r = parseRange(range);
    assert.ok(r.ok);
    assert.equal(satisfies(parseVersion('abc'), r.range), false, range);
    assert.equal(satisfies(null, r.range), false, range);
  }
});

test('parseRange: malformed ranges are rejected with a message', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /empty/],
    ['   ', /empty/],
    ['<', /not followed by a version/],
    ['>= ', /not followed by a version/],
    ['=> 1.0', /not a comparator/],
    ['~1.2', /not a comparator/],
    ['^1.2', /not a comparator/],
    ['1.x', /not a comparator/],
    ['1.0.4-beta', /not a comparator/],
    ['<1..2', /not a comparator/],
    ['<<1', /not a comparator/],
    ['1.0 ||', /empty alternative/],
    ['|| 1.0', /empty alternative/],
    ['1 | 2', /not a comparator/],
    ['<' + '1'.repeat(16), /out of bounds/],
    ['<1' + '.1'.repeat(20), /out of bounds/],
    ['>=1 '.repeat(100), /longer than 256/],
    ['<1.0\u0000', /not a comparator/],
    ['<１.０', /not a comparator/], // full-width digits are not digits here
  ];
  for (const [range, want] of cases) {
    const r = parseRange(range);
    assert.equal(r.ok, false, range);
    if (!r.ok) assert.match(r.error, want, range);
  }
  assert.equal(parseRange(42 as unknown as string).ok, false);
});

test('hostile version strings never throw', () => {
  const inputs = [
    '9'.repeat(10_000),
    '1.'.repeat(5_000),
    'a\u0000b 1.2\u0000',
    '\u202e1.2.3',
    '１.２.３',
    '🙂 1.2 🙂',
    '\ud800',
    '1' + '.0'.repeat(15),
  ];
  for (const s of inputs) {
    const p = parseVersion(s);
    const r = parseRange(s);
    if (p) for (const x of p.parts) assert.ok(Number.isSafeInteger(x), s.slice(0, 20));
    if (r.ok) satisfies(p, r.range);
  }
  assert.deepEqual(parseVersion('a\u0000b 1.2\u0000')?.parts, [1, 2]);
  assert.deepEqual(parseVersion('1' + '.0'.repeat(15))?.parts.length, 16);
});
