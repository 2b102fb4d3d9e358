import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OPTION_KINDS, OPTION_NAMES, PROVISION_DOC_ORDER, SETTING_SPECS } from './catalog.js';
import { DEFAULT_POLICY_OPTIONS, DEFAULT_POLICY_SETTINGS } from './defaults.js';
import { PolicySettingsSchema } from './schema.js';
import { compareVersions } from './versions.js';

describe('catalogue', () => {
  it('orders each of the 42 settings exactly once', () => {
    assert.equal(PROVISION_DOC_ORDER.length, 42);
    assert.equal(new Set(PROVISION_DOC_ORDER).size, 42);
    assert.deepEqual(new Set(PROVISION_DOC_ORDER), new Set(Object.keys(SETTING_SPECS)));
    assert.deepEqual(new Set(OPTION_NAMES), new Set(Object.keys(OPTION_KINDS)));
  });

  it('has no element newer than the oldest version we serve (12.1)', () => {
    for (const [name, spec] of Object.entries(SETTING_SPECS)) {
      assert.ok(compareVersions(spec.since, '12.1') <= 0, name);
      assert.equal(spec.until, undefined, name);
    }
  });

  for (const [name, spec] of Object.entries(SETTING_SPECS)) {
    if (spec.kind.type !== 'enum') continue;
    const names = spec.kind.names;
    it(`${name}: enum names and schema values agree`, () => {
      const field = PolicySettingsSchema.shape[name as keyof typeof PolicySettingsSchema.shape];
      const accepted = Array.from({ length: 12 }, (_, i) => i - 1).filter((v) => field.safeParse(v).success);
      assert.deepEqual(
        Object.values(names).sort((a, b) => a - b),
        accepted,
      );
    });
  }
});

describe('defaults', () => {
  it('are valid and complete', () => {
    assert.deepEqual(PolicySettingsSchema.parse(DEFAULT_POLICY_SETTINGS), DEFAULT_POLICY_SETTINGS);
    assert.deepEqual(new Set(Object.keys(DEFAULT_POLICY_SETTINGS)), new Set(PROVISION_DOC_ORDER));
  });

  it("are Exchange's documented defaults (EXCHANGE-AND-PEERS §1.10)", () => {
    const d = DEFAULT_POLICY_SETTINGS;
    assert.equal(d.DevicePasswordEnabled, false);
    assert.equal(d.AllowSimpleDevicePassword, true);
    assert.equal(d.AlphanumericDevicePasswordRequired, false);
    assert.equal(d.MinDevicePasswordLength, null);
    assert.equal(d.MinDevicePasswordComplexCharacters, 1);
    assert.equal(d.MaxDevicePasswordFailedAttempts, null);
    assert.equal(d.MaxInactivityTimeDeviceLock, null);
    assert.equal(d.DevicePasswordExpiration, null);
    assert.equal(d.DevicePasswordHistory, 0);
    assert.equal(d.AttachmentsEnabled, true);
    assert.equal(d.MaxAttachmentSize, null);
    assert.equal(d.AllowBluetooth, 2);
    assert.equal(d.MaxEmailBodyTruncationSize, -1);
    assert.equal(d.MaxEmailHTMLBodyTruncationSize, -1);
    assert.equal(d.MaxEmailAgeFilter, 0);
    assert.equal(d.MaxCalendarAgeFilter, 0);
    assert.equal(d.RequireManualSyncWhenRoaming, false);
    assert.equal(d.RequireDeviceEncryption, false);
    assert.equal(d.RequireSignedSMIMEAlgorithm, 0);
    assert.equal(d.RequireEncryptionSMIMEAlgorithm, 0);
    assert.equal(d.AllowSMIMEEncryptionAlgorithmNegotiation, 2);
    for (const [name, value] of Object.entries(d))
      if (name.startsWith('Allow') && typeof value === 'boolean') assert.equal(value, true, name);
    assert.deepEqual(DEFAULT_POLICY_OPTIONS, {
      allowNonProvisionableDevices: true,
      refreshIntervalSeconds: null,
      allowPartialCompliance: true,
      allowExternallyManaged: false,
    });
  });

  it('are frozen, lists included', () => {
    assert.ok(Object.isFrozen(DEFAULT_POLICY_SETTINGS));
    assert.ok(Object.isFrozen(DEFAULT_POLICY_OPTIONS));
    const copy = { ...DEFAULT_POLICY_SETTINGS };
    assert.throws(() => copy.ApprovedApplicationList.push('x'), TypeError);
  });
});

describe('compareVersions', () => {
  it('orders protocol versions numerically', () => {
    const sorted = (['16.1', '2.5', '14.1', '12.0', '16.0', '12.1', '14.0'] as const)
      .slice()
      .sort(compareVersions);
    assert.deepEqual(sorted, ['2.5', '12.0', '12.1', '14.0', '14.1', '16.0', '16.1']);
    assert.equal(compareVersions('14.0', '14.0'), 0);
  });
});
