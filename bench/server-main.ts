// A benchmark-only server process: the same composition root as `syncward serve` (SQLite store,
// embedded mail backend, inbound SMTP on a free loopback port) with the per-device throttle lifted,
// because simulated devices loop far faster than the 20 requests/s a real one may send. Prints the
// lines `syncward serve` prints, so bench/lib.ts reads both the same way. Never used in production.
import { join } from 'node:path';
import { startServer } from '../src/http/server.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: server-main.ts <data-dir>');
const server = await startServer({
  host: '127.0.0.1',
  port: 0,
  databaseUrl: `sqlite:${join(dataDir, 'syncward.db')}`,
  logLevel: 'warn',
  tls: null,
  publicUrl: null,
  maxDevicesPerUser: 1000,
  throttle: { ratePerSecond: 1_000_000, burst: 1_000_000, maxConcurrent: 1000 },
  smtp: null,
  mail: { kind: 'embedded', smtpListen: { host: '127.0.0.1', port: 0 }, smarthost: null },
});
const creds = server.seed.credentials;
if (creds) {
  console.log(`  admin (admin API/console): ${creds.admin.username} / ${creds.admin.password}`);
  if (creds.demo) console.log(`  demo mail user (EAS):      ${creds.demo.username} / ${creds.demo.password}`);
}
console.log(`Inbound SMTP for local users on 127.0.0.1:${server.smtpPort}`);
console.log(`Syncward listening on ${server.url} (store: ${server.store.kind})`);
