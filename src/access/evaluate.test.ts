import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeviceAccessStateReason } from '../devices/types.js';
import { decideAccess, evaluateAccess } from './evaluate.js';
import { compileRules } from './rules.js';
import type { AccessInput, AccessLevel, AccessRule, Characteristic, DeviceFacts } from './types.js';

const NOW = new Date('2025-03-01T12:00:00Z');
const T0 = new Date('2025-01-01T00:00:00Z');

function rule(
  id: string,
  characteristic: Characteristic,
  queryString: string,
  accessLevel: AccessLevel,
  versionRange: string | null = null,
  name = `${queryString}${versionRange ? ` ${versionRange}` : ''} (${characteristic})`,
): AccessRule {
  return { id, name, characteristic, queryString, versionRange, accessLevel, createdAt: T0, updatedAt: T0 };
}

function device(over: Partial<DeviceFacts> = {}): DeviceFacts {
  return {
    deviceId: 'ABC123',
    deviceType: 'Outlook',
    model: 'Outlook for iOS and Android',
    os: 'iOS 17.4.1 21E236',
    userAgent: 'Outlook-iOS-Android/1.0.3',
    policyStatus: 'AppliedInFull',
    nonProvisionable: false,
    ...over,
  };
}

function input(over: Partial<AccessInput> = {}, dev: Partial<DeviceFacts> = {}): AccessInput {
  return {
    user: { easEnabled: true, allowedDeviceIds: [], blockedDeviceIds: [] },
    device: device(dev),
    org: { defaultAccessLevel: 'Allow' },
    allowNonProvisionableDevices: false,
    autoblock: null,
    ...over,
  };
}

const user = (over: Partial<AccessInput['user']>): AccessInput['user'] => ({
  easEnabled: true,
  allowedDeviceIds: [],
  blockedDeviceIds: [],
  ...over,
});

// The issue's example: one family, two version rules.
const OUTLOOK = [
  rule('r-old', 'UserAgent', 'Outlook-iOS-Android', 'Block', '<1.0.4', 'Outlook < 1.0.4'),
  rule('r-new', 'UserAgent', 'Outlook-iOS-Android', 'Allow', '>=1.0.4', 'Outlook >= 1.0.4'),
];

interface Case {
  name: string;
  input: AccessInput;
  rules?: AccessRule[];
  state: 'Allowed' | 'Blocked' | 'Quarantined';
  reason: DeviceAccessStateReason;
  rule?: string | null;
  explanation?: RegExp;
  lastStep: string;
}

