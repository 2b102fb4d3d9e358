// syncward device list|show|wipe|remove (Exchange: Get-MobileDevice, Get-MobileDeviceStatistics,
// Clear-MobileDevice, Remove-MobileDevice).
import type { Command } from 'commander';
import { deviceAudit } from '../devices/audit.js';
import { WipeNotSupportedError } from '../devices/service.js';
import type { Device, DeviceAccessState } from '../devices/types.js';
import type { Store } from '../store/types.js';
import { CliError, fmtDate, list, print, printJson, table, withServices, withStore } from './context.js';

/** Accepts the association id (UUID) or, when unique, the DeviceId. */
export async function findDevice(store: Store, ref: string, username?: string): Promise<Device> {
  const byId = await store.getDevice(ref).catch(() => null);
  if (byId) return byId;
  let userId: string | undefined;
  if (username) {
    const u = await store.getUserByName(username);
    if (!u) throw new CliError(`no user ${username}`);
    userId = u.id;
  }
  const matches = (await store.listDevices(userId ? { userId } : {})).filter((d) => d.deviceId === ref);
  if (matches.length === 1 && matches[0]) return matches[0];
  if (matches.length > 1)
    throw new CliError(`DeviceId ${ref} is used by ${matches.length} users; add --user`);
  throw new CliError(`no device ${ref}`);
}

export function deviceStatistics(
  d: Device,
  username: string,
): Array<[string, string | number | boolean | null]> {
  return [
    ['Identity', d.id],
    ['UserName', username],
    ['DeviceId', d.deviceId],
    ['Broker', d.brokerId || null],
    ['DeviceType', d.deviceType],
    ['DeviceModel', d.model],
    ['DeviceImei', d.imei],
    ['FriendlyName', d.friendlyName],
    ['DeviceOS', d.os],
    ['DeviceOSLanguage', d.osLanguage],
    ['DeviceTelephoneNumber', d.phoneNumber],
    ['DeviceMobileOperator', d.mobileOperator],
    ['DeviceEnableOutboundSMS', d.enableOutboundSms],
    ['DeviceUserAgent', d.userAgent],
    ['AppFamily', d.appFamily],
    ['AppVersion', d.appVersion],
    ['ClientVersion', d.protocolVersion],
    ['FirstSyncTime', fmtDate(d.firstSyncAt)],
    ['LastSyncAttemptTime', fmtDate(d.lastSyncAttemptAt)],
    ['LastSuccessSync', fmtDate(d.lastSuccessSyncAt)],
    ['LastPolicyUpdateTime', fmtDate(d.lastPolicyUpdateAt)],
    ['LastPingHeartbeat', d.lastPingHeartbeat],
    ['DevicePolicyApplied', d.policyName],
    ['DevicePolicyApplicationStatus', d.policyStatus],
    ['DeviceAccessState', d.accessState],
    ['DeviceAccessStateReason', d.accessReason],
    ['DeviceAccessControlRule', d.accessRule],
    ['DeviceWipeRequestTime', fmtDate(d.wipeRequestedAt)],
    ['LastDeviceWipeRequestor', d.wipeRequestedBy],
    ['DeviceWipeSentTime', fmtDate(d.wipeSentAt)],
    ['DeviceWipeAckTime', fmtDate(d.wipeAckAt)],
    ['DeviceWipeAckStatus', d.wipeAckStatus],
    ['AccountOnlyDeviceWipeRequestTime', fmtDate(d.accountOnlyWipeRequestedAt)],
    ['LastAccountOnlyDeviceWipeRequestor', d.accountOnlyWipeRequestedBy],
    ['AccountOnlyDeviceWipeSentTime', fmtDate(d.accountOnlyWipeSentAt)],
    ['AccountOnlyDeviceWipeAckTime', fmtDate(d.accountOnlyWipeAckAt)],
    ['AccountOnlyDeviceWipeAckStatus', d.accountOnlyWipeAckStatus],
    ['WhenCreated', fmtDate(d.createdAt)],
    ['WhenChanged', fmtDate(d.updatedAt)],
  ];
}

