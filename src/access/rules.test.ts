import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bestRuleMatch,
  compileRules,
  explainRuleMatches,
  identityFor,
  matchRules,
  validateRule,
} from './rules.js';
import type { AccessLevel, AccessRule, Characteristic, DeviceFacts } from './types.js';

const T0 = new Date('2025-01-01T00:00:00Z');

function rule(
  id: string,
  characteristic: Characteristic,
  queryString: string,
  accessLevel: AccessLevel,
  versionRange: string | null = null,
): AccessRule {
  return {
    id,
    name: id,
    characteristic,
    queryString,
    versionRange,
    accessLevel,
    createdAt: T0,
    updatedAt: T0,
  };
}

const phone: DeviceFacts = {
  deviceId: 'D1',
  deviceType: 'iPhone',
  model: 'iPhone14C2',
  os: 'iOS 17.4.1 21E236',
  userAgent: 'Apple-iPhone14C2/2102.92',
  policyStatus: 'AppliedInFull',
  nonProvisionable: false,
};

test('compileRules: exact and range rules are indexed apart; broken rules are listed, not thrown', () => {
  const index = compileRules([
    rule('t', 'DeviceType', 'iPhone', 'Allow'),
    rule('ua', 'UserAgent', 'Apple-iPhone14C2', 'Block', '<2000'),
    rule('bad-range', 'UserAgent', 'Apple-iPhone14C2', 'Block', '>>1'),
    rule('type-range', 'DeviceType', 'iPhone', 'Block', '>1'),
    rule('empty', 'DeviceOS', '', 'Block'),
    { ...rule('xms', 'DeviceType', 'x', 'Block'), characteristic: 'XMSWLHeader' as Characteristic },
    { ...rule('lvl', 'DeviceType', 'x', 'Block'), accessLevel: 'Deny' as AccessLevel },
  ]);
  assert.equal(index.size, 2);
  assert.deepEqual(
    index.invalid.map((x) => x.rule.id),
    ['bad-range', 'type-range', 'empty', 'xms', 'lvl'],
  );
  assert.match(index.invalid[0]?.error ?? '', /not a comparator/);
});

test('matchRules: every characteristic, exact and range, most decisive first', () => {
  const index = compileRules([
    rule('a-type', 'DeviceType', 'IPHONE', 'Allow'),
    rule('q-model', 'DeviceModel', 'iPhone14C2', 'Quarantine'),
    rule('b-os-range', 'DeviceOS', 'ios', 'Block', '>=17 <18'),
    rule('b-ua', 'UserAgent', 'Apple-iPhone14C2/2102.92', 'Block'),
    rule('a-ua-range', 'UserAgent', 'apple-iphone14c2', 'Allow', '>=2102'),
    rule('miss', 'UserAgent', 'Apple-iPhone14C2', 'Block', '<2000'),
    rule('other', 'DeviceType', 'Android', 'Block'),
  ]);
  const got = matchRules(index, phone);
  assert.deepEqual(
    got.map((m) => m.rule.id),
    ['b-ua', 'b-os-range', 'q-model', 'a-type', 'a-ua-range'],
  );
  assert.match(got[1]?.detail ?? '', /^DeviceOS 'iOS 17.4.1 21E236': version 17.4.1 is in >=17 <18$/);
  const report = explainRuleMatches(index, phone);
  assert.deepEqual(report.misses, ["rule 'miss': UserAgent version 2102.92 is not in <2000"]);
  assert.deepEqual(report.unparseable, []);
});

test('explainRuleMatches: many misses are summarised', () => {
  const rules = Array.from({ length: 25 }, (_, i) =>
    rule(`r${i}`, 'UserAgent', 'Android-Mail', 'Block', `<1.${i}`),
  );
  const report = explainRuleMatches(compileRules(rules), {
    ...phone,
    userAgent: 'Android-Mail/2023.10.15.574367440.Release',
  });
  assert.equal(report.matches.length, 0);
  assert.equal(report.misses.length, 6);
  assert.match(report.misses[0] ?? '', /version 2023\.10\.15\.574367440\.Release is not in/);
  assert.match(report.misses[5] ?? '', /and 20 more/);
});

test('identityFor: family/version per characteristic', () => {
  assert.deepEqual(identityFor('UserAgent', 'Outlook-iOS-Android/1.0'), {
    family: 'Outlook-iOS-Android',
    version: '1.0',
  });
  assert.deepEqual(identityFor('DeviceOS', 'Android 14.0.0'), { family: 'Android', version: '14.0.0' });
  assert.deepEqual(identityFor('DeviceModel', 'Pixel 7'), { family: 'Pixel', version: '7' });
  assert.deepEqual(identityFor('DeviceModel', 'SM-G991B'), { family: 'SM-G991B', version: null });
  assert.equal(identityFor('DeviceType', 'iPhone'), null);
});

