import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OPTION_KINDS, OPTION_NAMES, SETTING_NAMES, SETTING_SPECS } from './catalog.js';
import { DEFAULT_POLICY_OPTIONS, DEFAULT_POLICY_SETTINGS } from './defaults.js';
import { PolicyValidationError } from './errors.js';
import {
  parsePolicyPatch,
  parsePolicyServerOptions,
  parsePolicySettings,
  parseSettingAssignments,
  splitPolicyPatch,
} from './schema.js';

const HASH_A = '0123456789abcdef0123456789abcdef01234567';
const HASH_B = 'FEDCBA9876543210FEDCBA9876543210FEDCBA98';

/** Runs fn, expects a PolicyValidationError, returns its issues. */
function issuesOf(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof PolicyValidationError, `expected PolicyValidationError, got ${String(err)}`);
    assert.equal(err.code, 'EAS_ERR_POLICY_INVALID');
    return err.issues;
  }
  assert.fail('expected a PolicyValidationError');
}

const booleanNames = [
  ...SETTING_NAMES.filter((n) => SETTING_SPECS[n].kind.type === 'boolean'),
  ...OPTION_NAMES.filter((n) => OPTION_KINDS[n].type === 'boolean'),
];

// [field, valid values, invalid values]
const RANGE_CASES: Array<[string, unknown[], unknown[]]> = [
  ...booleanNames.map((n): [string, unknown[], unknown[]] => [n, [true, false], [0, 1, 'true', null]]),
  ['MinDevicePasswordLength', [null, 1, 4, 16], [0, 17, -1, 1.5, '6']],
  ['MaxInactivityTimeDeviceLock', [null, 0, 60, 9999, 4294967295], [-1, 4294967296, 1.5, '900']],
  ['MaxDevicePasswordFailedAttempts', [null, 4, 8, 16], [0, 3, 17, '8']],
  ['MaxAttachmentSize', [null, 0, 1024, 4294967295], [-1, 4294967296, 'unlimited']],
  ['DevicePasswordExpiration', [null, 0, 730, 4294967295], [-1, 4294967296, 2.5]],
  ['DevicePasswordHistory', [0, 1, 50], [null, -1, 51, '0']],
  ['MinDevicePasswordComplexCharacters', [1, 2, 3, 4], [0, 5, null]],
  ['AllowBluetooth', [0, 1, 2], [3, -1, '2', null, true]],
  ['MaxCalendarAgeFilter', [0, 4, 5, 6, 7], [1, 2, 3, 8, null]],
  ['MaxEmailAgeFilter', [0, 1, 2, 3, 4, 5], [6, -1, null]],
  ['MaxEmailBodyTruncationSize', [-1, 0, 1, 102400, 2147483647], [-2, 2147483648, null, 1.5]],
  ['MaxEmailHTMLBodyTruncationSize', [-1, 0, 2147483647], [-2, 2147483648, null]],
  ['RequireSignedSMIMEAlgorithm', [0, 1], [2, -1, null]],
  ['RequireEncryptionSMIMEAlgorithm', [0, 1, 2, 3, 4], [5, -1]],
  ['AllowSMIMEEncryptionAlgorithmNegotiation', [0, 1, 2], [3, -1]],
  [
    'UnapprovedInROMApplicationList',
    [[], ['Solitaire'], ['Internet Explorer', 'x']],
    [[''], [' x'], ['x '], ['a\u0000b'], ['tab\there'], 'Solitaire', [1], null],
  ],
  [
    'ApprovedApplicationList',
    [[], [HASH_A], [HASH_A, HASH_B]],
    [[HASH_A.slice(1)], [`${HASH_A}0`], ['g'.repeat(40)], [''], HASH_A, null],
  ],
  ['refreshIntervalSeconds', [null, 60, 3600, 2147483647], [0, 59, -1, 2147483648, 1.5, '3600']],
];