export function registerDeviceCommands(program: Command): void {
  const device = program.command('device').description('device associations (partnerships)');

  device
    .command('list')
    .description('list devices (Get-MobileDevice)')
    .option('--user <username>', 'only this user')
    .option('--state <state>', 'only this DeviceAccessState (Allowed, Blocked, Quarantined, ...)')
    .option('--type <deviceType>', 'only this DeviceType')
    .option('--json', 'JSON output')
    .action(async (o: { user?: string; state?: string; type?: string; json?: boolean }) => {
      await withStore(program.opts().database, async (store) => {
        const users = new Map((await store.listUsers()).map((u) => [u.id, u.username]));
        let userId: string | undefined;
        if (o.user) {
          const u = await store.getUserByName(o.user);
          if (!u) throw new CliError(`no user ${o.user}`);
          userId = u.id;
        }
        const devices = await store.listDevices({
          ...(userId ? { userId } : {}),
          ...(o.state ? { accessState: o.state as DeviceAccessState } : {}),
          ...(o.type ? { deviceType: o.type } : {}),
        });
        if (o.json) return printJson(devices.map((d) => ({ ...d, userName: users.get(d.userId) ?? null })));
        print(
          table(
            [
              'UserName',
              'DeviceId',
              'DeviceType',
              'DeviceModel',
              'DeviceOS',
              'DeviceUserAgent',
              'ClientVersion',
              'DeviceAccessState',
              'DevicePolicyApplied',
              'LastSyncAttemptTime',
            ],
            devices.map((d) => [
              users.get(d.userId) ?? d.userId,
              d.brokerId ? `${d.brokerId}/${d.deviceId}` : d.deviceId,
              d.deviceType,
              d.model ?? '',
              d.os ?? '',
              d.userAgent ?? '',
              d.protocolVersion ?? '',
              d.accessState,
              d.policyName ? `${d.policyName} (${d.policyStatus})` : '',
              fmtDate(d.lastSyncAttemptAt),
            ]),
          ),
        );
      });
    });

  device
    .command('show <device>')
    .description(
      'every field of one device (Get-MobileDeviceStatistics); <device> is the Identity or DeviceId',
    )
    .option('--user <username>', 'disambiguate a DeviceId used by several users')
    .option('--json', 'JSON output')
    .action(async (ref: string, o: { user?: string; json?: boolean }) => {
      await withStore(program.opts().database, async (store) => {
        const d = await findDevice(store, ref, o.user);
        const owner = (await store.getUser(d.userId))?.username ?? d.userId;
        if (o.json) return printJson({ ...d, userName: owner });
        print(list(deviceStatistics(d, owner)));
      });
    });

  device
    .command('wipe <device>')
    .description('remote wipe at the next request (Clear-MobileDevice)')
    .option('--account-only', 'wipe only the EAS account data (EAS 16.1 devices)')
    .option('--cancel', 'withdraw a wipe the device has not acknowledged yet')
    .option('--user <username>', 'disambiguate a DeviceId used by several users')
    .option('--requested-by <name>', 'recorded as the requestor', process.env.USER ?? 'cli')
    .action(
      async (
        ref: string,
        o: { accountOnly?: boolean; cancel?: boolean; user?: string; requestedBy: string },
      ) => {
        await withServices(program.opts().database, async ({ store, devices: svc, audit, actor }) => {
          const d = await findDevice(store, ref, o.user);
          if (o.cancel) {
            const after = await svc.cancelWipe(d.id);
            if (after && (after.wipeAckAt || after.accountOnlyWipeAckAt)) {
              throw new CliError('the device already acknowledged the wipe; remove the partnership instead');
            }
            await audit.record({
              actor,
              action: 'device.wipe.cancelled',
              targetType: 'device',
              targetId: d.id,
            });
            return print(`wipe cancelled for ${d.deviceId}`);
          }
          try {
            await svc.requestWipe(d.id, { accountOnly: Boolean(o.accountOnly), requestedBy: o.requestedBy });
          } catch (err) {
            if (err instanceof WipeNotSupportedError) throw new CliError(err.message);
            throw err;
          }
          await audit.record({
            actor,
            action: 'device.wipe.requested',
            targetType: 'device',
            targetId: d.id,
            after: { accountOnly: Boolean(o.accountOnly), requestedBy: o.requestedBy },
          });
          print(
            `${o.accountOnly ? 'account-only ' : ''}wipe requested for ${d.deviceId}; it is delivered at the device's next request`,
          );
        });
      },
    );

  device
    .command('remove <device>')
    .description('delete the partnership (Remove-MobileDevice); the next connection is a new device')
    .option('--user <username>', 'disambiguate a DeviceId used by several users')
    .action(async (ref: string, o: { user?: string }) => {
      await withServices(program.opts().database, async ({ store, audit, actor }) => {
        const d = await findDevice(store, ref, o.user);
        await store.deleteDevice(d.id);
        await audit.record({
          actor,
          action: 'device.removed',
          targetType: 'device',
          targetId: d.id,
          before: deviceAudit(d),
        });
        print(`removed ${d.deviceId}`);
      });
    });
}
