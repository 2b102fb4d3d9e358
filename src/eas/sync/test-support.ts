// Helpers for the sync unit tests: an in-memory SyncStateStore with the store's contract
// (compare-and-set put, null for missing), a memory mailbox with a user, and a SyncEnv.
import type { SyncState, SyncStateStore } from '../../store/sync-state.js';
import { DEFAULT_POLICY_SETTINGS } from '../../policy/defaults.js';
import type { PolicySettings } from '../../policy/types.js';
import { createMemoryMailBackend } from '../../mail/memory/index.js';
import type { MemoryMailBackend, MemorySession } from '../../mail/memory/index.js';
import type { ProtocolVersion } from '../types.js';
import type { SyncEnv } from './collection.js';
import { currentHierarchy, emptyHierarchy, serializeHierarchy } from './folder-map.js';
import type { HierarchyData } from './folder-map.js';
import { HIERARCHY_STATE } from './state-store.js';

export class MemorySyncStates implements SyncStateStore {
  readonly rows = new Map<string, SyncState>();
  private k = (d: string, c: string) => `${d}\n${c}`;

  async getSyncState(deviceId: string, collectionId: string): Promise<SyncState | null> {
    const r = this.rows.get(this.k(deviceId, collectionId));
    return r ? { ...r } : null;
  }
  async putSyncState(state: SyncState, expectedSyncKey: string | null): Promise<boolean> {
    const cur = this.rows.get(this.k(state.deviceId, state.collectionId));
    if ((cur?.syncKey ?? null) !== expectedSyncKey) return false;
    this.rows.set(this.k(state.deviceId, state.collectionId), { ...state });
    return true;
  }
  async deleteSyncStates(deviceId: string, collectionId?: string): Promise<void> {
    for (const key of [...this.rows.keys()]) {
      const [d, c] = key.split('\n');
      if (d === deviceId && (collectionId === undefined || c === collectionId)) this.rows.delete(key);
    }
  }
  async listSyncCollections(deviceId: string): Promise<string[]> {
    return [...this.rows.values()].filter((r) => r.deviceId === deviceId).map((r) => r.collectionId);
  }
}

export const TEST_USER = { id: 'u1', username: 'ana', email: 'ana@example.com', displayName: 'Ana' };

export function message(subject: string, body = `Body of ${subject}`, extra: string[] = []): Buffer {
  return Buffer.from(
    [
      'From: "Bob Sender" <bob@example.net>',
      'To: "Ana" <ana@example.com>',
      `Subject: ${subject}`,
      'Date: Tue, 02 Jan 2024 10:00:00 +0000',
      ...extra,
      'Content-Type: text/plain; charset=utf-8',
      '',
      body,
      '',
    ].join('\r\n'),
  );
}

export interface SyncFixture {
  backend: MemoryMailBackend;
  session: MemorySession;
  states: MemorySyncStates;
  env: SyncEnv;
  hierarchy: HierarchyData;
  /** ServerId of the folder with the role. */
  collectionOf(role: string): string;
  folderIdOf(role: string): string;
  deliver(subject: string, o?: { receivedAt?: Date; body?: string }): Promise<string>;
  /** A fresh env (new listing of folders, new now). */
  refresh(): Promise<SyncEnv>;
}

export async function syncFixture(
  o: { now?: Date; version?: ProtocolVersion; policy?: Partial<PolicySettings> } = {},
): Promise<SyncFixture> {
  const now = o.now ?? new Date('2024-03-01T12:00:00Z');
  const backend = createMemoryMailBackend({ clock: () => now });
  const session = await backend.open(TEST_USER, { username: 'ana', password: 'x' });
  const states = new MemorySyncStates();
  const folders = await session.listFolders();
  const cur = currentHierarchy(emptyHierarchy(), folders);
  const hierarchy: HierarchyData = { next: cur.next, ids: cur.ids, folders: cur.folders };
  await states.putSyncState(
    {
      deviceId: 'dev1',
      collectionId: HIERARCHY_STATE,
      syncKey: '{00000000}1',
      data: serializeHierarchy(hierarchy),
      previousSyncKey: null,
      previousData: null,
      updatedAt: now,
    },
    null,
  );
  const make = async (): Promise<SyncEnv> => ({
    states,
    deviceId: 'dev1',
    mailbox: session,
    hierarchy,
    folders: await session.listFolders(),
    policy: { ...DEFAULT_POLICY_SETTINGS, ...o.policy },
    version: o.version ?? '16.1',
    user: TEST_USER,
    now,
  });
  const folderIdOf = (role: string) => folders.find((f) => f.role === role)?.id ?? '';
  return {
    backend,
    session,
    states,
    env: await make(),
    hierarchy,
    folderIdOf,
    collectionOf: (role) => hierarchy.ids.get(folderIdOf(role)) ?? '',
    deliver: (subject, d = {}) =>
      backend.deliver(TEST_USER, message(subject, d.body), { receivedAt: d.receivedAt ?? now }),
    refresh: make,
  };
}