describe('schema ranges', () => {
  it('covers every setting and option', () => {
    const covered = new Set(RANGE_CASES.map(([field]) => field));
    for (const name of [...SETTING_NAMES, ...OPTION_NAMES]) assert.ok(covered.has(name), name);
  });

  for (const [field, valid, invalid] of RANGE_CASES) {
    for (const value of valid) {
      it(`${field} accepts ${JSON.stringify(value)}`, () => {
        assert.deepEqual(parsePolicyPatch({ [field]: value }), { [field]: value });
        if (field in SETTING_SPECS) parsePolicySettings({ ...DEFAULT_POLICY_SETTINGS, [field]: value });
        else parsePolicyServerOptions({ ...DEFAULT_POLICY_OPTIONS, [field]: value });
      });
    }
    for (const value of invalid) {
      it(`${field} rejects ${JSON.stringify(value) ?? String(value)}`, () => {
        const issues = issuesOf(() => parsePolicyPatch({ [field]: value }));
        assert.equal(issues.length, 1);
        assert.ok(issues[0]!.field.startsWith(field), `${issues[0]!.field} names ${field}`);
        assert.match(issues[0]!.message, /^expected /);
        const full =
          field in SETTING_SPECS
            ? () => parsePolicySettings({ ...DEFAULT_POLICY_SETTINGS, [field]: value })
            : () => parsePolicyServerOptions({ ...DEFAULT_POLICY_OPTIONS, [field]: value });
        assert.ok(issuesOf(full)[0]!.field.startsWith(field));
      });
    }
  }
});

describe('parsePolicySettings / parsePolicyServerOptions', () => {
  it('accepts the defaults', () => {
    assert.deepEqual(parsePolicySettings(DEFAULT_POLICY_SETTINGS), DEFAULT_POLICY_SETTINGS);
    assert.deepEqual(parsePolicyServerOptions(DEFAULT_POLICY_OPTIONS), DEFAULT_POLICY_OPTIONS);
  });

  it('reports a missing setting by name', () => {
    const { AllowCamera: _dropped, ...rest } = DEFAULT_POLICY_SETTINGS;
    const issues = issuesOf(() => parsePolicySettings(rest));
    assert.deepEqual(
      issues.map((i) => i.field),
      ['AllowCamera'],
    );
    assert.match(issues[0]!.message, /^missing; expected true or false/);
  });

  it('refuses options mixed into settings and the reverse', () => {
    assert.equal(
      issuesOf(() => parsePolicySettings({ ...DEFAULT_POLICY_SETTINGS, allowPartialCompliance: true }))[0]!
        .field,
      'allowPartialCompliance',
    );
    assert.equal(
      issuesOf(() => parsePolicyServerOptions({ ...DEFAULT_POLICY_OPTIONS, AllowCamera: true }))[0]!.field,
      'AllowCamera',
    );
  });
});

describe('parsePolicyPatch', () => {
  it('accepts an empty patch and drops undefined values', () => {
    assert.deepEqual(parsePolicyPatch({}), {});
    assert.deepEqual(parsePolicyPatch({ AllowCamera: undefined, AllowWiFi: false }), { AllowWiFi: false });
  });

  it('accepts settings and options together', () => {
    const patch = {
      DevicePasswordEnabled: true,
      MinDevicePasswordLength: 6,
      allowNonProvisionableDevices: false,
    };
    assert.deepEqual(parsePolicyPatch(patch), patch);
  });

  for (const input of [null, 5, 'x', [], [1]]) {
    it(`rejects non-object ${JSON.stringify(input)}`, () => {
      const issues = issuesOf(() => parsePolicyPatch(input));
      assert.equal(issues[0]!.field, '');
      assert.match(issues[0]!.message, /expected an object/);
    });
  }

  it('names an unknown field and lists the valid ones', () => {
    const issues = issuesOf(() => parsePolicyPatch({ Foo: 1 }));
    assert.equal(issues[0]!.field, 'Foo');
    assert.match(issues[0]!.message, /unknown field; valid fields: DevicePasswordEnabled, /);
    assert.match(issues[0]!.message, /allowExternallyManaged/);
  });

  it('suggests the right spelling when only the case differs', () => {
    const issues = issuesOf(() => parsePolicyPatch({ minDevicePasswordLength: 6 }));
    assert.equal(issues[0]!.message, 'unknown field; did you mean "MinDevicePasswordLength"?');
  });

  it('reports every problem at once, each with its field', () => {
    try {
      parsePolicyPatch({ MinDevicePasswordLength: 20, AllowBluetooth: 7, Bogus: true });
      assert.fail('expected an error');
    } catch (err) {
      assert.ok(err instanceof PolicyValidationError);
      assert.deepEqual(err.issues.map((i) => i.field).sort(), [
        'AllowBluetooth',
        'Bogus',
        'MinDevicePasswordLength',
      ]);
      assert.match(
        err.message,
        /MinDevicePasswordLength: expected null \(no minimum\) or an integer from 1 to 16, got 20/,
      );
      assert.match(
        err.message,
        /AllowBluetooth: expected one of 0 \(Disable\), 1 \(HandsfreeOnly\), 2 \(Allow\), got 7/,
      );
    }
  });

  it('names the bad list item by index', () => {
    const issues = issuesOf(() => parsePolicyPatch({ ApprovedApplicationList: [HASH_A, 'nope'] }));
    assert.equal(issues[0]!.field, 'ApprovedApplicationList[1]');
    assert.equal(issues[0]!.message, 'expected a SHA-1 hash written as 40 hex digits, got "nope"');
  });
});

