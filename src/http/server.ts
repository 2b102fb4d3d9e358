// Composition root: opens the store, seeds it on first start, wires services, gate and routes,
// and listens. The only module (with the CLI) that picks a store backend.
import { readFileSync } from 'node:fs';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { createAutoblockTracker } from '../access/autoblock.js';
import { AccessService } from '../access/service.js';
import { registerAdminApi } from '../admin/plugin.js';
import { RequestAuditLog } from '../admin/request-context.js';
import { DeviceService } from '../devices/service.js';
import { createSmtpNotifier } from '../notify/smtp-notifier.js';
import type { SmtpRelayOptions } from '../notify/smtp-notifier.js';
import { externalUserProvisioner } from '../auth/external-users.js';
import { Authenticator } from '../eas/authenticate.js';
import type { ExternalLogin } from '../eas/authenticate.js';
import type { EasServices } from '../eas/context.js';
import { createEasHandler } from '../eas/gate.js';
import { defaultRegistry } from '../eas/registry.js';
import { createThrottle } from '../eas/throttle.js';
import { createEmbeddedBackend } from '../mail/embedded/index.js';
import { startSmtpListener } from '../mail/embedded/smtp-listener.js';
import { createImapBackend } from '../mail/imap/index.js';
import type { ImapServerOptions, SmtpServerOptions } from '../mail/imap/index.js';
import { createMemoryMailBackend } from '../mail/memory/index.js';
import type { MailBackend } from '../mail/types.js';
import { PushHub } from '../push/hub.js';
import type { PushLimits } from '../push/hub.js';
import type { PushServices } from '../push/services.js';
import type { ThrottleOptions } from '../eas/throttle.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/types.js';
import { buildApp } from './app.js';
import { autodiscoverHandler } from './autodiscover-route.js';
import { seedStore } from './bootstrap.js';
import type { SeedResult } from './bootstrap.js';

export interface ServerConfig {
  host: string;
  port: number;
  databaseUrl: string;
  logLevel: string;
  tls: { certFile: string; keyFile: string } | null;
  /** Base URL devices use (Autodiscover answer); null = derive from each request's Host. */
  publicUrl: string | null;
  maxDevicesPerUser: number;
  /** Per (user, device) limits; default 20 req/s sustained, bursts of 60, 10 in flight (Exchange EasMaxConcurrency). */
  throttle?: Pick<ThrottleOptions, 'ratePerSecond' | 'burst' | 'maxConcurrent'>;
  /** SMTP relay for admin notifications (quarantine); null = no mail. */
  smtp?: SmtpRelayOptions | null;
  /** Ping heartbeat bounds and MaxFolders; default 60–3540 s and 300 folders, as Exchange. */
  push?: Partial<PushLimits>;
  /**
   * Mail backend. 'embedded' (the default) keeps mail in the state store and accepts inbound mail
   * on an SMTP listener; 'imap' passes each device's credentials through to an existing IMAP and
   * submission server, which then also checks the passwords; 'memory' keeps mail in process
   * memory (tests, benchmarks).
   */
  mail?:
    | { kind: 'memory' }
    | {
        kind: 'imap';
        imap: ImapServerOptions;
        submission: SmtpServerOptions;
        /** Create a user record at the first login the IMAP server accepts (default true). */
        createUsers?: boolean;
        /** Domain for logins without one; null = such logins need an existing user record. */
        mailDomain?: string | null;
        /** The submission server files sent mail in Sent itself. */
        submissionSavesSent?: boolean;
        /** How often folders other than INBOX are polled for changes (IDLE covers INBOX). */
        watchPollMs?: number;
      }
    | {
        kind: 'embedded';
        /** Inbound SMTP for local users; null = no listener. */
        smtpListen: { host: string; port: number } | null;
        /** smtp://host:port relay for outside recipients; null = refuse them. */
        smarthost: string | null;
        maxMessageBytes?: number;
      };
}

export interface RunningServer {
  url: string;
  app: FastifyInstance;
  store: Store;
  services: EasServices;
  seed: SeedResult;
  /** Port of the inbound SMTP listener, when one runs. */
  smtpPort: number | null;
  close(): Promise<void>;
}

const DEFAULT_MAX_MESSAGE_BYTES = 50 * 1024 * 1024;

