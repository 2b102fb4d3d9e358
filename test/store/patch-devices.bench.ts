// Times DeviceStore.patchDevices re-evaluating N associations (default 100,000) on each backend:
// SQLite on a file (WAL) and in memory, PostgreSQL in a throwaway schema (skipped if unreachable).
// Not part of the test run: node --import tsx test/store/patch-devices.bench.ts [N] [runs]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Device } from '../../src/devices/types.js';
import { createPostgresStore } from '../../src/store/postgres/index.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import type { DevicePatch, Store } from '../../src/store/types.js';
import { makeDevice, makeUser } from './conformance/fixtures.js';
import { PG_URL, dropSchema, endAdmin, uniqueSchema } from './pg-helpers.js';

const N = Number(process.argv[2] ?? 100_000);
const RUNS = Number(process.argv[3] ?? 3);

/** What a re-evaluation after a rule change writes: the decision, a third of the devices quarantined. */
function decision(i: number, run: number): DevicePatch {
  const quarantined = (i + run) % 3 === 0;
  return {
    accessState: quarantined ? 'Quarantined' : 'Allowed',
    accessReason: quarantined ? 'DeviceRule' : 'Global',
    accessRule: quarantined ? 'rule-outlook-old' : null,
    accessExplanation: quarantined
      ? `Quarantined by rule 'Outlook < 1.0.4': UserAgent 'Outlook-iOS-Android/1.0.${i % 4}' is in <1.0.4`
      : 'Allowed: no rule matched; organisation default is Allow',
    accessDecidedAt: new Date(),
    quarantinedAt: quarantined ? new Date() : null,
    releaseCondition: quarantined ? { kind: 'appVersion', range: '>=1.0.4' } : null,
  };
}

async function seed(store: Store): Promise<Device[]> {
  const users = Array.from({ length: Math.ceil(N / 5) }, () => makeUser());
  for (let i = 0; i < users.length; i += 100)
    await Promise.all(users.slice(i, i + 100).map((u) => store.putUser(u)));
  const devices: Device[] = [];
  for (let i = 0; i < N; i += 100) {
    const batch = Array.from({ length: Math.min(100, N - i) }, (_, k) =>
      makeDevice(users[Math.floor((i + k) / 5)]?.id ?? '', { userAgent: 'Outlook-iOS-Android/1.0.2' }),
    );
    devices.push(...(await Promise.all(batch.map((d) => store.createDevice(d)))));
  }
  return devices;
}

async function bench(name: string, store: Store): Promise<void> {
  let t = performance.now();
  const devices = await seed(store);
  console.log(
    `${name}: seeded ${devices.length} devices in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const patches = devices.map((d, i) => ({ id: d.id, patch: decision(i, run) }));
    t = performance.now();
    const updated = await store.patchDevices(patches);
    times.push(performance.now() - t);
    if (updated !== N) throw new Error(`${name}: updated ${updated}, expected ${N}`);
  }
  const sorted = [...times].sort((a, b) => a - b);
  console.log(
    `${name}: patchDevices(${N}) ${times.map((ms) => `${ms.toFixed(0)} ms`).join(', ')}; median ${sorted[Math.floor(RUNS / 2)]?.toFixed(0)} ms`,
  );
}

const dir = await mkdtemp(join(tmpdir(), 'syncward-bench-'));
try {
  const file = await createSqliteStore({ path: join(dir, 'state.db') });
  await bench('sqlite file', file).finally(() => file.close());
  const memory = await createSqliteStore({ path: ':memory:' });
  await bench('sqlite :memory:', memory).finally(() => memory.close());
} finally {
  await rm(dir, { recursive: true, force: true });
}

const schema = uniqueSchema();
try {
  const pg = await createPostgresStore({ url: PG_URL, schema, maxConnections: 8 });
  await bench('postgres', pg).finally(() => pg.close());
} catch (err) {
  console.log(`postgres: skipped (${(err as Error).message})`);
} finally {
  await dropSchema(schema).catch(() => undefined);
  await endAdmin();
}