describe('splitPolicyPatch', () => {
  it('separates device settings from server options', () => {
    assert.deepEqual(
      splitPolicyPatch({ AllowCamera: false, refreshIntervalSeconds: null, MaxAttachmentSize: null }),
      {
        settings: { AllowCamera: false, MaxAttachmentSize: null },
        options: { refreshIntervalSeconds: null },
      },
    );
  });
});

describe('parseSettingAssignments', () => {
  const GOOD: Array<[string[], Record<string, unknown>]> = [
    [[], {}],
    [['DevicePasswordEnabled=true'], { DevicePasswordEnabled: true }],
    [['devicepasswordenabled=FALSE'], { DevicePasswordEnabled: false }],
    [['DEVICEPASSWORDENABLED=1'], { DevicePasswordEnabled: true }],
    [['AllowCamera=no'], { AllowCamera: false }],
    [['AllowCamera=$true'], { AllowCamera: true }],
    [['AllowCamera=off'], { AllowCamera: false }],
    [['MinDevicePasswordLength=6'], { MinDevicePasswordLength: 6 }],
    [['  MinDevicePasswordLength = 6 '], { MinDevicePasswordLength: 6 }],
    [['MinDevicePasswordLength='], { MinDevicePasswordLength: null }],
    [['MaxInactivityTimeDeviceLock='], { MaxInactivityTimeDeviceLock: null }],
    [['MaxInactivityTimeDeviceLock=unlimited'], { MaxInactivityTimeDeviceLock: null }],
    [['MaxInactivityTimeDeviceLock=Unlimited'], { MaxInactivityTimeDeviceLock: null }],
    [['MaxAttachmentSize=null'], { MaxAttachmentSize: null }],
    [['DevicePasswordExpiration=none'], { DevicePasswordExpiration: null }],
    [['MaxInactivityTimeDeviceLock=900'], { MaxInactivityTimeDeviceLock: 900 }],
    [[`ApprovedApplicationList=${HASH_A},${HASH_B}`], { ApprovedApplicationList: [HASH_A, HASH_B] }],
    [[`ApprovedApplicationList= ${HASH_A} , ${HASH_B} `], { ApprovedApplicationList: [HASH_A, HASH_B] }],
    [['ApprovedApplicationList='], { ApprovedApplicationList: [] }],
    [
      ['UnapprovedInROMApplicationList=Solitaire, Internet Explorer'],
      { UnapprovedInROMApplicationList: ['Solitaire', 'Internet Explorer'] },
    ],
    [['AllowBluetooth=HandsfreeOnly'], { AllowBluetooth: 1 }],
    [['AllowBluetooth=allow'], { AllowBluetooth: 2 }],
    [['AllowBluetooth=0'], { AllowBluetooth: 0 }],
    [['MaxEmailAgeFilter=OneWeek'], { MaxEmailAgeFilter: 3 }],
    [['MaxCalendarAgeFilter=SixMonths'], { MaxCalendarAgeFilter: 7 }],
    [['RequireEncryptionSMIMEAlgorithm=rc240bit'], { RequireEncryptionSMIMEAlgorithm: 4 }],
    [['MaxEmailBodyTruncationSize=unlimited'], { MaxEmailBodyTruncationSize: -1 }],
    [['MaxEmailHTMLBodyTruncationSize=-1'], { MaxEmailHTMLBodyTruncationSize: -1 }],
    [['MaxEmailBodyTruncationSize=0'], { MaxEmailBodyTruncationSize: 0 }],
    [['allowNonProvisionableDevices=false'], { allowNonProvisionableDevices: false }],
    [['ALLOWNONPROVISIONABLEDEVICES=false'], { allowNonProvisionableDevices: false }],
    [['refreshIntervalSeconds=3600'], { refreshIntervalSeconds: 3600 }],
    [['refreshIntervalSeconds='], { refreshIntervalSeconds: null }],
    [
      ['DevicePasswordEnabled=true', 'MinDevicePasswordLength=4', 'allowPartialCompliance=no'],
      { DevicePasswordEnabled: true, MinDevicePasswordLength: 4, allowPartialCompliance: false },
    ],
  ];
  for (const [pairs, expected] of GOOD) {
    it(`parses ${JSON.stringify(pairs)}`, () => {
      assert.deepEqual(parseSettingAssignments(pairs), expected);
    });
  }

  // [pairs, fields named by the issues, message pattern of the first issue]
  const BAD: Array<[string[], string[], RegExp]> = [
    [
      ['Foo=1'],
      ['Foo'],
      /^unknown setting; valid settings: DevicePasswordEnabled, .*allowNonProvisionableDevices/,
    ],
    [['DevicePasswordEnabled'], ['DevicePasswordEnabled'], /expected Name=value/],
    [['DevicePasswordEnabled=maybe'], ['DevicePasswordEnabled'], /expected true or false .*got "maybe"/],
    [['DevicePasswordEnabled='], ['DevicePasswordEnabled'], /expected true or false/],
    [
      ['MinDevicePasswordLength=abc'],
      ['MinDevicePasswordLength'],
      /an empty value or "unlimited" means null/,
    ],
    [['MinDevicePasswordLength=17'], ['MinDevicePasswordLength'], /from 1 to 16, got 17/],
    [['MinDevicePasswordLength=6.5'], ['MinDevicePasswordLength'], /got "6.5"/],
    [['MaxDevicePasswordFailedAttempts=3'], ['MaxDevicePasswordFailedAttempts'], /from 4 to 16, got 3/],
    [['DevicePasswordHistory='], ['DevicePasswordHistory'], /from 0 to 50, got ""/],
    [['DevicePasswordHistory=unlimited'], ['DevicePasswordHistory'], /from 0 to 50/],
    [['MaxEmailBodyTruncationSize='], ['MaxEmailBodyTruncationSize'], /-1 \(unlimited\)/],
    [['AllowBluetooth=Sometimes'], ['AllowBluetooth'], /one of 0 \(Disable\)/],
    [['AllowBluetooth=3'], ['AllowBluetooth'], /got 3/],
    [['MaxEmailAgeFilter=SixMonths'], ['MaxEmailAgeFilter'], /OneMonth/],
    [['ApprovedApplicationList=nothex'], ['ApprovedApplicationList[0]'], /40 hex digits, got "nothex"/],
    [[`ApprovedApplicationList=${HASH_A},`], ['ApprovedApplicationList[1]'], /got ""/],
    [['refreshIntervalSeconds=10'], ['refreshIntervalSeconds'], /from 60 to/],
    [
      ['MinDevicePasswordLength=4', 'minDevicePasswordLength=6'],
      ['MinDevicePasswordLength'],
      /given more than once/,
    ],
    [
      ['Foo=1', 'MinDevicePasswordLength=99', 'AllowCamera=perhaps'],
      ['Foo', 'AllowCamera', 'MinDevicePasswordLength'],
      /unknown/,
    ],
  ];
  for (const [pairs, fields, pattern] of BAD) {
    it(`rejects ${JSON.stringify(pairs)}`, () => {
      const issues = issuesOf(() => parseSettingAssignments(pairs));
      assert.deepEqual(
        issues.map((i) => i.field),
        fields,
      );
      assert.match(issues[0]!.message, pattern);
    });
  }
});
