// Shared benchmark helpers: repeated rounds, medians, a table printer, and a real server process.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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
  demoPassword: string;
  dataDir: string;
  stop(): void;
}

/** `syncward serve` as its own process (so client and server do not share an event loop). */
export async function startServerProcess(extraArgs: string[] = []): Promise<ServerProcess> {
  const bin = join(import.meta.dirname, '../bin/syncward.mjs');
  const dataDir = mkdtempSync(join(tmpdir(), 'syncward-bench-'));
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
  const proc: ChildProcessWithoutNullStreams = spawn(process.execPath, [
    bin,
    'serve',
    '--port',
    '0',
    '--data-dir',
    dataDir,
    '--log-level',
    'warn',
    ...extraArgs,
  ]);
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
  const demoPassword = /demo \/ (\S+)/.exec(out)?.[1];
  if (!demoPassword) throw new Error('no demo credentials printed');
  return {
    url,
    demoPassword,
    dataDir,
    stop() {
      proc.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
