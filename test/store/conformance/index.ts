// The one definition of correct state-store behaviour: every backend runs this suite through a
// ~10-line <backend>.test.ts. Every test gets its own fresh, empty store from `makeStore`.
import type { TestContext } from 'node:test';
import { describe, test } from 'node:test';
import type { Store } from '../../../src/store/types.js';
import { accessTests } from './access.js';
import { adminTokenTests } from './admin-tokens.js';
import { adminTests } from './admins.js';
import { auditTests } from './audit.js';
import { deviceBatchTests } from './device-batch.js';
import { deviceTests } from './devices.js';
import { lifecycleTests } from './lifecycle.js';
import { mailBodyTests } from './mail-bodies.js';
import { mailFolderTests } from './mail-folders.js';
import { mailMessageTests } from './mail-messages.js';
import { mailSearchTests } from './mail-search.js';
import { policyTests } from './policies.js';
import { syncStateTests } from './sync-state.js';
import { textTests } from './text.js';
import { userTests } from './users.js';

export interface StoreHarness {
  /** A freshly opened, empty store. */
  store: Store;
  /** Close the store (if still open) and remove its data (file, schema). */
  cleanup: () => Promise<void>;
  /**
   * For persistent backends: open another Store on the same data, as a restart would. Absent for
   * stores whose data dies with them (SQLite ':memory:'); the persistence test then skips.
   */
  reopen?: () => Promise<Store>;
}

export type MakeStore = () => Promise<StoreHarness>;

/** Declares one test that runs against its own fresh store, cleaned up afterwards. */
export type StoreTest = (
  name: string,
  fn: (store: Store, harness: StoreHarness, t: TestContext) => Promise<void>,
) => void;

/**
 * Tests within a group run this many at a time. Each has its own store, so they cannot see each
 * other; it hides the cost of creating a PostgreSQL schema per test (~0.2 s of DDL and DROP).
 */
const CONCURRENCY = 4;

export function describeStoreConformance(name: string, makeStore: MakeStore): void {
  const storeTest: StoreTest = (testName, fn) => {
    test(testName, async (t) => {
      const harness = await makeStore();
      try {
        await fn(harness.store, harness, t);
      } finally {
        await harness.cleanup();
      }
    });
  };

  describe(`store conformance: ${name}`, () => {
    describe('users', { concurrency: CONCURRENCY }, () => userTests(storeTest));
    describe('admins', { concurrency: CONCURRENCY }, () => adminTests(storeTest));
    describe('policies and domain assignments', { concurrency: CONCURRENCY }, () => policyTests(storeTest));
    describe('devices', { concurrency: CONCURRENCY }, () => deviceTests(storeTest));
    describe('devices: patchDevices', { concurrency: CONCURRENCY }, () => deviceBatchTests(storeTest));
    describe('access rules, org settings, user and device access fields', { concurrency: CONCURRENCY }, () =>
      accessTests(storeTest),
    );
    describe('audit log', { concurrency: CONCURRENCY }, () => auditTests(storeTest));
    describe('admin tokens', { concurrency: CONCURRENCY }, () => adminTokenTests(storeTest));
    describe('sync states', { concurrency: CONCURRENCY }, () => syncStateTests(storeTest));
    describe('mail folders', { concurrency: CONCURRENCY }, () => mailFolderTests(storeTest));
    // One at a time: the 25 MB test measures the process's memory.
    describe('mail messages and content', { concurrency: 1 }, () => mailMessageTests(storeTest));
    describe('mail bodies', { concurrency: CONCURRENCY }, () => mailBodyTests(storeTest));
    describe('mail search', { concurrency: CONCURRENCY }, () => mailSearchTests(storeTest));
    describe('text', { concurrency: CONCURRENCY }, () => textTests(storeTest));
    describe('lifecycle', { concurrency: CONCURRENCY }, () => lifecycleTests(storeTest));
  });
}
