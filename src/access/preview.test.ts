import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateAccess } from './evaluate.js';
import type { PreviewItem } from './preview.js';
import { previewChange } from './preview.js';
import { compileRules } from './rules.js';
import type { AccessInput, AccessLevel, AccessRule } from './types.js';

const NOW = new Date('2025-03-01T12:00:00Z');
const T0 = new Date('2025-01-01T00:00:00Z');

const rule = (
  id: string,
  queryString: string,
  accessLevel: AccessLevel,
  versionRange: string | null = null,
): AccessRule => ({
  id,
  name: `${id} name`,
  characteristic: 'UserAgent',
  queryString,
  versionRange,
  accessLevel,
  createdAt: T0,
  updatedAt: T0,
});

function input(userAgent: string, over: Partial<AccessInput> = {}): AccessInput {
  return {
    user: { easEnabled: true, allowedDeviceIds: [], blockedDeviceIds: [] },
    device: {
      deviceId: `id-${userAgent}`,
      deviceType: 'Outlook',
      model: null,
      os: null,
      userAgent,
      policyStatus: 'AppliedInFull',
      nonProvisionable: false,
    },
    org: { defaultAccessLevel: 'Allow' },
    allowNonProvisionableDevices: false,
    autoblock: null,
    ...over,
  };
}

/** Items whose stored state is what `rules` decide today. */
function itemsUnder(rules: AccessRule[], inputs: Array<[string, AccessInput]>): PreviewItem[] {
  const index = compileRules(rules);
  return inputs.map(([id, inp]) => {
    const d = evaluateAccess(inp, index, NOW);
    return { id, input: inp, current: { state: d.state, reason: d.reason, rule: d.rule?.id ?? null } };
  });
}

const before = [rule('allow-all', 'Outlook-iOS-Android', 'Allow', '>=0')];
const devices: Array<[string, AccessInput]> = [
  ['old', input('Outlook-iOS-Android/1.0.3')],
  ['new', input('Outlook-iOS-Android/1.0.4')],
  ['other-app', input('Apple-iPhone14C2/2102.92')],
  [
    'exempt',
    input('Outlook-iOS-Android/1.0.1', {
      user: { easEnabled: true, allowedDeviceIds: ['id-Outlook-iOS-Android/1.0.1'], blockedDeviceIds: [] },
    }),
  ],
  [
    'disabled',
    input('Outlook-iOS-Android/1.0.0', {
      user: { easEnabled: false, allowedDeviceIds: [], blockedDeviceIds: [] },
    }),
  ],
];

test('previewChange: adding a Block rule for old versions changes only the devices it catches', () => {
  const items = itemsUnder(before, devices);
  const next = compileRules([...before, rule('block-old', 'Outlook-iOS-Android', 'Block', '<1.0.4')]);
  assert.deepEqual(previewChange(items, next, undefined, NOW), [
    {
      id: 'old',
      from: { state: 'Allowed', reason: 'DeviceRule', rule: 'allow-all' },
      to: { state: 'Blocked', reason: 'DeviceRule', rule: 'block-old', ruleName: 'block-old name' },
      stateChanged: true,
    },
  ]);
});

test('previewChange: no change, no rows; same state under another rule is reported without stateChanged', () => {
  const items = itemsUnder(before, devices);
  assert.deepEqual(previewChange(items, compileRules(before), undefined, NOW), []);
  const renamed = previewChange(
    items,
    compileRules([rule('allow-all-2', 'Outlook-iOS-Android', 'Allow', '>=0')]),
    undefined,
    NOW,
  );
  assert.deepEqual(
    renamed.map((c) => [c.id, c.stateChanged, c.to.rule]),
    [
      ['old', false, 'allow-all-2'],
      ['new', false, 'allow-all-2'],
    ],
  );
});

test('previewChange: a stored rule name (older records) counts as the same rule', () => {
  const [item] = itemsUnder(before, devices);
  assert.ok(item);
  const byName = { ...item, current: { ...item.current, rule: 'allow-all name' } };
  assert.deepEqual(previewChange([byName], compileRules(before), undefined, NOW), []);
});

test('previewChange: flipping the org default touches only devices nothing else decides', () => {
  const items = itemsUnder(before, devices);
  const changes = previewChange(items, compileRules(before), 'Quarantine', NOW);
  assert.deepEqual(
    changes.map((c) => [c.id, c.from.state, c.to.state, c.to.reason]),
    [['other-app', 'Allowed', 'Quarantined', 'Global']],
  );
  // The input objects are not modified.
  assert.equal(devices[2]?.[1].org.defaultAccessLevel, 'Allow');
});

test('previewChange: removing every rule sends rule-decided devices to the default', () => {
  const items = itemsUnder(before, devices);
  const changes = previewChange(items, compileRules([]), 'Block', NOW);
  assert.deepEqual(
    changes.map((c) => [c.id, c.to.state, c.to.reason]),
    [
      ['old', 'Blocked', 'Global'],
      ['new', 'Blocked', 'Global'],
      ['other-app', 'Blocked', 'Global'],
    ],
  );
});

test('previewChange: accepts any iterable and large inputs', () => {
  const n = 5_000;
  function* gen(): Generator<PreviewItem> {
    for (let i = 0; i < n; i++) {
      const inp = input(`Outlook-iOS-Android/1.0.${i % 10}`);
      yield { id: String(i), input: inp, current: { state: 'Allowed', reason: 'Global', rule: null } };
    }
  }
  const changes = previewChange(
    gen(),
    compileRules([rule('b', 'Outlook-iOS-Android', 'Block', '<1.0.4')]),
    'Allow',
    NOW,
  );
  assert.equal(changes.length, n * 0.4);
});

test('previewChange: uses `now` for autoblock expiry', () => {
  const until = new Date(NOW.getTime() + 60_000);
  const blocked = input('Outlook-iOS-Android/1.0.4', { autoblock: { reason: 'SyncCommands', until } });
  const items: PreviewItem[] = [
    { id: 'ab', input: blocked, current: { state: 'Blocked', reason: 'SyncCommands', rule: null } },
  ];
  assert.deepEqual(previewChange(items, compileRules([]), undefined, NOW), []);
  const later = previewChange(items, compileRules([]), undefined, new Date(until.getTime() + 1));
  assert.deepEqual(
    later.map((c) => [c.to.state, c.to.reason]),
    [['Allowed', 'Global']],
  );
});
