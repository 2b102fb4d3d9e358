// What the admin routes are given: the store (reads and the records no service owns) and the
// services that own every access decision and wipe. Routes never decide access themselves.
import type { AccessService } from '../access/service.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { DeviceService } from '../devices/service.js';
import type { Store } from '../store/types.js';
import type { FailureLimiter } from './rate-limit.js';

export interface AdminDeps {
  store: Store;
  access: AccessService;
  devices: DeviceService;
  audit: AuditLog;
  clock: () => Date;
  /** Failed POST /auth/token attempts per remote address. */
  loginLimiter: FailureLimiter;
}
