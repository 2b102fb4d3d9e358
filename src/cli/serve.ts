// syncward serve: starts the EAS server on the embedded SQLite store unless a database URL is given.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { startServer } from '../http/server.js';
import type { ServerConfig } from '../http/server.js';
import { parseImapUrl, parseSubmissionUrl } from '../mail/imap/url.js';
import { CliError, DEFAULT_DATA_DIR, defaultDatabaseUrl, print, smtpFromEnv } from './context.js';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the ActiveSync server')
    .option('--port <port>', 'TCP port (env EAS_PORT)', process.env.EAS_PORT ?? '8080')
    .option('--host <address>', 'listen address (env EAS_HOST)', process.env.EAS_HOST ?? '127.0.0.1')
    .option(
      '--data-dir <dir>',
      'where the SQLite file lives (env EAS_DATA_DIR)',
      process.env.EAS_DATA_DIR ?? DEFAULT_DATA_DIR,
    )
    .option(
      '--log-level <level>',
      'fatal|error|warn|info|debug|trace (env EAS_LOG_LEVEL)',
      process.env.EAS_LOG_LEVEL ?? 'info',
    )
    .option('--tls-cert <file>', 'PEM certificate: serve HTTPS (phones require it outside a lab)')
    .option('--tls-key <file>', 'PEM private key for --tls-cert')
    .option(
      '--public-url <url>',
      'URL devices use, returned by Autodiscover (default: from the request Host)',
    )
    .option('--max-devices-per-user <n>', 'device partnerships per user (Exchange EasMaxDevices)', '100')
    .option(
      '--min-heartbeat <seconds>',
      'shortest Ping HeartbeatInterval accepted (env EAS_MIN_HEARTBEAT; Exchange: 60)',
      process.env.EAS_MIN_HEARTBEAT ?? '60',
    )
    .option(
      '--max-heartbeat <seconds>',
      'longest Ping HeartbeatInterval accepted, at most 3540 (env EAS_MAX_HEARTBEAT)',
      process.env.EAS_MAX_HEARTBEAT ?? '3540',
    )
    .option(
      '--smtp-port <port>',
      "inbound SMTP for local users (embedded mail), on 127.0.0.1; 'off' for none (env EAS_SMTP_PORT)",
      process.env.EAS_SMTP_PORT ?? '2525',
    )
    .option(
      '--smtp-host <address>',
      'address of the inbound SMTP listener (env EAS_SMTP_HOST)',
      process.env.EAS_SMTP_HOST ?? '127.0.0.1',
    )
    .option(
      '--smarthost <url>',
      'smtp://host:port relay for mail to outside recipients; without it such mail is refused (env EAS_SMARTHOST)',
      process.env.EAS_SMARTHOST,
    )
    .option(
      '--mail-backend <kind>',
      "'embedded' (mail in the state store), 'imap' (an existing IMAP + submission server) or 'memory' (lost at exit; tests) (env EAS_MAIL_BACKEND)",
      process.env.EAS_MAIL_BACKEND ?? 'embedded',
    )
    .option(
      '--imap-url <url>',
      'imap mode: imaps://host[:993] or imap://host[:143] (STARTTLS when offered); ?tls=insecure accepts a self-signed certificate (env EAS_IMAP_URL)',
      process.env.EAS_IMAP_URL,
    )
    .option(
      '--submission-url <url>',
      'imap mode: smtp://host[:587] (STARTTLS when offered) or smtps://host[:465]; devices send with their own credentials (env EAS_SUBMISSION_URL)',
      process.env.EAS_SUBMISSION_URL,
    )
    .option(
      '--mail-domain <domain>',
      'imap mode: address domain for logins without one (alice -> alice@domain) (env EAS_MAIL_DOMAIN)',
      process.env.EAS_MAIL_DOMAIN,
    )
    .option(
      '--no-create-users',
      'imap mode: only users already in the directory may connect (default: the first login the IMAP server accepts creates the user)',
    )
    .option(
      '--submission-saves-sent',
      'imap mode: the submission server files sent mail in Sent itself (Gmail-like); Syncward then does not append a copy',
    )
    .action(
      async (o: {
        imapUrl?: string;
        submissionUrl?: string;
        mailDomain?: string;
        createUsers: boolean;
        submissionSavesSent?: boolean;
        smtpPort: string;
        smtpHost: string;
        smarthost?: string;
        mailBackend: string;
        port: string;
        host: string;
        dataDir: string;
        logLevel: string;
        tlsCert?: string;
        tlsKey?: string;
        publicUrl?: string;
        maxDevicesPerUser: string;
        minHeartbeat: string;
        maxHeartbeat: string;
      }) => {
        const port = Number(o.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`bad --port ${o.port}`);
        const maxDevices = Number(o.maxDevicesPerUser);
        if (!Number.isInteger(maxDevices) || maxDevices < 1) throw new CliError('bad --max-devices-per-user');
        const minHeartbeat = Number(o.minHeartbeat);
        const maxHeartbeat = Number(o.maxHeartbeat);
        if (!Number.isInteger(minHeartbeat) || minHeartbeat < 1 || minHeartbeat > 3540)
          throw new CliError('bad --min-heartbeat (1..3540 seconds)');
        if (!Number.isInteger(maxHeartbeat) || maxHeartbeat < minHeartbeat || maxHeartbeat > 3540)
          throw new CliError('bad --max-heartbeat (--min-heartbeat..3540 seconds)');
        const smtpPort = o.smtpPort === 'off' ? null : Number(o.smtpPort);
        if (smtpPort !== null && (!Number.isInteger(smtpPort) || smtpPort < 0 || smtpPort > 65535))
          throw new CliError(`bad --smtp-port ${o.smtpPort}`);
        const mail = mailConfig(o, smtpPort);
        if (Boolean(o.tlsCert) !== Boolean(o.tlsKey))
          throw new CliError('--tls-cert and --tls-key go together');
        const databaseUrl = program.opts().database ?? defaultDatabaseUrl(o.dataDir);
        if (databaseUrl.startsWith('sqlite:') && !databaseUrl.startsWith('sqlite::memory:')) {
          mkdirSync(dirname(databaseUrl.slice('sqlite:'.length)), { recursive: true });
        }
        const server = await startServer({
          host: o.host,
          port,
          databaseUrl,
          logLevel: o.logLevel,
          tls: o.tlsCert && o.tlsKey ? { certFile: o.tlsCert, keyFile: o.tlsKey } : null,
          publicUrl: o.publicUrl ?? null,
          maxDevicesPerUser: maxDevices,
          push: { minHeartbeatSeconds: minHeartbeat, maxHeartbeatSeconds: maxHeartbeat },
          smtp: smtpFromEnv(),
          mail,
        });
        const creds = server.seed.credentials;
        if (creds) {
          print(
            [
              'First start: created these accounts. The passwords are shown once; store them now.',
              `  admin (admin API/console): ${creds.admin.username} / ${creds.admin.password}`,
              ...(creds.demo
                ? [`  demo mail user (EAS):      ${creds.demo.username} / ${creds.demo.password}`]
                : []),
            ].join('\n'),
          );
        }
        if (server.smtpPort !== null)
          print(`Inbound SMTP for local users on ${o.smtpHost}:${server.smtpPort}`);
        if (mail.kind === 'imap') {
          const i = mail.imap;
          print(`Mail: IMAP ${i.secure ? 'imaps' : 'imap'}://${i.host}:${i.port} (passwords checked there)`);
        }
        print(`Syncward listening on ${server.url} (store: ${server.store.kind})`);
        const stop = async () => {
          await server.close();
          process.exit(0);
        };
        process.once('SIGINT', () => void stop());
        process.once('SIGTERM', () => void stop());
      },
    );
}