test('validateRule: admin input', () => {
  const ok = {
    name: 'x',
    characteristic: 'UserAgent',
    queryString: 'Outlook-iOS-Android',
    accessLevel: 'Block',
  };
  const cases: Array<[Record<string, unknown>, RegExp | null]> = [
    [ok, null],
    [{ ...ok, versionRange: '<1.0.4' }, null],
    [{ ...ok, versionRange: null }, null],
    [{ ...ok, characteristic: 'DeviceOS', queryString: 'iOS 6.1 10B145' }, null],
    [{ ...ok, characteristic: 'DeviceOS', queryString: 'iOS', versionRange: '>=17' }, null],
    [{ ...ok, queryString: '' }, /query string is empty/],
    [{ ...ok, queryString: '   ' }, /query string is empty/],
    [{ ...ok, queryString: undefined }, /query string is empty/],
    [{ ...ok, queryString: ' iPhone' }, /leading or trailing spaces/],
    [{ ...ok, queryString: 'a\u0000b' }, /control characters/],
    [{ ...ok, queryString: 'x'.repeat(1025) }, /longer than 1024/],
    [{ ...ok, characteristic: 'Colour' }, /characteristic must be one of/],
    [{ ...ok, characteristic: 'XMSWLHeader' }, /not supported/],
    [{ ...ok, accessLevel: 'Deny' }, /access level must be one of/],
    [{ ...ok, name: '' }, /name must be/],
    [{ ...ok, versionRange: '~1' }, /version range: .*not a comparator/],
    [{ ...ok, versionRange: '' }, /version range: version range is empty/],
    [{ ...ok, versionRange: 5 }, /must be a string or null/],
    [
      { ...ok, characteristic: 'DeviceType', queryString: 'iPhone', versionRange: '>1' },
      /DeviceType rules cannot/,
    ],
    [{ ...ok, queryString: 'Outlook-iOS-Android/1.0', versionRange: '<2' }, /family before '\/'/],
    [{ ...ok, characteristic: 'DeviceOS', queryString: 'iOS 17', versionRange: '<18' }, /e\.g\. 'iOS'/],
  ];
  for (const [inputRule, want] of cases) {
    const errors = validateRule(inputRule);
    if (want === null) assert.deepEqual(errors, [], JSON.stringify(inputRule));
    else
      assert.ok(
        errors.some((e) => want.test(e)),
        `${JSON.stringify(inputRule)} -> ${errors.join(' | ')}`,
      );
  }
  assert.equal(validateRule({}).length, 3);
  // Hostile input: errors, never a throw.
  for (const q of ['x'.repeat(10_240), '\u202e', '🙂', '\ud800', 42, null, {}]) {
    assert.ok(Array.isArray(validateRule({ ...ok, queryString: q, versionRange: q })));
  }
});

test('bestRuleMatch agrees with the first of explainRuleMatches on a random population', () => {
  // Seeded LCG: few families, versions and names, so ties at every level are common.
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const levels: AccessLevel[] = ['Allow', 'Block', 'Quarantine'];
  const families = ['App', 'Mail', 'Sync'];
  const rules: AccessRule[] = [];
  for (let i = 0; i < 300; i++) {
    const level = levels[rnd(3)] as AccessLevel;
    const fam = families[rnd(3)] as string;
    const r =
      i % 3 === 0
        ? rule(`e${i}`, 'UserAgent', `${fam}/${rnd(5)}.${rnd(3)}`, level)
        : i % 3 === 1
          ? rule(`r${i}`, 'UserAgent', fam, level, `>=${rnd(5)} <${rnd(6)}`)
          : rule(`o${i}`, 'DeviceOS', 'iOS', level, `=${rnd(5)} || >${rnd(5)}`);
    rules.push({ ...r, name: `n${rnd(4)}` });
  }
  const index = compileRules(rules);
  for (let i = 0; i < 500; i++) {
    const device = {
      ...phone,
      userAgent: `${families[rnd(3)]}/${rnd(5)}.${rnd(3)}`,
      os: `iOS ${rnd(6)}.${rnd(3)}`,
    };
    const all = explainRuleMatches(index, device).matches;
    assert.equal(bestRuleMatch(index, device)?.rule.id, all[0]?.rule.id, JSON.stringify(device));
  }
});
