// settings:DeviceInformation/Set ([MS-ASCMD] 2.2.3.48), shared by Provision (14.1+) and Settings.
import { child, text } from '../../wbxml/index.js';
import type { WbxmlElement } from '../../wbxml/types.js';
import type { DeviceInformation } from '../../devices/service.js';

/** [MS-ASCMD] 2.2.3.x: each value is at most 1024 characters. */
const MAX_FIELD = 1024;

const FIELDS: Record<string, keyof DeviceInformation> = {
  Model: 'model',
  IMEI: 'imei',
  FriendlyName: 'friendlyName',
  OS: 'os',
  OSLanguage: 'osLanguage',
  PhoneNumber: 'phoneNumber',
  UserAgent: 'userAgent',
  MobileOperator: 'mobileOperator',
};

/** Parse DeviceInformation; null when malformed (no Set, or an over-long value). */
export function parseDeviceInformation(infoEl: WbxmlElement): DeviceInformation | null {
  const set = child(infoEl, 'Set', 'Settings');
  if (!set) return null;
  const info: DeviceInformation = {};
  for (const c of set.children) {
    if (typeof c === 'string' || c instanceof Uint8Array || c.ns !== 'Settings') continue;
    const value = text(c);
    if (value.length > MAX_FIELD) return null;
    if (c.tag === 'EnableOutboundSMS') {
      info.enableOutboundSms = value === '1';
      continue;
    }
    const field = FIELDS[c.tag];
    if (field && field !== 'enableOutboundSms') info[field] = value;
  }
  return info;
}
