// Starts a real Syncward server on 127.0.0.1:0 (real HTTP, real store) for integration tests,
// and makes users and clients for it; startMailTestServer adds the memory mail backend's helpers.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { hashPassword } from '../../src/auth/password.js';
import { newUserRecord } from '../../src/auth/user-record.js';
import { EasClient } from '../../src/client/index.js';
import type { EasClientOptions } from '../../src/client/index.js';
import { startServer } from '../../src/http/server.js';
import type { RunningServer, ServerConfig } from '../../src/http/server.js';
import { MemoryMailBackend } from '../../src/mail/memory/index.js';
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
    push?: ServerConfig['push'];
    /** Default: the memory backend, which tests deliver through (the others have their own suites). */
    mail?: ServerConfig['mail'];
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
    push: o.push,
    mail: o.mail ?? { kind: 'memory' },
  });
  return Object.assign(server, {
    async addUser(username: string, password: string, patch: Partial<User> = {}): Promise<User> {
      const user: User = {
        ...newUserRecord({
          username,
          email: `${username}@example.com`,
          passwordHash: await hashPassword(password),
          now: new Date(),
        }),
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

/** A TestServer on the memory mail backend, with the users and phones of the mail suites. */
export interface MailTestServer extends TestServer {
  /** The memory backend: tests deliver through it and read the mailboxes directly. */
  mail: MemoryMailBackend;
  /**
   * A new user `<usernamePrefix><n>` with the suite's password and its memory mailbox opened, so that
   * local delivery (SendMail to its address) knows the user from the start.
   */
  newUser(patch?: Partial<User>): Promise<User>;
  /**
   * A client of the user, with the suite's password, that has provisioned (AckStatus 1) and, unless
   * the suite was started with `folderSync: false`, run its first FolderSync (Status 1).
   */
  phone(user: User, o?: Partial<EasClientOptions>): Promise<EasClient>;
}

export async function startMailTestServer(o: {
  password: string;
  usernamePrefix: string;
  /** Display names `<displayNamePrefix> <n>`; default: the username. */
  displayNamePrefix?: string;
  /** Whether phone() runs the first FolderSync; default true. */
  folderSync?: boolean;
}): Promise<MailTestServer> {
  const server = await startTestServer();
  const mail = server.services.mail;
  assert.ok(mail instanceof MemoryMailBackend, 'tests deliver through the memory backend');
  let n = 0;
  return Object.assign(server, {
    mail,
    async newUser(patch: Partial<User> = {}): Promise<User> {
      const i = ++n;
      const named = o.displayNamePrefix === undefined ? {} : { displayName: `${o.displayNamePrefix} ${i}` };
      const user = await server.addUser(`${o.usernamePrefix}${i}`, o.password, { ...named, ...patch });
      mail.mailbox(user);
      return user;
    },
    async phone(user: User, c: Partial<EasClientOptions> = {}): Promise<EasClient> {
      const client = server.client({ username: user.username, password: o.password, ...c });
      assert.equal((await client.provision()).ackStatus, 1);
      if (o.folderSync ?? true) assert.equal((await client.folderSync()).status, 1);
      return client;
    },
  });
}

/** A plain-text message from Bob to someone@example.com, as the mail suites deliver it. */
export function mime(subject: string, body = `Body of ${subject}`): Buffer {
  return Buffer.from(
    [
      'From: "Bob" <bob@example.net>',
      'To: someone@example.com',
      `Subject: ${subject}`,
      'Date: Tue, 02 Jan 2024 10:00:00 +0000',
      'Content-Type: text/plain; charset=utf-8',
      '',
      body,
      '',
    ].join('\r\n'),
  );
}

/** A plain-text MIME 1.0 message; From defaults to Bob, Message-ID is added only when given. */
export function textMessage(o: {
  from?: string;
  to: string;
  subject: string;
  body: string;
  messageId?: string;
}): Buffer {
  return Buffer.from(
    [
      `From: ${o.from ?? '"Bob" <bob@example.net>'}`,
      `To: ${o.to}`,
      `Subject: ${o.subject}`,
      'Date: Tue, 02 Jan 2024 10:00:00 +0000',
      ...(o.messageId ? [`Message-ID: ${o.messageId}`] : []),
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      o.body,
      '',
    ].join('\r\n'),
    'utf8',
  );
}