const cases: Case[] = [
  {
    name: 'EAS disabled for the user beats everything',
    input: input({ user: user({ easEnabled: false, allowedDeviceIds: ['ABC123'] }) }),
    rules: [rule('a', 'DeviceType', 'Outlook', 'Allow')],
    state: 'Blocked',
    reason: 'UserDisabled',
    explanation: /disabled for this user/,
    lastStep: 'UserDisabled',
  },
  ...(['UserAgentsChanges', 'CommandFrequency', 'SyncCommands'] as const).map((reason): Case => ({
    name: `active autoblock ${reason} beats a personal allow`,
    input: input({
      autoblock: { reason, until: new Date(NOW.getTime() + 60_000) },
      user: user({ allowedDeviceIds: ['ABC123'] }),
    }),
    state: 'Blocked',
    reason,
    explanation: new RegExp(`autoblocked \\(${reason}\\) until 2025-03-01T12:01:00.000Z`),
    lastStep: 'Autoblock',
  })),
  {
    name: 'an expired autoblock no longer blocks',
    input: input({ autoblock: { reason: 'SyncCommands', until: new Date(NOW.getTime() - 1) } }),
    state: 'Allowed',
    reason: 'Global',
    lastStep: 'Global',
  },
  {
    name: 'an autoblock with an invalid end date is ignored',
    input: input({ autoblock: { reason: 'SyncCommands', until: new Date('garbage') } }),
    state: 'Allowed',
    reason: 'Global',
    lastStep: 'Global',
  },
  ...(['PartiallyApplied', 'NotApplied', 'ExternallyManaged'] as const).map((policyStatus): Case => ({
    name: `policy ${policyStatus} without AllowNonProvisionableDevices: Policy, before personal allow`,
    input: input({ user: user({ allowedDeviceIds: ['ABC123'] }) }, { policyStatus }),
    state: 'Blocked',
    reason: 'Policy',
    explanation: new RegExp(`policy is ${policyStatus}`),
    lastStep: 'Policy',
  })),
  {
    name: 'non-provisionable device without AllowNonProvisionableDevices: Policy',
    input: input({}, { nonProvisionable: true, policyStatus: 'Unknown' }),
    state: 'Blocked',
    reason: 'Policy',
    explanation: /not provisionable/,
    lastStep: 'Policy',
  },
  {
    name: 'non-provisionable device allowed by the policy goes on to the rules',
    input: input({ allowNonProvisionableDevices: true }, { nonProvisionable: true }),
    rules: [rule('q', 'DeviceType', 'Outlook', 'Quarantine')],
    state: 'Quarantined',
    reason: 'DeviceRule',
    rule: 'q',
    lastStep: 'DeviceRule',
  },
  {
    name: 'policy status Unknown (not yet provisioned) is not a policy failure',
    input: input({}, { policyStatus: 'Unknown' }),
    state: 'Allowed',
    reason: 'Global',
    lastStep: 'Global',
  },
  {
    name: 'personal block beats personal allow and an Allow rule',
    input: input({ user: user({ allowedDeviceIds: ['ABC123'], blockedDeviceIds: ['ABC123'] }) }),
    rules: [rule('a', 'DeviceType', 'Outlook', 'Allow')],
    state: 'Blocked',
    reason: 'Individual',
    explanation: /blocked device list/,
    lastStep: 'PersonalBlocked',
  },
  {
    name: 'personal allow beats a Block rule',
    input: input({ user: user({ allowedDeviceIds: ['other', 'ABC123'] }) }),
    rules: [rule('b', 'DeviceType', 'Outlook', 'Block')],
    state: 'Allowed',
    reason: 'Individual',
    explanation: /allowed device list/,
    lastStep: 'PersonalAllowed',
  },
  {
    name: 'personal lists compare device IDs case-insensitively',
    input: input({ user: user({ blockedDeviceIds: ['abc123'] }) }),
    state: 'Blocked',
    reason: 'Individual',
    lastStep: 'PersonalBlocked',
  },
  {
    name: 'Block beats Quarantine beats Allow among matching rules',
    input: input(),
    rules: [
      rule('a', 'DeviceType', 'Outlook', 'Allow'),
      rule('q', 'DeviceModel', 'Outlook for iOS and Android', 'Quarantine'),
      rule('b', 'DeviceOS', 'iOS 17.4.1 21E236', 'Block'),
    ],
    state: 'Blocked',
    reason: 'DeviceRule',
    rule: 'b',
    explanation: /also matched: .*\(Quarantine\), .*\(Allow\)/,
    lastStep: 'DeviceRule',
  },
  {
    name: 'Quarantine beats Allow',
    input: input(),
    rules: [
      rule('a', 'DeviceType', 'Outlook', 'Allow'),
      rule('q', 'UserAgent', 'Outlook-iOS-Android/1.0.3', 'Quarantine'),
    ],
    state: 'Quarantined',
    reason: 'DeviceRule',
    rule: 'q',
    lastStep: 'DeviceRule',
  },
  {
    name: 'a range Block beats an exact Allow (most restrictive wins, whatever the kind)',
    input: input(),
    rules: [rule('a', 'UserAgent', 'Outlook-iOS-Android/1.0.3', 'Allow'), OUTLOOK[0] as AccessRule],
    state: 'Blocked',
    reason: 'DeviceRule',
    rule: 'r-old',
    lastStep: 'DeviceRule',
  },
  {
    name: 'at the same level an exact rule decides before a range rule',
    input: input(),
    rules: [
      rule('z-range', 'UserAgent', 'Outlook-iOS-Android', 'Block', '<2', 'A range'),
      rule('z-exact', 'DeviceType', 'Outlook', 'Block', null, 'Z exact'),
    ],
    state: 'Blocked',
    reason: 'DeviceRule',
    rule: 'z-exact',
    lastStep: 'DeviceRule',
  },
  {
    name: 'at the same level and kind, by name then id',
    input: input(),
    rules: [
      rule('id-2', 'DeviceType', 'Outlook', 'Quarantine', null, 'beta'),
      rule('id-9', 'DeviceModel', 'Outlook for iOS and Android', 'Quarantine', null, 'alpha'),
      rule('id-1', 'UserAgent', 'Outlook-iOS-Android/1.0.3', 'Quarantine', null, 'alpha'),
    ],
    state: 'Quarantined',
    reason: 'DeviceRule',
    rule: 'id-1',
    lastStep: 'DeviceRule',
  },
  {
    name: "issue's example: Outlook 1.0.3 is blocked by '<1.0.4'",
    input: input(),
    rules: OUTLOOK,
    state: 'Blocked',
    reason: 'DeviceRule',
    rule: 'r-old',
    explanation:
      /^Blocked by rule 'Outlook < 1\.0\.4' \(UserAgent 'Outlook-iOS-Android\/1\.0\.3': version 1\.0\.3 is in <1\.0\.4\)$/,
    lastStep: 'DeviceRule',
  },
  {
    name: "issue's example: Outlook 1.0.4 is allowed by '>=1.0.4'",
    input: input({ org: { defaultAccessLevel: 'Quarantine' } }, { userAgent: 'Outlook-iOS-Android/1.0.4' }),
    rules: OUTLOOK,
    state: 'Allowed',
    reason: 'DeviceRule',
    rule: 'r-new',
    explanation: /Allowed by rule 'Outlook >= 1\.0\.4'.*version 1\.0\.4 is in >=1\.0\.4/,
    lastStep: 'DeviceRule',
  },
  {
    name: 'family matching is case-insensitive; 1.0 equals 1.0.0',
    input: input({}, { userAgent: 'OUTLOOK-IOS-ANDROID/1.0' }),
    rules: [rule('eq', 'UserAgent', 'Outlook-iOS-Android', 'Quarantine', '=1.0.0')],
    state: 'Quarantined',
    reason: 'DeviceRule',
    rule: 'eq',
    lastStep: 'DeviceRule',
  },
  {
    name: 'unparseable version: range rules do not match, the default decides and says why',
    input: input({ org: { defaultAccessLevel: 'Quarantine' } }, { userAgent: 'Outlook-iOS-Android/abc' }),
    rules: OUTLOOK,
    state: 'Quarantined',
    reason: 'Global',
    explanation: /version 'abc' is unparseable: range rules for family 'Outlook-iOS-Android' do not match/,
    lastStep: 'Global',
  },
  {
    name: 'a user agent without a version: range rules do not match',
    input: input({ org: { defaultAccessLevel: 'Block' } }, { userAgent: 'Outlook-iOS-Android' }),
    rules: OUTLOOK,
    state: 'Blocked',
    reason: 'Global',
    explanation: /reports no version/,
    lastStep: 'Global',
  },
  {
    name: 'DeviceOS version rule: iOS 17.4.1 is in >=17',
    input: input(),
    rules: [
      rule('ios', 'DeviceOS', 'iOS', 'Allow', '>=17'),
      rule('old-ios', 'DeviceOS', 'iOS', 'Quarantine', '<17'),
    ],
    state: 'Allowed',
    reason: 'DeviceRule',
    rule: 'ios',
    lastStep: 'DeviceRule',
  },
  {
    name: 'DeviceModel version rule parses "Family Version"',
    input: input({}, { model: 'Pixel 7' }),
    rules: [rule('px', 'DeviceModel', 'Pixel', 'Block', '<8')],
    state: 'Blocked',
    reason: 'DeviceRule',
    rule: 'px',
    lastStep: 'DeviceRule',
  },
  {
    name: 'exact rules compare the whole string: a prefix does not match',
    input: input({ org: { defaultAccessLevel: 'Quarantine' } }),
    rules: [
      rule('ua', 'UserAgent', 'Outlook-iOS-Android', 'Allow'),
      rule('os', 'DeviceOS', 'iOS 17.4.1', 'Allow'),
    ],
    state: 'Quarantined',
    reason: 'Global',
    lastStep: 'Global',
  },
  {
    name: 'exact rules are case-insensitive',
    input: input({}, { deviceType: 'OUTLOOK' }),
    rules: [rule('q', 'DeviceType', 'outlook', 'Quarantine')],
    state: 'Quarantined',
    reason: 'DeviceRule',
    rule: 'q',
    lastStep: 'DeviceRule',
  },
  {
    name: 'null characteristics match no rule',
    input: input({ org: { defaultAccessLevel: 'Block' } }, { model: null, os: null, userAgent: null }),
    rules: [rule('m', 'DeviceModel', 'Outlook for iOS and Android', 'Allow'), OUTLOOK[1] as AccessRule],
    state: 'Blocked',
    reason: 'Global',
    lastStep: 'Global',
  },
  ...(
    [
      ['Allow', 'Allowed'],
      ['Block', 'Blocked'],
      ['Quarantine', 'Quarantined'],
    ] as const
  ).map(([level, state]): Case => ({
    name: `org default ${level} when nothing matched`,
    input: input({ org: { defaultAccessLevel: level } }),
    rules: [rule('other', 'DeviceType', 'iPhone', 'Block')],
    state,
    reason: 'Global',
    explanation: new RegExp(`^${state} by the organization default access level \\(${level}\\)$`),
    lastStep: 'Global',
  })),
];

