import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newUserRecord } from './user-record.js';

describe('newUserRecord', () => {
  const now = new Date('2024-03-01T00:00:00.001Z');

  it('fills the defaults of a new user: enabled, no policy, empty device lists, one timestamp', () => {
    const u = newUserRecord({ username: 'ana', email: 'ana@example.com', passwordHash: 'h', now });
    assert.match(u.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const { id: _id, ...rest } = u;
    assert.deepEqual(rest, {
      username: 'ana',
      email: 'ana@example.com',
      displayName: 'ana',
      passwordHash: 'h',
      easEnabled: true,
      policyId: null,
      allowedDeviceIds: [],
      blockedDeviceIds: [],
      createdAt: now,
      updatedAt: now,
    });
    assert.notEqual(newUserRecord({ username: 'ana', email: 'a@x', passwordHash: 'h', now }).id, u.id);
  });

  it('takes the id, display name, ActiveSyncEnabled and policy when given', () => {
    const u = newUserRecord({
      id: 'id-1',
      username: 'ben',
      email: 'ben@example.com',
      displayName: 'Ben B.',
      passwordHash: 'h',
      now,
      easEnabled: false,
      policyId: 'p-1',
    });
    assert.deepEqual([u.id, u.displayName, u.easEnabled, u.policyId], ['id-1', 'Ben B.', false, 'p-1']);
  });

  it('gives every record its own device lists', () => {
    const a = newUserRecord({ username: 'a', email: 'a@x', passwordHash: 'h', now });
    const b = newUserRecord({ username: 'b', email: 'b@x', passwordHash: 'h', now });
    a.allowedDeviceIds.push('DEV1');
    assert.deepEqual(b.allowedDeviceIds, []);
  });
});