type MailConfig = NonNullable<ServerConfig['mail']>;

function mailConfig(
  o: {
    mailBackend: string;
    smtpHost: string;
    smarthost?: string;
    imapUrl?: string;
    submissionUrl?: string;
    mailDomain?: string;
    createUsers: boolean;
    submissionSavesSent?: boolean;
  },
  smtpPort: number | null,
): MailConfig {
  switch (o.mailBackend) {
    case 'memory':
      return { kind: 'memory' };
    case 'embedded':
      return {
        kind: 'embedded',
        smtpListen: smtpPort === null ? null : { host: o.smtpHost, port: smtpPort },
        smarthost: o.smarthost ?? null,
      };
    case 'imap': {
      if (!o.imapUrl || !o.submissionUrl)
        throw new CliError('--mail-backend imap needs --imap-url and --submission-url');
      if (o.mailDomain !== undefined && !/^[a-z0-9.-]+\.[a-z0-9-]+$/i.test(o.mailDomain))
        throw new CliError(`bad --mail-domain ${o.mailDomain}`);
      return {
        kind: 'imap',
        imap: serverUrl('--imap-url', () => parseImapUrl(o.imapUrl as string)),
        submission: serverUrl('--submission-url', () => parseSubmissionUrl(o.submissionUrl as string)),
        createUsers: o.createUsers,
        mailDomain: o.mailDomain?.toLowerCase() ?? null,
        submissionSavesSent: o.submissionSavesSent ?? false,
      };
    }
    default:
      throw new CliError("--mail-backend is 'embedded', 'imap' or 'memory'");
  }
}

function serverUrl<T>(flag: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new CliError(`bad ${flag}: ${(err as Error).message}`);
  }
}
