import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ProvisionStatus,
  ReprovisionStatus,
  evaluateAcknowledgement,
  needsReprovision,
  type ReprovisionCheckInput,
} from './compliance.js';
import type { PolicyServerOptions } from './types.js';

describe('status constants', () => {
  it('carry the values of PROTOCOL.md §4.3 / §4.6', () => {
    assert.deepEqual(ProvisionStatus, {
      Success: 1,
      ProtocolError: 2,
      ServerError: 3,
      DeviceNotFullyProvisionable: 139,
      LegacyDeviceOnStrictPolicy: 141,
      ExternallyManagedDevicesNotAllowed: 145,
    });
    assert.deepEqual(ReprovisionStatus, {
      DeviceNotProvisioned: 142,
      PolicyRefresh: 143,
      InvalidPolicyKey: 144,
    });
  });
});

describe('evaluateAcknowledgement', () => {
  const options = (nonProvisionable: boolean, partial: boolean, external: boolean): PolicyServerOptions => ({
    allowNonProvisionableDevices: nonProvisionable,
    allowPartialCompliance: partial,
    allowExternallyManaged: external,
    refreshIntervalSeconds: null,
  });
  const COMBOS = [false, true].flatMap((n) =>
    [false, true].flatMap((p) => [false, true].map((e) => options(n, p, e))),
  );
  const label = (o: PolicyServerOptions) =>
    `nonProvisionable=${o.allowNonProvisionableDevices} partial=${o.allowPartialCompliance} external=${o.allowExternallyManaged}`;

  // Per ack Status: recorded application status, which options let it through, status when refused.
  const RULES = {
    '1': { status: 'AppliedInFull', accepted: () => true, refusal: null },
    '2': {
      status: 'PartiallyApplied',
      accepted: (o: PolicyServerOptions) => o.allowPartialCompliance || o.allowNonProvisionableDevices,
      refusal: 139,
    },
    '3': {
      status: 'NotApplied',
      accepted: (o: PolicyServerOptions) => o.allowNonProvisionableDevices,
      refusal: 139,
    },
    '4': {
      status: 'ExternallyManaged',
      accepted: (o: PolicyServerOptions) => o.allowExternallyManaged || o.allowNonProvisionableDevices,
      refusal: 145,
    },
  } as const;

  for (const [ack, rule] of Object.entries(RULES)) {
    for (const o of COMBOS) {
      const accept = rule.accepted(o);
      it(`ack ${ack}, ${label(o)} -> ${accept ? 'accept' : `refuse ${rule.refusal}`}`, () => {
        const decision = evaluateAcknowledgement(ack, o);
        assert.equal(decision.accept, accept);
        assert.equal(decision.applicationStatus, rule.status);
        if (!decision.accept) assert.equal(decision.provisionStatus, rule.refusal);
      });
    }
  }

  for (const ack of ['0', '5', '', '01', '1.0', 'Success', '139']) {
    for (const o of [COMBOS[0]!, COMBOS[7]!]) {
      it(`ack ${JSON.stringify(ack)}, ${label(o)} -> protocol error 2`, () => {
        assert.deepEqual(evaluateAcknowledgement(ack, o), {
          accept: false,
          provisionStatus: 2,
          applicationStatus: 'Unknown',
        });
      });
    }
  }

  it('ignores whitespace around the status', () => {
    assert.equal(evaluateAcknowledgement(' 1\n', COMBOS[0]!).accept, true);
  });

  it('says which option let a device through, preferring the specific one', () => {
    const all = options(true, true, true);
    const onlyNonProvisionable = options(true, false, false);
    const reason = (ack: string, o: PolicyServerOptions) => {
      const d = evaluateAcknowledgement(ack, o);
      return d.accept ? d.acceptedBy : null;
    };
    assert.equal(reason('1', all), 'compliant');
    assert.equal(reason('2', all), 'allowPartialCompliance');
    assert.equal(reason('2', onlyNonProvisionable), 'allowNonProvisionableDevices');
    assert.equal(reason('3', all), 'allowNonProvisionableDevices');
    assert.equal(reason('4', all), 'allowExternallyManaged');
    assert.equal(reason('4', onlyNonProvisionable), 'allowNonProvisionableDevices');
  });
});

