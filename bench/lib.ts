// Shared benchmark helpers: repeated rounds, medians, a table printer, and a real server process.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface BenchRow {
  name: string;
  unit: string;
  median: number;
  min: number;
  max: number;
  rounds: number;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

export function row(name: string, unit: string, samples: number[]): BenchRow {
  return {
    name,
    unit,
    median: median(samples),
    min: Math.min(...samples),
    max: Math.max(...samples),
    rounds: samples.length,
  };
}

export function printRows(title: string, rows: BenchRow[]): void {
  const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(2));
  console.log(`\n## ${title}`);
  console.log('| benchmark | median | min | max | unit | rounds |');
  console.log('|---|---:|---:|---:|---|---:|');
  for (const r of rows) {
    console.log(`| ${r.name} | ${fmt(r.median)} | ${fmt(r.min)} | ${fmt(r.max)} | ${r.unit} | ${r.rounds} |`);
  }
}

export interface ServerProcess {
  url: string;
  /** The server's process id (its memory is /proc/<pid>/status). */
  pid: number;
  demoPassword: string;
  /** The seeded administrator (admin REST API). */
  admin: { username: string; password: string };
  /** Port of the inbound SMTP listener (embedded mail backend), when one runs. */
  smtpPort: number | null;
  dataDir: string;
  /** Kills the process; removes the data directory unless `keepData`. */
  stop(o?: { keepData?: boolean }): void;
}

const BIN = join(import.meta.dirname, '../bin/syncward.mjs');

function statusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m?.[1]) throw new Error(`no ${field} for process ${pid}`);
  return Number(m[1]) * 1024;
}

/** Resident set size of a process, bytes (VmRSS in /proc/<pid>/status; Linux only). */
export function rssBytes(pid: number): number {
  return statusBytes(pid, 'VmRSS');
}

/**
 * Highest resident set size of a process since it started or since `resetPeakRss`, bytes (VmHWM):
 * exact, where sampling `rssBytes` can miss a short peak.
 */
export function peakRssBytes(pid: number): number {
  return statusBytes(pid, 'VmHWM');
}

/** Restarts a process's peak RSS (VmHWM) at its current RSS ("5" to /proc/<pid>/clear_refs). */
export function resetPeakRss(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/** CPU time a process has used so far, milliseconds (utime + stime in /proc/<pid>/stat). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start at ") ".
  const f = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}

/**
 * Resolves once the process has been (nearly) idle for `quietMs`: it has worked through what it
 * was sent. Gives up after `maxMs`.
 */
export async function waitIdle(pid: number, o: { quietMs?: number; maxMs?: number } = {}): Promise<void> {
  const quiet = o.quietMs ?? 1000;
  const end = performance.now() + (o.maxMs ?? 30_000);
  let last = cpuMs(pid);
  let since = performance.now();
  while (performance.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    const now = cpuMs(pid);
    // Under 5% of a core: timers and GC, nothing queued.
    if (now - last > 5) since = performance.now();
    last = now;
    if (performance.now() - since >= quiet) return;
  }
}

/**
 * `syncward serve` as its own process (so client and server do not share an event loop). With
 * `reuse` (a stopped server whose data was kept) it starts on that data: same users, devices and
 * sync states, a fresh process.
 */
export async function startServerProcess(
  extraArgs: string[] = [],
  o: {
    reuse?: ServerProcess;
    /** bench/server-main.ts instead of `syncward serve`: the same server, per-device throttle lifted. */
    unthrottled?: boolean;
  } = {},
): Promise<ServerProcess> {
  const bin = BIN;
  const dataDir = o.reuse?.dataDir ?? mkdtempSync(join(tmpdir(), 'syncward-bench-'));
  const command = o.unthrottled
    ? ['--import', 'tsx', join(import.meta.dirname, 'server-main.ts'), dataDir]
    : [
        bin,
        'serve',
        '--port',
        '0',
        '--data-dir',
        dataDir,
        '--log-level',
        'warn',
        '--smtp-port',
        '0',
        ...extraArgs,
      ];
  if (o.reuse) return spawnServer(command, dataDir, o.reuse);
  // Simulated phones repeat identical requests far faster than real ones: autoblock would (rightly)
  // stop them, so it is switched off for benchmarks.
  const off = spawnSync(
    process.execPath,
    [bin, '--database', `sqlite:${join(dataDir, 'syncward.db')}`, 'org', 'set', '--autoblock', 'off'],
    {
      encoding: 'utf8',
    },
  );
  if (off.status !== 0) throw new Error(`could not switch autoblock off: ${off.stderr}`);
  return spawnServer(command, dataDir, null);
}

async function spawnServer(
  command: string[],
  dataDir: string,
  reuse: ServerProcess | null,
): Promise<ServerProcess> {
  const proc: ChildProcessWithoutNullStreams = spawn(process.execPath, command);
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 30_000);
    proc.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(t);
        resolve(m[1]);
      }
    });
    proc.on('exit', (c) => reject(new Error(`server exited ${c}: ${out}`)));
  });
  // The seeded accounts' passwords are printed on the first start only.
  const demoPassword = reuse?.demoPassword ?? /demo \/ (\S+)/.exec(out)?.[1];
  if (!demoPassword) throw new Error('no demo credentials printed');
  const printed = /admin API\/console\):\s+(\S+) \/ (\S+)/.exec(out);
  const admin =
    reuse?.admin ?? (printed?.[1] && printed[2] ? { username: printed[1], password: printed[2] } : null);
  if (!admin) throw new Error('no admin credentials printed');
  const smtp = /Inbound SMTP for local users on \S+:(\d+)/.exec(out)?.[1];
  return {
    url,
    pid: proc.pid as number,
    demoPassword,
    admin,
    smtpPort: smtp ? Number(smtp) : null,
    dataDir,
    stop(s = {}) {
      proc.kill('SIGKILL');
      if (!s.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Mail users created through the admin REST API, as an administrator would. */
export async function createUsers(
  server: ServerProcess,
  users: ReadonlyArray<{ username: string; password: string }>,
): Promise<void> {
  const api = `${server.url}/api/v1`;
  const t = await fetch(`${api}/auth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(server.admin),
  });
  if (t.status !== 201) throw new Error(`admin token: HTTP ${t.status}`);
  const { token } = (await t.json()) as { token: string };
  for (const u of users) {
    const r = await fetch(`${api}/users`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify({
        username: u.username,
        password: u.password,
        email: `${u.username}@example.com`,
      }),
    });
    if (r.status !== 201) throw new Error(`create user ${u.username}: HTTP ${r.status} ${await r.text()}`);
  }
}
