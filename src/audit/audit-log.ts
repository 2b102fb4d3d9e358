// Records audited events (decision changes, admin actions, wipes, provisioning, auth failures)
// in the store. Auditing never breaks the request that caused it: a failed write is logged.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AuditEntry, AuditStore } from '../store/types.js';

export type AuditEvent = Omit<
  AuditEntry,
  'id' | 'at' | 'before' | 'after' | 'reason' | 'source' | 'targetType' | 'targetId'
> &
  Partial<Pick<AuditEntry, 'before' | 'after' | 'reason' | 'source' | 'targetType' | 'targetId'>>;

export class AuditLog {
  constructor(private readonly opts: { store: AuditStore; clock: () => Date; log: Pick<Logger, 'error'> }) {}

  async record(e: AuditEvent): Promise<void> {
    const entry: AuditEntry = {
      id: randomUUID(),
      at: this.opts.clock(),
      actor: clean(e.actor),
      action: e.action,
      targetType: e.targetType ?? null,
      targetId: e.targetId === undefined || e.targetId === null ? null : clean(e.targetId),
      before: cleanJson(e.before),
      after: cleanJson(e.after),
      reason: e.reason === undefined || e.reason === null ? null : clean(e.reason),
      source: e.source === undefined || e.source === null ? null : clean(e.source),
    };
    try {
      await this.opts.store.appendAudit(entry);
    } catch (err) {
      this.opts.log.error({ err, action: e.action }, 'audit: write failed');
    }
  }
}

// The stores refuse U+0000 (PostgreSQL cannot hold it); attacker-chosen names may contain it, and
// their audit entries must not vanish, so it is written visibly escaped instead.
function clean(s: string): string {
  return s.includes('\u0000') ? s.replaceAll('\u0000', '\\u0000') : s;
}

function cleanJson(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  const json = JSON.stringify(v);
  return json.includes('\\u0000') ? JSON.parse(json.replaceAll('\\u0000', '\\\\u0000')) : v;
}
