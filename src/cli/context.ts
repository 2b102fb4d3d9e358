// Shared CLI plumbing: which store to open, and output helpers. The CLI works directly on the
// store (SQLite file or PostgreSQL), so it runs with or without a server; see docs/operations.md.
import pino from 'pino';
import { AccessService } from '../access/service.js';
import { AuditLog } from '../audit/audit-log.js';
import { DeviceService } from '../devices/service.js';
import { createSmtpNotifier } from '../notify/smtp-notifier.js';
import type { SmtpRelayOptions } from '../notify/smtp-notifier.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/types.js';

export const DEFAULT_DATA_DIR = './data';

export function defaultDatabaseUrl(dataDir = process.env.EAS_DATA_DIR ?? DEFAULT_DATA_DIR): string {
  return process.env.EAS_DATABASE_URL ?? `sqlite:${dataDir.replace(/\/$/, '')}/syncward.db`;
}

export async function withStore<T>(
  databaseUrl: string | undefined,
  fn: (store: Store) => Promise<T>,
): Promise<T> {
  const store = await openStore(databaseUrl ?? defaultDatabaseUrl());
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** A user-facing failure: printed without a stack trace, exit code 1. */
export class CliError extends Error {}

export function fmtDate(d: Date | null): string {
  return d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : '';
}

/** Left-aligned text table, like PowerShell's Format-Table. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** "Name : value" list, like PowerShell's Format-List. */
export function list(pairs: Array<[string, string | number | boolean | null]>): string {
  const w = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${k.padEnd(w)} : ${v === null ? '' : String(v)}`).join('\n');
}

export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

export function printJson(value: unknown): void {
  print(JSON.stringify(value, null, 2));
}

/** Services over the store, as the server builds them, for commands that change access state. */
export async function withServices<T>(
  databaseUrl: string | undefined,
  fn: (s: {
    store: Store;
    access: AccessService;
    devices: DeviceService;
    audit: AuditLog;
    actor: string;
  }) => Promise<T>,
): Promise<T> {
  return withStore(databaseUrl, async (store) => {
    const clock = () => new Date();
    const log = pino({ level: process.env.EAS_LOG_LEVEL ?? 'warn' });
    const audit = new AuditLog({ store, clock, log });
    const smtp = smtpFromEnv();
    const notifier = smtp ? createSmtpNotifier(smtp) : null;
    try {
      const access = new AccessService({ store, clock, log, audit, notifier });
      const devices = new DeviceService({ store, clock, maxDevicesPerUser: Number.MAX_SAFE_INTEGER });
      return await fn({ store, access, devices, audit, actor: `cli:${process.env.USER ?? 'unknown'}` });
    } finally {
      notifier?.close();
    }
  });
}

/** EAS_SMTP_URL / EAS_MAIL_FROM: the relay for admin notifications (both server and CLI use it). */
export function smtpFromEnv(): SmtpRelayOptions | null {
  const url = process.env.EAS_SMTP_URL;
  if (!url) return null;
  return { url, from: process.env.EAS_MAIL_FROM ?? 'syncward@localhost' };
}
