// Starts a real Syncward server on 127.0.0.1:0 (real HTTP, real store) for integration tests,
// and makes users and clients for it.
import { randomUUID } from 'node:crypto';
import { hashPassword } from '../../src/auth/password.js';
import { EasClient } from '../../src/client/index.js';
import type { EasClientOptions } from '../../src/client/index.js';
import { startServer } from '../../src/http/server.js';
import type { RunningServer, ServerConfig } from '../../src/http/server.js';
import type { User } from '../../src/store/types.js';

export interface TestServer extends RunningServer {
  addUser(username: string, password: string, patch?: Partial<User>): Promise<User>;
  client(o: Partial<EasClientOptions> & Pick<EasClientOptions, 'username' | 'password'>): EasClient;
}

export async function startTestServer(
  o: {
    databaseUrl?: string;
    maxDevicesPerUser?: number;
    throttle?: ServerConfig['throttle'];
    smtp?: ServerConfig['smtp'];
  } = {},
): Promise<TestServer> {
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    databaseUrl: o.databaseUrl ?? 'sqlite::memory:',
    logLevel: process.env.EAS_TEST_LOG_LEVEL ?? 'silent',
    tls: null,
    publicUrl: null,
    maxDevicesPerUser: o.maxDevicesPerUser ?? 100,
    throttle: o.throttle ?? { ratePerSecond: 1000, burst: 1000, maxConcurrent: 100 },
    smtp: o.smtp ?? null,
    // Tests deliver through the memory backend's deliver(); the embedded backend has its own suite.
    mail: { kind: 'memory' },
  });
  return Object.assign(server, {
    async addUser(username: string, password: string, patch: Partial<User> = {}): Promise<User> {
      const now = new Date();
      const user: User = {
        id: randomUUID(),
        username,
        email: `${username}@example.com`,
        displayName: username,
        passwordHash: await hashPassword(password),
        easEnabled: true,
        policyId: null,
        allowedDeviceIds: [],
        blockedDeviceIds: [],
        createdAt: now,
        updatedAt: now,
        ...patch,
      };
      await server.store.putUser(user);
      return user;
    },
    client(c: Partial<EasClientOptions> & Pick<EasClientOptions, 'username' | 'password'>): EasClient {
      return new EasClient({
        baseUrl: server.url,
        deviceId: 'DEV' + randomUUID().replace(/-/g, '').slice(0, 20).toUpperCase(),
        deviceType: 'iPhone',
        protocolVersion: '16.1',
        userAgent: 'Apple-iPhone14C2/2104.91',
        deviceInformation: {
          Model: 'iPhone14C2',
          OS: 'iOS 17.4.1 21E236',
          FriendlyName: "Ana's iPhone",
          IMEI: '356938035643809',
        },
        ...c,
      });
    },
  });
}
