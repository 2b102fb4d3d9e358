// Shared by the SQLite and PostgreSQL migration tests: what an old schema held and what must be
// true of it after the upgrade. Writing the old rows (SQL dialect, value encoding) stays with each
// backend's test file.
import assert from 'node:assert/strict';
import type { Device } from '../../src/devices/types.js';
import type { Policy } from '../../src/policy/types.js';
import { DEVICE_COLUMNS, DEVICE_FIELDS } from '../../src/store/sql/device-columns.js';
import type { DeviceField } from '../../src/store/sql/device-columns.js';
import type { Store, User } from '../../src/store/types.js';
import {
  NEW_DEVICE_FIELDS_0002,
  makeDevice,
  makeFullDevice,
  makePolicy,
  makeRule,
  makeUser,
} from './conformance/fixtures.js';

/** What a build that knew only migration 0001 stored: a default policy, a user assigned to it, two devices. */
export interface V1Data {
  policy: Policy;
  /** Username 'Legacy.User' (username_key 'legacy.user'), ActiveSync disabled. */
  user: User;
  devices: Device[];
}

export function v1Data(): V1Data {
  const policy = makePolicy({ isDefault: true });
  const user = makeUser({ username: 'Legacy.User', policyId: policy.id, easEnabled: false });
  const devices = [
    makeFullDevice(user.id, NEW_DEVICE_FIELDS_0002),
    makeDevice(user.id, NEW_DEVICE_FIELDS_0002),
  ];
  return { policy, user, devices };
}

/** The device fields schema version 1 has columns for: all but those 0002 added. */
export function v1DeviceFields(v1Columns: readonly string[]): DeviceField[] {
  const fields = DEVICE_FIELDS.filter((f) => v1Columns.includes(DEVICE_COLUMNS[f].column));
  assert.equal(fields.length, DEVICE_FIELDS.length - Object.keys(NEW_DEVICE_FIELDS_0002).length);
  return fields;
}

/** After the upgrade: the version 1 rows read back unchanged, the new fields empty, and the new columns and tables work. */
export async function assertV1DataUpgraded(store: Store, { policy, user, devices }: V1Data): Promise<void> {
  assert.deepEqual(await store.getUser(user.id), user);
  assert.deepEqual(user.allowedDeviceIds, []);
  assert.deepEqual(await store.getUserByName('legacy.user'), user);
  for (const d of devices) assert.deepEqual(await store.getDevice(d.id), d);
  assert.equal(await store.countDevices(), devices.length);
  assert.deepEqual(await store.getDefaultPolicy(), policy);
  // The new columns and tables work on the upgraded data.
  const withLists = { ...user, allowedDeviceIds: ['A'], blockedDeviceIds: ['B'] };
  await store.putUser(withLists);
  assert.deepEqual(await store.getUser(user.id), withLists);
  const patch: Partial<Device> = {
    accessState: 'Quarantined',
    releaseCondition: { kind: 'policyAppliedInFull' },
  };
  assert.equal(await store.patchDevices(devices.map((d) => ({ id: d.id, patch }))), 2);
  assert.deepEqual((await store.getDevice(devices[0]?.id ?? ''))?.releaseCondition, patch.releaseCondition);
  const rule = makeRule();
  await store.putRule(rule);
  assert.deepEqual(await store.listRules(), [rule]);
}

/** A message summary as schema version 4 stored it (JSON), before messages were searchable. */
function v4Summary(subject: string, from: unknown[]): string {
  return JSON.stringify({
    subject,
    from,
    to: [{ name: null, address: 'Bob@Example.NET' }],
    cc: [],
    replyTo: [],
    date: null,
    messageId: null,
    importance: 'normal',
    attachments: [],
  });
}

/** Two messages of version 4 in folder 'f1' (next_uid 3): [uid, content id, summary JSON]. */
export const V4_MESSAGES: ReadonlyArray<[uid: number, contentId: string, summary: string]> = [
  [1, 'c1', v4Summary('Legacy Invoice', [{ name: 'Old Sender', address: 'old@example.net' }])],
  [2, 'c2', v4Summary('Other', [])],
];

/** After the upgrade: V4_MESSAGES are found by subject, sender name and address, not by summary JSON. */
export async function assertV4MessagesSearchable(store: Store, userId: string): Promise<void> {
  const find = async (term: string) =>
    (
      await store.searchMailMessages(userId, {
        folderIds: ['f1'],
        terms: [term],
        receivedAfter: null,
        receivedBefore: null,
        offset: 0,
        limit: 10,
      })
    ).hits.map((h) => h.id);
  assert.deepEqual(await find('invoice'), [1]);
  assert.deepEqual(await find('old sender'), [1]);
  assert.deepEqual(await find('bob@example.net'), [2, 1]);
  assert.deepEqual(await find('normal'), [], 'the summary JSON itself is not searched');
}
