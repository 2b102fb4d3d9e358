// Device inventory: first contact, what each request tells us about the device, and wipe state.
// Access decisions live in src/access; this only records facts.
import { randomUUID } from 'node:crypto';
import type { DevicePatch, DeviceStore } from '../store/types.js';
import type { Device, DeviceKey } from './types.js';
import { deviceAppIdentity } from './user-agent.js';

/** settings:DeviceInformation/Set children ([MS-ASCMD] 2.2.3.48); all optional. */
export interface DeviceInformation {
  model?: string;
  imei?: string;
  friendlyName?: string;
  os?: string;
  osLanguage?: string;
  phoneNumber?: string;
  userAgent?: string;
  enableOutboundSms?: boolean;
  mobileOperator?: string;
}

export interface ObservedRequest {
  deviceType: string;
  userAgent: string | null;
  protocolVersion: string;
}

export type WipeKind = 'full' | 'accountOnly';

export class DeviceLimitError extends Error {
  readonly code = 'EAS_ERR_DEVICE_LIMIT';
  constructor(readonly limit: number) {
    super(`user already has ${limit} device partnerships`);
  }
}

export class WipeNotSupportedError extends Error {
  readonly code = 'EAS_ERR_DEVICE_WIPE_UNSUPPORTED';
}

export function newDevice(key: DeviceKey, seen: ObservedRequest, now: Date): Device {
  const app = deviceAppIdentity(seen.userAgent, null);
  return {
    ...key,
    id: randomUUID(),
    deviceType: seen.deviceType,
    userAgent: seen.userAgent,
    model: null,
    imei: null,
    friendlyName: null,
    os: null,
    osLanguage: null,
    phoneNumber: null,
    mobileOperator: null,
    enableOutboundSms: null,
    protocolVersion: seen.protocolVersion,
    appFamily: app?.family ?? null,
    appVersion: app?.version ?? null,
    firstSyncAt: null,
    lastSyncAttemptAt: now,
    lastSuccessSyncAt: null,
    lastPolicyUpdateAt: null,
    lastPingHeartbeat: null,
    policyId: null,
    policyName: null,
    policyRevision: null,
    policyStatus: 'Unknown',
    policyKey: null,
    pendingPolicyKey: null,
    accessState: 'Unknown',
    accessReason: 'None',
    accessRule: null,
    accessExplanation: null,
    accessDecidedAt: null,
    quarantinedAt: null,
    releaseCondition: null,
    autoblockReason: null,
    autoblockUntil: null,
    wipeRequestedAt: null,
    wipeRequestedBy: null,
    wipeSentAt: null,
    wipeAckAt: null,
    wipeAckStatus: null,
    accountOnlyWipeRequestedAt: null,
    accountOnlyWipeRequestedBy: null,
    accountOnlyWipeSentAt: null,
    accountOnlyWipeAckAt: null,
    accountOnlyWipeAckStatus: null,
    createdAt: now,
    updatedAt: now,
  };
}

/** The wipe the device is under, if any. Once requested it stays until cancelled or the partnership is removed. */
export function pendingWipe(d: Device): WipeKind | null {
  if (d.wipeRequestedAt) return 'full';
  if (d.accountOnlyWipeRequestedAt) return 'accountOnly';
  return null;
}

export class DeviceService {
  constructor(private readonly opts: { store: DeviceStore; clock: () => Date; maxDevicesPerUser: number }) {}

  /**
   * Find or create the association for a request and record what the request shows (last attempt,
   * user agent, protocol version, device type). Throws DeviceLimitError for a new device past the limit.
   */
  async touch(key: DeviceKey, seen: ObservedRequest): Promise<{ device: Device; created: boolean }> {
    const { store, clock } = this.opts;
    const now = clock();
    const existing = await store.findDevice(key);
    if (!existing) {
      const count = await store.countDevices({ userId: key.userId });
      if (count >= this.opts.maxDevicesPerUser) throw new DeviceLimitError(this.opts.maxDevicesPerUser);
      const candidate = newDevice(key, seen, now);
      const device = await store.createDevice(candidate);
      return { device, created: device.id === candidate.id };
    }
    const patch: DevicePatch = { lastSyncAttemptAt: now };
    if (seen.deviceType !== existing.deviceType) patch.deviceType = seen.deviceType;
    if (seen.protocolVersion !== existing.protocolVersion) patch.protocolVersion = seen.protocolVersion;
    if (seen.userAgent && seen.userAgent !== existing.userAgent) {
      patch.userAgent = seen.userAgent;
      Object.assign(patch, appPatch(seen.userAgent, existing.os));
    }
    const device = await store.patchDevice(existing.id, patch);
    return { device: device ?? existing, created: false };
  }

