// The admin request in progress (remote address, request id), carried through async calls so audit
// entries written by the services during an admin request get the request's source too.
import { AsyncLocalStorage } from 'node:async_hooks';
import { AuditLog } from '../audit/audit-log.js';
import type { AuditEvent } from '../audit/audit-log.js';

export interface AdminRequestContext {
  /** The client's address (req.ip, which honours trustProxy). */
  source: string;
  requestId: string;
}

export const adminRequestContext = new AsyncLocalStorage<AdminRequestContext>();

/**
 * An AuditLog that fills `source` from the admin request in progress when the event has none.
 * AccessService records its own entries (rule.created, device.allowed, ...) without a source; give
 * it this log and those entries carry the admin's address as well. Outside admin requests it
 * behaves exactly like AuditLog.
 */
export class RequestAuditLog extends AuditLog {
  override async record(e: AuditEvent): Promise<void> {
    const ctx = adminRequestContext.getStore();
    return super.record(
      ctx && (e.source === undefined || e.source === null) ? { ...e, source: ctx.source } : e,
    );
  }
}
