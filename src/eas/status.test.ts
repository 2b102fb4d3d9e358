import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EasStatus, easStatusName, legacyHttpStatusFor } from './status.js';

describe('EasStatus', () => {
  it('has the [MS-ASCMD] 2.2.2 names and numbers', () => {
    const spot: Record<string, number> = {
      InvalidContent: 101,
      InvalidWBXML: 102,
      InvalidXML: 103,
      ServerError: 110,
      ServerErrorRetryLater: 111,
      UserDisabledForSync: 126,
      DeviceIsBlockedForThisUser: 129,
      CommandNotSupported: 137,
      VersionNotSupported: 138,
      DeviceNotFullyProvisionable: 139,
      RemoteWipeRequested: 140,
      LegacyDeviceOnStrictPolicy: 141,
      DeviceNotProvisioned: 142,
      PolicyRefresh: 143,
      InvalidPolicyKey: 144,
      ExternallyManagedDevicesNotAllowed: 145,
      MoveCommandDisallowedForNonPersistentMoveAction: 155,
      DeviceInformationRequired: 165,
      IRM_FeatureDisabled: 168,
      BodyPart_ConversationTooLarge: 176,
      MaximumDevicesReached: 177,
      InvalidRecipients: 183,
      OneOrMoreExceptionsFailed: 184,
    };
    for (const [name, code] of Object.entries(spot))
      assert.equal((EasStatus as Record<string, number>)[name], code, name);
  });

  it('covers the whole common table (101–156, 160–179, 183–184) with unique values', () => {
    const codes = Object.values(EasStatus) as number[];
    assert.equal(new Set(codes).size, codes.length);
    const expected = [
      ...Array.from({ length: 56 }, (_, i) => 101 + i),
      ...Array.from({ length: 20 }, (_, i) => 160 + i),
      183,
      184,
    ];
    assert.deepEqual(
      [...codes].sort((a, b) => a - b),
      expected,
    );
  });

  it('names a code and nothing else', () => {
    assert.equal(easStatusName(142), 'DeviceNotProvisioned');
    assert.equal(easStatusName(157), null);
    assert.equal(easStatusName(1), null);
  });
});

describe('legacyHttpStatusFor (≤12.1)', () => {
  const withKey = { hasPolicyKey: true };
  const noKey = { hasPolicyKey: false };

  it('maps 140 to 403 without a policy key and 449 with one', () => {
    assert.equal(legacyHttpStatusFor(EasStatus.RemoteWipeRequested, noKey), 403);
    assert.equal(legacyHttpStatusFor(EasStatus.RemoteWipeRequested, withKey), 449);
  });

  it('maps 141–144 to 449 regardless of the key', () => {
    for (const s of [141, 142, 143, 144]) {
      assert.equal(legacyHttpStatusFor(s, noKey), 449);
      assert.equal(legacyHttpStatusFor(s, withKey), 449);
    }
  });

  it('maps the stated entries of the spec table', () => {
    const stated: [number, number][] = [
      [101, 400],
      [103, 400],
      [106, 400],
      [110, 500],
      [111, 503],
      [112, 403],
      [113, 507],
      [125, 403],
      [126, 403],
      [132, 403],
      [137, 501],
      [138, 400],
      [147, 400],
    ];
    for (const [s, http] of stated) assert.equal(legacyHttpStatusFor(s, withKey), http, String(s));
  });

  it('applies the command-specific exceptions (106 SendMail, 132 Provision → 500)', () => {
    assert.equal(legacyHttpStatusFor(106, { hasPolicyKey: true, cmd: 'SendMail' }), 500);
    assert.equal(legacyHttpStatusFor(132, { hasPolicyKey: true, cmd: 'Provision' }), 500);
    assert.equal(legacyHttpStatusFor(132, { hasPolicyKey: true, cmd: 'Sync' }), 403);
  });

  it('answers refused users and devices with 403 (inferred: 129, 177, 130, 131, 139, 145)', () => {
    for (const s of [129, 177, 130, 131, 139, 145])
      assert.equal(legacyHttpStatusFor(s, withKey), 403, String(s));
  });

  it('answers a message without a usable recipient with 400 (inferred: 116, 119), whatever the command', () => {
    for (const cmd of ['SendMail', 'SmartReply', 'SmartForward']) {
      assert.equal(
        legacyHttpStatusFor(EasStatus.MessageRecipientUnresolved, { hasPolicyKey: true, cmd }),
        400,
      );
      assert.equal(legacyHttpStatusFor(EasStatus.MessageHasNoRecipient, { hasPolicyKey: true, cmd }), 400);
    }
  });

  it('falls back to 500 for codes without a mapping', () => {
    assert.equal(legacyHttpStatusFor(EasStatus.ItemNotFound, withKey), 500);
    assert.equal(legacyHttpStatusFor(999, withKey), 500);
  });
});
