// `syncward serve` as a real child process for e2e tests: start it on a data dir, read what it
// prints (URL, inbound SMTP port, first-start credentials), kill it (SIGKILL or SIGTERM), and run
// the CLI on the same store. No test logic here.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';

export const BIN = join(import.meta.dirname, '../../bin/syncward.mjs');

/** How long a start may take: tsx compiles the sources on first load. */
const START_TIMEOUT_MS = 30_000;

export interface ServeProcess {
  proc: ChildProcessWithoutNullStreams;
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  /** The inbound SMTP listener's port, or null when it is off. */
  smtpPort: number | null;
  /** Printed on first start only; null on a later start of the same data dir. */
  demoPassword: string | null;
  adminPassword: string | null;
  /** Everything the process wrote so far (stdout and stderr), for failure messages. */
  output(): string;
  /** Whether the process is still running. */
  alive(): boolean;
  /** SIGKILL: no shutdown code runs. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM: graceful shutdown. Resolves with the exit code. */
  stop(): Promise<number | null>;
}

export interface ServeOptions {
  dataDir: string;
  /** Default 0 (a free port). Pass the previous port to come back on the same URL. */
  port?: number;
  /** More `serve` flags, e.g. ['--smarthost', url]. */
  args?: string[];
}

export async function startServe(o: ServeOptions): Promise<ServeProcess> {
  const proc = spawn(process.execPath, [
    BIN,
    'serve',
    '--port',
    String(o.port ?? 0),
    '--smtp-port',
    '0',
    '--data-dir',
    o.dataDir,
    '--log-level',
    'warn',
    ...(o.args ?? []),
  ]);
  let out = '';
  // Kept reading for the process's whole life: a full pipe would block its writes.
  proc.stdout.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  // A test process that dies before its after() hook (a crash, a closed stdout) takes the server along.
  const reap = () => proc.kill('SIGKILL');
  process.once('exit', reap);
  void exited.then(() => process.off('exit', reap));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`server did not start:\n${out}`));
    }, START_TIMEOUT_MS);
    const onData = () => {
      // "listening" is printed last, after the credentials and the SMTP line.
      if (!/Syncward listening on \S+/.test(out)) return;
      clearTimeout(timer);
      proc.stdout.off('data', onData);
      resolve();
    };
    proc.stdout.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`server exited ${proc.exitCode ?? proc.signalCode}:\n${out}`));
    });
  });
  const url = (/Syncward listening on (\S+)/.exec(out) as RegExpExecArray)[1] as string;
  const smtp = /Inbound SMTP for local users on [^\s:]+:(\d+)/.exec(out);
  const alive = () => proc.exitCode === null && proc.signalCode === null;
  return {
    proc,
    url,
    port: Number(new URL(url).port),
    smtpPort: smtp ? Number(smtp[1]) : null,
    demoPassword: /demo mail user \(EAS\):\s+\S+ \/ (\S+)/.exec(out)?.[1] ?? null,
    adminPassword: /admin \(admin API\/console\):\s+\S+ \/ (\S+)/.exec(out)?.[1] ?? null,
    output: () => out,
    alive,
    async kill() {
      if (!alive()) return;
      proc.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (alive()) {
        proc.kill('SIGTERM');
        await exited;
      }
      return proc.exitCode;
    },
  };
}

export interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

/** `syncward --database sqlite:DIR/syncward.db ...args`, as an operator runs it beside the server. */
export function runCli(dataDir: string, ...args: string[]): CliResult {
  const r = spawnSync(
    process.execPath,
    [BIN, '--database', `sqlite:${join(dataDir, 'syncward.db')}`, ...args],
    { encoding: 'utf8' },
  );
  return { code: r.status, out: r.stdout, err: r.stderr };
}
