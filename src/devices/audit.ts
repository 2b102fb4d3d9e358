// What the audit log keeps of a removed device, wherever it is removed from (admin API, CLI):
// identity and last decision, not the whole record (IMEI, phone number, ...).
import type { Device } from './types.js';

export function deviceAudit(d: Device) {
  return {
    userId: d.userId,
    deviceId: d.deviceId,
    deviceType: d.deviceType,
    model: d.model,
    userAgent: d.userAgent,
    accessState: d.accessState,
  };
}