test('evaluateAccess: decision table', async (t) => {
  for (const c of cases) {
    await t.test(c.name, () => {
      const index = compileRules(c.rules ?? []);
      const d = evaluateAccess(c.input, index, NOW);
      assert.equal(d.state, c.state);
      assert.equal(d.reason, c.reason);
      if (c.rule !== undefined) assert.equal(d.rule?.id ?? null, c.rule);
      if (c.reason !== 'DeviceRule') assert.equal(d.rule, null);
      if (c.explanation) assert.match(d.explanation, c.explanation);
      const last = d.steps.at(-1);
      assert.equal(last?.step, c.lastStep);
      assert.equal(last?.decided, true);
      assert.ok(
        d.steps.slice(0, -1).every((s) => !s.decided),
        'only the last step decides',
      );
      if (d.rule) assert.equal(d.matchedRules[0]?.id, d.rule.id, 'deciding rule first');
      // The text-free fast path decides the same.
      const v = decideAccess(c.input, index, NOW);
      assert.deepEqual([v.state, v.reason, v.rule, v.step], [d.state, d.reason, d.rule, last?.step]);
    });
  }
});

test('evaluateAccess: steps list every step evaluated, in order', () => {
  const d = evaluateAccess(input({ org: { defaultAccessLevel: 'Quarantine' } }), compileRules([]), NOW);
  assert.deepEqual(
    d.steps.map((s) => s.step),
    ['UserDisabled', 'Autoblock', 'Policy', 'PersonalBlocked', 'PersonalAllowed', 'DeviceRule', 'Global'],
  );
  assert.match(d.steps[5]?.detail ?? '', /no rule matched/);
});

