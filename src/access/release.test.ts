import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatReleaseCondition, parseReleaseCondition, releaseConditionMet } from './release.js';
import type { DeviceFacts, ReleaseCondition } from './types.js';

const dev = (over: Partial<DeviceFacts> = {}): DeviceFacts => ({
  deviceId: 'D1',
  deviceType: 'Outlook',
  model: null,
  os: 'iOS 17.4.1 21E236',
  userAgent: 'Outlook-iOS-Android/1.0.4',
  policyStatus: 'AppliedInFull',
  nonProvisionable: false,
  ...over,
});

test('releaseConditionMet: table', () => {
  const cases: Array<[ReleaseCondition, Partial<DeviceFacts>, boolean, RegExp]> = [
    [{ kind: 'appVersion', range: '>=1.0.4' }, {}, true, /version 1\.0\.4 is in >=1\.0\.4/],
    [
      { kind: 'appVersion', range: '>=1.0.4' },
      { userAgent: 'Outlook-iOS-Android/1.0.3' },
      false,
      /is not in/,
    ],
    [
      { kind: 'appVersion', range: '>=1.0.4' },
      { userAgent: 'Outlook-iOS-Android/abc' },
      false,
      /unparseable/,
    ],
    [
      { kind: 'appVersion', range: '>=1.0.4' },
      { userAgent: 'Outlook-iOS-Android' },
      false,
      /carries no version/,
    ],
    [{ kind: 'appVersion', range: '>=1.0.4' }, { userAgent: null }, false, /reports no User-Agent/],
    [{ kind: 'appVersion', range: 'bogus' }, {}, false, /invalid appVersion range/],
    [{ kind: 'osVersion', range: '>=17' }, {}, true, /DeviceOS version 17\.4\.1 is in >=17/],
    [{ kind: 'osVersion', range: '>=17.5' }, {}, false, /not in/],
    [{ kind: 'osVersion', range: '>=17' }, { os: null }, false, /no DeviceOS/],
    [{ kind: 'osVersion', range: '>=17' }, { os: 'WINDOWS' }, false, /carries no version/],
    [{ kind: 'policyAppliedInFull' }, {}, true, /AppliedInFull/],
    [{ kind: 'policyAppliedInFull' }, { policyStatus: 'PartiallyApplied' }, false, /not AppliedInFull/],
    [{ kind: 'policyAppliedInFull' }, { policyStatus: 'Unknown' }, false, /Unknown/],
  ];
  for (const [cond, over, met, detail] of cases) {
    const r = releaseConditionMet(cond, dev(over));
    assert.equal(r.met, met, `${JSON.stringify(cond)} ${JSON.stringify(over)}`);
    assert.match(r.detail, detail);
  }
});

test('parseReleaseCondition: CLI/API strings', () => {
  const good: Array<[string, ReleaseCondition]> = [
    ['appVersion>=1.0.4', { kind: 'appVersion', range: '>=1.0.4' }],
    ['appVersion >=1.0.4 <2', { kind: 'appVersion', range: '>=1.0.4 <2' }],
    ['  APPVERSION>= 1.0.4 ', { kind: 'appVersion', range: '>= 1.0.4' }],
    ['osVersion>=17', { kind: 'osVersion', range: '>=17' }],
    ['osVersion 17.4.1', { kind: 'osVersion', range: '17.4.1' }],
    ['osVersion=16 || >=17', { kind: 'osVersion', range: '=16 || >=17' }],
    ['policyAppliedInFull', { kind: 'policyAppliedInFull' }],
  ];
  for (const [s, want] of good) {
    const r = parseReleaseCondition(s);
    assert.ok(r.ok, `${s}: ${r.ok ? '' : r.error}`);
    assert.deepEqual(r.condition, want, s);
    const again = parseReleaseCondition(formatReleaseCondition(r.condition));
    assert.ok(again.ok);
    assert.deepEqual(again.condition, want, `round trip of ${s}`);
  }
  const bad: Array<[string, RegExp]> = [
    ['', /unknown release condition/],
    ['deviceVersion>=1', /unknown release condition/],
    ['appVersion', /needs a version range/],
    ['appVersion~1.2', /appVersion: .*not a comparator/],
    ['osVersion>=', /not followed by a version/],
    ['policyAppliedInFull>=1', /takes no range/],
    ['x'.repeat(10_000), /unknown release condition 'x{40}…'/],
  ];
  for (const [s, want] of bad) {
    const r = parseReleaseCondition(s);
    assert.equal(r.ok, false, s.slice(0, 40));
    if (!r.ok) assert.match(r.error, want);
  }
  assert.equal(parseReleaseCondition(null as unknown as string).ok, false);
});

test('release conditions survive hostile device strings', () => {
  for (const s of ['x'.repeat(10_240), 'a/\u0000', '\u202e/1.0', 'Outlook/' + '1.'.repeat(5000)]) {
    for (const cond of [
      { kind: 'appVersion', range: '>=1' },
      { kind: 'osVersion', range: '>=1' },
    ] as const) {
      const r = releaseConditionMet(cond, dev({ userAgent: s, os: s }));
      assert.equal(typeof r.met, 'boolean');
      assert.ok(r.detail.length < 400);
    }
  }
});
