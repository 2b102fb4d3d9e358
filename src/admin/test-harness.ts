// Test helper (not a test file): the real app (buildApp) with the admin API mounted, on an in-memory
// SQLite store with the real AccessService, DeviceService and audit log, a settable clock and a
// logged-in administrator. Nothing is mocked but the EAS handler, which these tests never call.
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { AccessService } from '../access/service.js';
import { hashPassword } from '../auth/password.js';
import { newUserRecord } from '../auth/user-record.js';
import { DeviceService, newDevice } from '../devices/service.js';
import type { DeviceInformation } from '../devices/service.js';
import type { Device } from '../devices/types.js';
import { buildApp } from '../http/app.js';
import { seedStore } from '../http/bootstrap.js';
import { openStore } from '../store/open.js';
import type { Store, User } from '../store/types.js';
import { registerAdminApi } from './plugin.js';
import type { AdminPluginOptions } from './plugin.js';
import { RequestAuditLog } from './request-context.js';

export const ADMIN = { username: 'root', password: 'correct horse battery' };

export interface Harness {
  app: ReturnType<typeof buildApp>;
  store: Store;
  access: AccessService;
  devices: DeviceService;
  clock: { now: Date; advance(ms: number): void };
  token: string;
  /** Every route the app registered (method, full url), HEAD included. */
  routes: Array<{ method: string; url: string }>;
  /** An authenticated JSON request to /api/v1<path>. */
  api(
    method: InjectOptions['method'],
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  addUser(username: string, over?: Partial<User>): Promise<User>;
  /** A device that contacted the server and reported DeviceInformation, then evaluated. */
  addDevice(
    user: User,
    d: {
      deviceId: string;
      deviceType: string;
      userAgent?: string;
      protocolVersion?: string;
    } & DeviceInformation,
  ): Promise<Device>;
  close(): Promise<void>;
}

export async function createHarness(over: Partial<AdminPluginOptions> = {}): Promise<Harness> {
  const store = await openStore('sqlite::memory:');
  const clock = {
    now: new Date('2025-03-01T10:00:00.000Z'),
    advance(ms: number) {
      this.now = new Date(this.now.getTime() + ms);
    },
  };
  const now = () => new Date(clock.now);
  const log = pino({ level: 'silent' });
  await seedStore(store, { clock: now });
  await store.putAdmin({
    id: randomUUID(),
    username: ADMIN.username,
    passwordHash: await hashPassword(ADMIN.password),
    createdAt: now(),
  });
  const audit = new RequestAuditLog({ store, clock: now, log });
  const access = new AccessService({ store, clock: now, log, audit, cacheTtlMs: 0 });
  const devices = new DeviceService({ store, clock: now, maxDevicesPerUser: 100 });
  const app = buildApp({
    log: false,
    commands: [],
    handleEas: async () => ({ httpStatus: 200, headers: {}, body: null }),
    authenticate: async () => false,
    autodiscover: async () => ({ status: 200, headers: {}, body: '' }),
    registerAdmin: registerAdminApi({ store, access, devices, audit, clock: now, ...over }),
  });
  // buildApp mounts the admin plugin at ready(); a hook added now sees its routes.
  const routes: Harness['routes'] = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routes.push({ method, url: r.url });
  });
  await app.ready();

  const login = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/token',
    payload: { username: ADMIN.username, password: ADMIN.password, name: 'tests' },
  });
  if (login.statusCode !== 201) throw new Error(`harness login failed: ${login.statusCode} ${login.body}`);
  const token = (login.json() as { token: string }).token;

  const h: Harness = {
    app,
    store,
    access,
    devices,
    clock,
    token,
    routes,
    api(method, path, body, headers = {}) {
      return app.inject({
        method,
        url: `/api/v1${path}`,
        headers: { authorization: `Bearer ${token}`, ...headers },
        ...(body === undefined ? {} : { payload: body as InjectOptions['payload'] }),
      });
    },
    async addUser(username, o = {}) {
      const user: User = {
        ...newUserRecord({
          username,
          email: `${username}@example.com`,
          // Not a real hash: these users never log in over EAS in these tests.
          passwordHash: 'x',
          now: now(),
        }),
        ...o,
      };
      await store.putUser(user);
      return user;
    },
    async addDevice(user, d) {
      const { deviceId, deviceType, userAgent, protocolVersion, ...info } = d;
      const created = await store.createDevice(
        newDevice(
          { userId: user.id, brokerId: '', deviceId },
          { deviceType, userAgent: userAgent ?? null, protocolVersion: protocolVersion ?? '16.1' },
          now(),
        ),
      );
      const withInfo = await devices.applyDeviceInformation(created, info);
      // The device has provisioned: a non-provisionable device would be refused by the default policy.
      await store.patchDevice(withInfo.id, { policyStatus: 'AppliedInFull', policyKey: '1234' });
      await access.reevaluate({ actor: 'system', userId: user.id });
      const stored = await store.getDevice(withInfo.id);
      if (!stored) throw new Error('device vanished');
      return stored;
    },
    async close() {
      await app.close();
      await store.close();
    },
  };
  return h;
}

/** Audit entries of one action, newest first. */
export async function auditOf(store: Store, action: string) {
  return store.listAudit({ action, limit: 1000 });
}
