// Conformance group: AuditStore (append-only log: ordering, filters, keyset paging, retention).
import assert from 'node:assert/strict';
import type { AuditEntry, AuditFilter, Store } from '../../../src/store/types.js';
import { StoreConflictError } from '../../../src/store/types.js';
import type { StoreTest } from './index.js';
import { makeAudit, T1 } from './fixtures.js';

/** Append entries, `parallel` at a time (order of insertion must not matter). */
async function appendAll(store: Store, entries: AuditEntry[], parallel = 25): Promise<void> {
  for (let i = 0; i < entries.length; i += parallel) {
    await Promise.all(entries.slice(i, i + parallel).map((e) => store.appendAudit(e)));
  }
}

/** The listing order: newest first by at, then id (code points). */
function newestFirst(entries: AuditEntry[]): AuditEntry[] {
  return [...entries].sort(
    (a, b) => b.at.getTime() - a.at.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
  );
}

const ids = (entries: AuditEntry[]): string[] => entries.map((e) => e.id);

const at = (seconds: number): Date => new Date(T1.getTime() + Math.round(seconds * 1000));

export function auditTests(storeTest: StoreTest): void {
  storeTest('the empty log lists nothing; pruning it removes nothing', async (store) => {
    assert.deepEqual(await store.listAudit(), []);
    assert.deepEqual(await store.listAudit({ action: 'device.' }), []);
    assert.equal(await store.pruneAudit(new Date()), 0);
  });

  storeTest('entries round-trip: every field, JSON before/after of any type, nulls', async (store) => {
    const entries = [
      makeAudit(1),
      makeAudit(2, {
        actor: 'cli:zoë',
        action: 'rule.created',
        targetType: 'rule',
        targetId: 'rule-1',
        before: null,
        after: {
          name: 'Block «old» Outlook 📱',
          range: '<1.0.4',
          nested: { list: [1, 2.5, -0.125, true, null, 'x'] },
        },
        reason: 'ticket #42: "legacy" clients',
        source: '203.0.113.7',
      }),
      makeAudit(3, { action: 'auth.failed', targetType: null, targetId: null, before: null, after: null }),
      makeAudit(4, { before: 'just a string', after: 42 }),
      makeAudit(5, { before: [1, 'two', { three: 3 }], after: false }),
      makeAudit(6, { before: { empty: {}, arr: [] }, after: 0 }),
    ];
    await appendAll(store, entries);
    assert.deepEqual(await store.listAudit(), newestFirst(entries));
  });

  storeTest('undefined before/after read back as null; values go through JSON', async (store) => {
    const entry = makeAudit(1, { before: undefined, after: { at: T1, skip: undefined, n: 1 } });
    await store.appendAudit(entry);
    const [stored] = await store.listAudit();
    assert.deepEqual(stored, { ...entry, before: null, after: { at: T1.toISOString(), n: 1 } });
  });

  storeTest(
    'append-only: a second entry with the same id is a StoreConflictError and changes nothing',
    async (store) => {
      const entry = makeAudit(1);
      await store.appendAudit(entry);
      await assert.rejects(
        store.appendAudit({ ...entry, action: 'device.wipe.requested' }),
        StoreConflictError,
      );
      assert.deepEqual(await store.listAudit(), [entry]);
    },
  );

  storeTest('newest first by at, then by id when at is equal', async (store) => {
    const entries = [
      makeAudit(10, { id: 'b' }),
      makeAudit(10, { id: 'a' }),
      makeAudit(10, { id: 'c' }),
      makeAudit(-5, { id: 'z' }),
      makeAudit(20, { id: '0' }),
      makeAudit(10.001, { id: 'A' }),
    ];
    await appendAll(store, entries);
    assert.deepEqual(ids(await store.listAudit()), ['0', 'A', 'c', 'b', 'a', 'z']);
  });

  storeTest(
    'filters: target, exact action, action prefix ending in ".", actor, and combinations',
    async (store) => {
      const entries = [
        makeAudit(1, {
          action: 'device.access.changed',
          targetType: 'device',
          targetId: 'd1',
          actor: 'system',
        }),
        makeAudit(2, {
          action: 'device.wipe.requested',
          targetType: 'device',
          targetId: 'd1',
          actor: 'admin:root',
        }),
        makeAudit(3, {
          action: 'device.access.changed',
          targetType: 'device',
          targetId: 'd2',
          actor: 'system',
        }),
        makeAudit(4, { action: 'devices.exported', targetType: null, targetId: null, actor: 'admin:root' }),
        makeAudit(5, { action: 'device', targetType: 'device', targetId: 'd1', actor: 'system' }),
        makeAudit(6, {
          action: 'Device.access.changed',
          targetType: 'device',
          targetId: 'd1',
          actor: 'system',
        }),
        makeAudit(7, { action: 'rule.created', targetType: 'rule', targetId: 'd1', actor: 'admin:root' }),
        makeAudit(8, { action: 'device_x.y', targetType: 'device', targetId: 'd3', actor: 'System' }),
        makeAudit(9, { action: 'auth.failed', targetType: 'user', targetId: 'u1', actor: 'user:alice' }),
      ];
      await appendAll(store, entries);
      const [e1, e2, e3, e4, e5, e6, e7, e8, e9] = entries;
      const cases: Array<[AuditFilter, Array<AuditEntry | undefined>]> = [
        [{}, [e9, e8, e7, e6, e5, e4, e3, e2, e1]],
        [{ action: 'device.' }, [e3, e2, e1]],
        [{ action: 'device.access.' }, [e3, e1]],
        [{ action: 'device.access.changed' }, [e3, e1]],
        [{ action: 'device' }, [e5]],
        [{ action: 'device_x.' }, [e8]],
        [{ action: 'Device.' }, [e6]],
        [{ action: 'nothing.' }, []],
        [{ targetType: 'device' }, [e8, e6, e5, e3, e2, e1]],
        [{ targetType: null }, [e4]],
        [{ targetId: 'd1' }, [e7, e6, e5, e2, e1]],
        [{ targetType: 'device', targetId: 'd1' }, [e6, e5, e2, e1]],
        [{ actor: 'system' }, [e6, e5, e3, e1]],
        [{ actor: 'admin:root', action: 'device.' }, [e2]],
        [{ targetType: 'device', targetId: 'd1', action: 'device.', actor: 'system' }, [e1]],
        [{ targetId: undefined, action: undefined }, [e9, e8, e7, e6, e5, e4, e3, e2, e1]],
      ];
      for (const [filter, expected] of cases) {
        assert.deepEqual(
          ids(await store.listAudit(filter)),
          ids(expected as AuditEntry[]),
          JSON.stringify(filter),
        );
      }
    },
  );

  storeTest('since is inclusive, until exclusive (to the millisecond)', async (store) => {
    const entries = [0, 1, 2, 3, 4].map((s) => makeAudit(s));
    await appendAll(store, entries);
    const [e0, e1, e2, e3, e4] = entries as [AuditEntry, AuditEntry, AuditEntry, AuditEntry, AuditEntry];
    assert.deepEqual(ids(await store.listAudit({ since: at(1) })), ids([e4, e3, e2, e1]));
    assert.deepEqual(ids(await store.listAudit({ until: at(3) })), ids([e2, e1, e0]));
    assert.deepEqual(ids(await store.listAudit({ since: at(1), until: at(3) })), ids([e2, e1]));
    assert.deepEqual(ids(await store.listAudit({ since: at(1.001), until: at(3.001) })), ids([e3, e2]));
    assert.deepEqual(ids(await store.listAudit({ since: at(2), until: at(2) })), []);
    await assert.rejects(store.listAudit({ since: new Date(Number.NaN) }), RangeError);
  });

  storeTest('limit: default 100, capped at 1000; below 1 or fractional is a RangeError', async (store) => {
    const entries = Array.from({ length: 1100 }, (_, i) => makeAudit(i));
    await appendAll(store, entries, 50);
    const all = newestFirst(entries);
    assert.deepEqual(ids(await store.listAudit()), ids(all.slice(0, 100)));
    assert.deepEqual(ids(await store.listAudit({ limit: 7 })), ids(all.slice(0, 7)));
    assert.equal((await store.listAudit({ limit: 1000 })).length, 1000);
    assert.deepEqual(ids(await store.listAudit({ limit: 5000 })), ids(all.slice(0, 1000)));
    for (const limit of [0, -1, 2.5, Number.NaN]) {
      await assert.rejects(store.listAudit({ limit }), RangeError, String(limit));
    }
  });

  storeTest(
    'keyset paging with beforeId walks every entry exactly once, also with filters and ties',
    async (store) => {
      // 250 entries over 50 distinct timestamps: ties on `at` are broken by id across page edges.
      const entries = Array.from({ length: 250 }, (_, i) =>
        makeAudit(Math.floor(i / 5), { action: i % 2 === 0 ? 'device.access.changed' : 'auth.failed' }),
      );
      await appendAll(store, entries, 50);
      const walk = async (filter: AuditFilter): Promise<string[]> => {
        const seen: string[] = [];
        let beforeId: string | undefined;
        for (;;) {
          const page = await store.listAudit({ ...filter, limit: 30, ...(beforeId ? { beforeId } : {}) });
          seen.push(...ids(page));
          if (page.length < 30) return seen;
          beforeId = page[page.length - 1]?.id;
        }
      };
      assert.deepEqual(await walk({}), ids(newestFirst(entries)));
      const devices = entries.filter((e) => e.action.startsWith('device.'));
      assert.deepEqual(await walk({ action: 'device.' }), ids(newestFirst(devices)));
      // A page from the middle of a run of equal timestamps.
      const sorted = newestFirst(entries);
      const pivot = sorted[102];
      assert.ok(pivot);
      assert.deepEqual(
        ids(await store.listAudit({ beforeId: pivot.id, limit: 4 })),
        ids(sorted.slice(103, 107)),
      );
      assert.deepEqual(await store.listAudit({ beforeId: 'no-such-entry' }), []);
      assert.deepEqual(await store.listAudit({ beforeId: sorted[sorted.length - 1]?.id ?? '' }), []);
    },
  );

  storeTest('pruneAudit deletes strictly older entries and returns how many', async (store) => {
    const entries = Array.from({ length: 300 }, (_, i) => makeAudit(i));
    await appendAll(store, entries, 50);
    assert.equal(await store.pruneAudit(at(0)), 0);
    assert.equal(await store.pruneAudit(at(120)), 120);
    assert.equal(await store.pruneAudit(at(120)), 0);
    const left = await store.listAudit({ limit: 1000 });
    assert.equal(left.length, 180);
    assert.deepEqual(left[left.length - 1], entries[120]);
    assert.equal(await store.pruneAudit(at(10_000)), 180);
    assert.deepEqual(await store.listAudit(), []);
  });
}
