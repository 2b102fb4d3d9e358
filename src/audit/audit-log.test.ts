import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { openStore } from '../store/open.js';
import { AuditLog } from './audit-log.js';

test('entries with U+0000 in attacker-chosen fields are kept, escaped', async () => {
  const store = await openStore('sqlite::memory:');
  try {
    const audit = new AuditLog({
      store,
      clock: () => new Date('2026-01-01T00:00:00Z'),
      log: pino({ level: 'silent' }),
    });
    await audit.record({
      actor: 'user:ev\u0000il',
      action: 'auth.failed',
      reason: 'x\u0000y',
      after: { name: 'a\u0000b' },
    });
    const [e] = await store.listAudit();
    assert.ok(e);
    assert.equal(e.actor, 'user:ev\\u0000il');
    assert.equal(e.reason, 'x\\u0000y');
    assert.deepEqual(e.after, { name: 'a\\u0000b' });
    assert.equal(e.at.toISOString(), '2026-01-01T00:00:00.000Z');
  } finally {
    await store.close();
  }
});

test('a failing store never breaks the caller', async () => {
  const errors: unknown[] = [];
  const audit = new AuditLog({
    store: {
      appendAudit: async () => {
        throw new Error('disk full');
      },
      listAudit: async () => [],
      pruneAudit: async () => 0,
    },
    clock: () => new Date(),
    log: { error: (o: unknown) => void errors.push(o) } as never,
  });
  await audit.record({ actor: 'system', action: 'x' });
  assert.equal(errors.length, 1);
});