/** The one place that picks the mail backend (and starts its inbound SMTP listener). */
async function createMailBackend(
  cfg: ServerConfig,
  store: Store,
  clock: () => Date,
  log: pino.Logger,
  audit: RequestAuditLog,
): Promise<{
  mail: MailBackend;
  smtpPort: number | null;
  external?: ExternalLogin;
  stop(): Promise<void>;
}> {
  const m = cfg.mail ?? { kind: 'embedded', smtpListen: null, smarthost: null };
  if (m.kind === 'memory') {
    const mail = createMemoryMailBackend({ clock });
    return { mail, smtpPort: null, stop: async () => {} };
  }
  if (m.kind === 'imap') {
    const mail = createImapBackend({
      imap: m.imap,
      smtp: { ...m.submission, serverSavesSent: m.submissionSavesSent ?? false },
      log,
      ...(m.watchPollMs !== undefined ? { watchPollMs: m.watchPollMs } : {}),
    });
    const scheme = m.imap.secure ? 'imaps' : 'imap';
    const external: ExternalLogin = {
      verify: (login, password) => mail.verifyLogin({ username: login, password }),
      provision: externalUserProvisioner({
        users: store,
        audit,
        clock,
        create: m.createUsers ?? true,
        mailDomain: m.mailDomain ?? null,
        source: `${scheme}://${m.imap.host}:${m.imap.port}`,
      }),
    };
    return { mail, smtpPort: null, external, stop: async () => {} };
  }
  const maxMessageBytes = m.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const backend = createEmbeddedBackend({
    store,
    log,
    clock,
    maxMessageBytes,
    ...(m.smarthost ? { smarthost: { url: m.smarthost } } : {}),
  });
  const listener = m.smtpListen
    ? await startSmtpListener({ ...m.smtpListen, backend, store, maxMessageBytes, log })
    : null;
  return { mail: backend, smtpPort: listener?.port ?? null, stop: async () => listener?.close() };
}

export async function startServer(cfg: ServerConfig): Promise<RunningServer> {
  const log = pino({ level: cfg.logLevel, base: { svc: 'syncward' } });
  const store = await openStore(cfg.databaseUrl);
  try {
    // With an IMAP backend the mail server owns the passwords: a demo user could never log in.
    const seed = await seedStore(store, { demoUser: cfg.mail?.kind !== 'imap' });
    const clock = () => new Date();
    // Fills in the admin's address as the source of entries written during an admin request.
    const audit = new RequestAuditLog({ store, clock, log });
    const notifier = cfg.smtp ? createSmtpNotifier(cfg.smtp) : null;
    const access = new AccessService({
      store,
      clock,
      log,
      audit,
      notifier,
      autoblock: createAutoblockTracker({ settings: (await store.getOrgSettings())?.autoblock, clock }),
    });
    const registry = defaultRegistry();
    const {
      mail,
      smtpPort,
      external,
      stop: stopSmtp,
    } = await createMailBackend(cfg, store, clock, log, audit);
    // One hub holds every Ping (and Sync+Wait), fed by one subscription to the mail backend.
    const push = new PushHub({ limits: cfg.push });
    const unsubscribePush = mail.onChange((e) => push.publish(e));
    const services: EasServices & PushServices = {
      store,
      log,
      clock,
      audit,
      access,
      devices: new DeviceService({ store, clock, maxDevicesPerUser: cfg.maxDevicesPerUser }),
      mail,
      commands: [...registry.keys()],
      push,
    };
    const auth = new Authenticator({ users: store, clock, ...(external ? { external } : {}) });
    const app = buildApp({
      log,
      handleEas: createEasHandler({
        svc: services,
        auth,
        registry,
        throttle: createThrottle(cfg.throttle ?? { ratePerSecond: 20, burst: 60, maxConcurrent: 10 }),
      }),
      authenticate: async (credentials) => (await auth.authenticate(credentials)) !== null,
      autodiscover: autodiscoverHandler({ auth, publicUrl: cfg.publicUrl, log }),
      commands: [...registry.keys()],
      registerAdmin: registerAdminApi({ store, access, devices: services.devices, audit, clock }),
      ...(cfg.tls
        ? { https: { cert: readFileSync(cfg.tls.certFile), key: readFileSync(cfg.tls.keyFile) } }
        : {}),
    });
    await app.listen({ host: cfg.host, port: cfg.port });
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : cfg.port;
    const host = cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host;
    return {
      url: `${cfg.tls ? 'https' : 'http'}://${host}:${port}`,
      app,
      store,
      services,
      seed,
      smtpPort,
      async close() {
        // Held Pings answer first, or closing the listener would wait out their heartbeats.
        push.close();
        unsubscribePush();
        await app.close();
        notifier?.close();
        await stopSmtp();
        await mail.close();
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}