test('evaluateAccess: matchedRules lists rules that match even when a personal exemption decides', () => {
  const d = evaluateAccess(
    input({ user: user({ allowedDeviceIds: ['ABC123'] }) }),
    compileRules(OUTLOOK),
    NOW,
  );
  assert.equal(d.reason, 'Individual');
  assert.deepEqual(d.matchedRules, [{ id: 'r-old', name: 'Outlook < 1.0.4', accessLevel: 'Block' }]);
});

test('evaluateAccess: near misses are reported in the DeviceRule step', () => {
  const rules = compileRules([
    rule('x', 'UserAgent', 'Outlook-iOS-Android', 'Block', '<1.0', 'Outlook < 1.0'),
  ]);
  const d = evaluateAccess(input(), rules, NOW);
  assert.equal(d.reason, 'Global');
  assert.match(d.steps[5]?.detail ?? '', /rule 'Outlook < 1.0': UserAgent version 1.0.3 is not in <1.0/);
});

test('evaluateAccess: invalid rules never match', () => {
  const bad = rule('bad', 'UserAgent', 'Outlook-iOS-Android', 'Block', '~1.0');
  const index = compileRules([bad]);
  assert.equal(index.invalid.length, 1);
  assert.equal(evaluateAccess(input(), index, NOW).reason, 'Global');
});

test('evaluateAccess: hostile device strings never throw and stay short in explanations', () => {
  const nasty = [
    'x'.repeat(10_240),
    'A/' + '9'.repeat(10_240),
    'Outlook-iOS-Android/' + '1.'.repeat(5_000),
    'a\u0000b/1.\u0000',
    '\u202eevil/1.0',
    '🙂/🙂',
    '\ud800/1.0',
    '',
  ];
  const rules = compileRules([
    ...OUTLOOK,
    rule('a', 'UserAgent', 'A', 'Block', '>=1'),
    rule('os', 'DeviceOS', 'x', 'Block', '>=1'),
    rule('m', 'DeviceModel', 'a\u0000b', 'Quarantine', null),
  ]);
  for (const s of nasty) {
    for (const dev of [
      { userAgent: s },
      { os: s },
      { model: s },
      { deviceType: s },
      { deviceId: s },
    ] satisfies Array<Partial<DeviceFacts>>) {
      const d = evaluateAccess(input({ user: user({ blockedDeviceIds: [s.slice(0, 5)] }) }, dev), rules, NOW);
      assert.ok(d.explanation.length < 2_000, `explanation length ${d.explanation.length}`);
      // eslint-disable-next-line no-control-regex -- checking that control characters were escaped
      assert.doesNotMatch(d.explanation + d.steps.map((x) => x.detail).join(''), /[\u0000\u202e]/);
    }
  }
  const d = evaluateAccess(input({}, { userAgent: 'Outlook-iOS-Android/' + '1.'.repeat(5_000) }), rules, NOW);
  assert.match(d.explanation, /unparseable/);
});