  /** Store settings:DeviceInformation ([MS-ASPROV] 3.2.5.1.1: the server SHOULD store it). */
  async applyDeviceInformation(device: Device, info: DeviceInformation): Promise<Device> {
    const patch: DevicePatch = {};
    if (info.model !== undefined) patch.model = info.model;
    if (info.imei !== undefined) patch.imei = info.imei;
    if (info.friendlyName !== undefined) patch.friendlyName = info.friendlyName;
    if (info.os !== undefined) patch.os = info.os;
    if (info.osLanguage !== undefined) patch.osLanguage = info.osLanguage;
    if (info.phoneNumber !== undefined) patch.phoneNumber = info.phoneNumber;
    if (info.mobileOperator !== undefined) patch.mobileOperator = info.mobileOperator;
    if (info.enableOutboundSms !== undefined) patch.enableOutboundSms = info.enableOutboundSms;
    // The header is authoritative for the user agent; DeviceInformation only fills it when absent.
    if (info.userAgent !== undefined && !device.userAgent) patch.userAgent = info.userAgent;
    Object.assign(patch, appPatch(patch.userAgent ?? device.userAgent, patch.os ?? device.os));
    return (await this.opts.store.patchDevice(device.id, patch)) ?? device;
  }

  /** Clear-MobileDevice: the wipe is delivered at the device's next request. */
  async requestWipe(id: string, opts: { accountOnly: boolean; requestedBy: string }): Promise<Device | null> {
    const { store, clock } = this.opts;
    const device = await store.getDevice(id);
    if (!device) return null;
    if (opts.accountOnly && device.protocolVersion !== '16.1') {
      // [MS-ASPROV] AccountOnlyRemoteWipe exists only in 16.1; never escalate to a full wipe silently.
      throw new WipeNotSupportedError(
        `account-only wipe needs EAS 16.1; device ${device.deviceId} uses ${device.protocolVersion ?? 'unknown'}`,
      );
    }
    const now = clock();
    const patch: DevicePatch = opts.accountOnly
      ? {
          accountOnlyWipeRequestedAt: now,
          accountOnlyWipeRequestedBy: opts.requestedBy,
          accountOnlyWipeSentAt: null,
          accountOnlyWipeAckAt: null,
          accountOnlyWipeAckStatus: null,
        }
      : {
          wipeRequestedAt: now,
          wipeRequestedBy: opts.requestedBy,
          wipeSentAt: null,
          wipeAckAt: null,
          wipeAckStatus: null,
        };
    return store.patchDevice(id, patch);
  }

  /** Clear-MobileDevice -Cancel: withdraw a wipe the device has not acknowledged yet. */
  async cancelWipe(id: string): Promise<Device | null> {
    const device = await this.opts.store.getDevice(id);
    if (!device) return null;
    if (device.wipeAckAt || device.accountOnlyWipeAckAt) return device;
    return this.opts.store.patchDevice(id, {
      wipeRequestedAt: null,
      wipeRequestedBy: null,
      wipeSentAt: null,
      accountOnlyWipeRequestedAt: null,
      accountOnlyWipeRequestedBy: null,
      accountOnlyWipeSentAt: null,
    });
  }

  async recordWipeSent(device: Device, kind: WipeKind): Promise<Device> {
    const now = this.opts.clock();
    const patch: DevicePatch = kind === 'full' ? { wipeSentAt: now } : { accountOnlyWipeSentAt: now };
    return (await this.opts.store.patchDevice(device.id, patch)) ?? device;
  }

  async recordWipeAck(device: Device, kind: WipeKind, ok: boolean): Promise<Device> {
    const now = this.opts.clock();
    const status = ok ? 'success' : 'failure';
    const patch: DevicePatch =
      kind === 'full'
        ? { wipeAckAt: now, wipeAckStatus: status }
        : { accountOnlyWipeAckAt: now, accountOnlyWipeAckStatus: status };
    return (await this.opts.store.patchDevice(device.id, patch)) ?? device;
  }
}

function appPatch(userAgent: string | null, os: string | null): DevicePatch {
  const app = deviceAppIdentity(userAgent, os);
  return { appFamily: app?.family ?? null, appVersion: app?.version ?? null };
}