describe('needsReprovision', () => {
  const T0 = new Date('2025-01-01T00:00:00Z');
  const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
  const PROVISIONED = { policyKey: '3942919513', policyId: 'p1', policyRevision: 3, lastPolicyUpdateAt: T0 };
  const NEVER = { policyKey: null, policyId: null, policyRevision: null, lastPolicyUpdateAt: null };
  const POLICY = { id: 'p1', revision: 3, options: { refreshIntervalSeconds: null } };
  const HOURLY = { ...POLICY, options: { refreshIntervalSeconds: 3600 } };

  const check = (over: Partial<ReprovisionCheckInput>) =>
    needsReprovision({
      device: PROVISIONED,
      presentedKey: '3942919513',
      policy: POLICY,
      now: at(10),
      ...over,
    });

  const CASES: Array<[string, Partial<ReprovisionCheckInput>, number | null]> = [
    ['never provisioned, no key', { device: NEVER, presentedKey: null }, 142],
    ['never provisioned, key 0', { device: NEVER, presentedKey: '0' }, 142],
    ['never provisioned, empty key', { device: NEVER, presentedKey: '' }, 142],
    ['provisioned, but the client sends 0 (reset/reinstall)', { presentedKey: '0' }, 142],
    ['provisioned, but the client sends no key', { presentedKey: null }, 142],
    ['never provisioned, some key', { device: NEVER, presentedKey: '1307199584' }, 144],
    ['wrong key', { presentedKey: '1307199584' }, 144],
    ['key of another format', { presentedKey: 'garbage' }, 144],
    ['policy revision changed', { policy: { ...POLICY, revision: 4 } }, 144],
    ['another policy applies now', { policy: { ...POLICY, id: 'p2' } }, 144],
    ['device record without policy id', { device: { ...PROVISIONED, policyId: null } }, 144],
    ['matching key, same policy, no refresh interval', {}, null],
    ['no refresh interval, years later', { now: at(10 * 365 * 86400) }, null],
    ['refresh interval not yet elapsed', { policy: HOURLY, now: at(3599) }, null],
    ['refresh interval just elapsed', { policy: HOURLY, now: at(3600) }, 143],
    ['refresh interval long elapsed', { policy: HOURLY, now: at(86400) }, 143],
    [
      'refresh interval, no lastPolicyUpdateAt on record',
      { policy: HOURLY, device: { ...PROVISIONED, lastPolicyUpdateAt: null } },
      143,
    ],
    [
      'refresh interval, lastPolicyUpdateAt in the future (clock skew)',
      { policy: HOURLY, now: at(-60) },
      null,
    ],
    ['wrong key and interval elapsed: key first', { policy: HOURLY, presentedKey: '1', now: at(86400) }, 144],
    ['no key and interval elapsed: 142 first', { policy: HOURLY, presentedKey: '0', now: at(86400) }, 142],
  ];
  for (const [label, over, expected] of CASES) {
    it(`${label} -> ${expected ?? 'ok'}`, () => {
      assert.equal(check(over), expected);
    });
  }

  it('follows a device through provisioning, a policy change and a refresh', () => {
    // 1. New device, FolderSync with key 0: not provisioned.
    let device: ReprovisionCheckInput['device'] = NEVER;
    assert.equal(needsReprovision({ device, presentedKey: '0', policy: HOURLY, now: at(0) }), 142);
    // 2. It provisions and acknowledges; the Provision command stores the final key and revision.
    device = { policyKey: '42', policyId: 'p1', policyRevision: 3, lastPolicyUpdateAt: at(5) };
    assert.equal(needsReprovision({ device, presentedKey: '42', policy: HOURLY, now: at(6) }), null);
    // 3. The admin edits the policy (revision 4): the stored key is now out of date.
    const edited = { ...HOURLY, revision: 4 };
    assert.equal(needsReprovision({ device, presentedKey: '42', policy: edited, now: at(60) }), 144);
    // 4. It provisions again and gets a new key for revision 4.
    device = { policyKey: '77', policyId: 'p1', policyRevision: 4, lastPolicyUpdateAt: at(70) };
    assert.equal(needsReprovision({ device, presentedKey: '77', policy: edited, now: at(71) }), null);
    // 5. An hour after that provisioning the refresh interval asks for it again.
    assert.equal(needsReprovision({ device, presentedKey: '77', policy: edited, now: at(70 + 3600) }), 143);
  });
});
