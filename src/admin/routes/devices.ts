// Device partnerships (Get-MobileDevice, Remove-MobileDevice, Clear-MobileDevice [-Cancel]) and the
// per-device access actions, which AccessService and DeviceService carry out and audit.
import { parseRange, parseVersion, satisfies } from '../../access/version.js';
import { pendingWipe } from '../../devices/service.js';
import type { Device } from '../../devices/types.js';
import type { DeviceFilter, Store } from '../../store/types.js';
import type { AdminDeps } from '../deps.js';
import { apiError } from '../errors.js';
import { defineRoute } from '../route.js';
import type { AnyRoute } from '../route.js';
import {
  CommentBody,
  DeviceChanged,
  DeviceList,
  DeviceListQuery,
  DeviceRuleCreated,
  DeviceView,
  IdParams,
  ReleaseConditionPut,
  RuleFromDevice,
  WipeRequest,
} from '../schemas.js';
import { deviceAudit, deviceView, ruleNameMap, ruleView, userNames } from '../views.js';
import { findUser } from './users.js';

export async function findDevice(store: Store, id: string): Promise<Device> {
  const d = await store.getDevice(id);
  if (!d) throw apiError('EAS_ERR_DEVICE_NOT_FOUND', `no device ${JSON.stringify(id)}`);
  return d;
}

export function deviceRoutes(deps: AdminDeps): AnyRoute[] {
  const { store, access, devices, audit } = deps;

  /** The API view of one device, with its user's name and its rule's name. */
  async function view(d: Device) {
    const [user, rules] = await Promise.all([store.getUser(d.userId), access.listRules()]);
    return deviceView(d, user?.username ?? null, ruleNameMap(rules));
  }

  return [
    defineRoute({
      method: 'GET',
      url: '/devices',
      tag: 'devices',
      summary: 'List device partnerships, optionally filtered',
      query: DeviceListQuery,
      response: DeviceList,
      errors: ['EAS_ERR_USER_NOT_FOUND'],
      async handler({ query }) {
        const filter: DeviceFilter = {};
        if (query.user) filter.userId = (await findUser(store, query.user)).id;
        if (query.state) filter.accessState = query.state;
        if (query.type) filter.deviceType = query.type;
        let list = await store.listDevices(filter);
        if (query.family) {
          const family = query.family.toLowerCase();
          list = list.filter((d) => d.appFamily?.toLowerCase() === family);
        }
        if (query.version) {
          const parsed = parseRange(query.version);
          // The schema has checked the range already.
          if (parsed.ok) list = list.filter((d) => satisfies(parseVersion(d.appVersion), parsed.range));
        }
        const [names, rules] = await Promise.all([userNames(store, list), access.listRules()]);
        const ruleNames = ruleNameMap(rules);
        return { devices: list.map((d) => deviceView(d, names.get(d.userId) ?? null, ruleNames)) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/devices/:id',
      tag: 'devices',
      summary: 'Get every field of a device partnership',
      params: IdParams,
      response: DeviceView,
      errors: ['EAS_ERR_DEVICE_NOT_FOUND'],
      async handler({ params }) {
        return view(await findDevice(store, params.id));
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/devices/:id',
      tag: 'devices',
      summary: 'Remove a partnership (Remove-MobileDevice); the next contact is a new device',
      params: IdParams,
      status: 204,
      errors: ['EAS_ERR_DEVICE_NOT_FOUND'],
      async handler({ params, actor, source }) {
        const d = await findDevice(store, params.id);
        await store.deleteDevice(d.id);
        await audit.record({
          actor,
          action: 'device.removed',
          targetType: 'device',
          targetId: d.id,
          before: deviceAudit(d),
          source,
        });
        return undefined;
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/devices/:id/wipe',
      tag: 'devices',
      summary: 'Request a remote wipe (Clear-MobileDevice), delivered at the next contact',
      description: 'accountOnly needs EAS 16.1; it is never turned into a full wipe.',
      params: IdParams,
      body: WipeRequest,
      status: 202,
      response: DeviceView,
      errors: ['EAS_ERR_DEVICE_NOT_FOUND', 'EAS_ERR_DEVICE_WIPE_UNSUPPORTED'],
      async handler({ params, body, actor, source }) {
        const accountOnly = body.accountOnly ?? false;
        const d = await devices.requestWipe(params.id, { accountOnly, requestedBy: actor });
        if (!d) throw apiError('EAS_ERR_DEVICE_NOT_FOUND');
        await audit.record({
          actor,
          action: 'device.wipe.requested',
          targetType: 'device',
          targetId: d.id,
          after: { kind: accountOnly ? 'accountOnly' : 'full' },
          source,
        });
        return view(d);
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/devices/:id/wipe',
      tag: 'devices',
      summary: 'Cancel a pending wipe (Clear-MobileDevice -Cancel)',
      params: IdParams,
      response: DeviceView,
      errors: [
        'EAS_ERR_DEVICE_NOT_FOUND',
        'EAS_ERR_DEVICE_WIPE_NOT_PENDING',
        'EAS_ERR_DEVICE_WIPE_ACKNOWLEDGED',
      ],
      async handler({ params, actor, source }) {
        const before = await findDevice(store, params.id);
        const kind = pendingWipe(before);
        if (!kind) throw apiError('EAS_ERR_DEVICE_WIPE_NOT_PENDING');
        if (before.wipeAckAt || before.accountOnlyWipeAckAt)
          throw apiError('EAS_ERR_DEVICE_WIPE_ACKNOWLEDGED');
        const d = (await devices.cancelWipe(before.id)) ?? before;
        await audit.record({
          actor,
          action: 'device.wipe.cancelled',
          targetType: 'device',
          targetId: d.id,
          before: { kind, sent: Boolean(before.wipeSentAt ?? before.accountOnlyWipeSentAt) },
          source,
        });
        return view(d);
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/devices/:id/allow',
      tag: 'devices',
      summary: "Allow this device for its user (adds it to the user's allowed DeviceIds)",
      params: IdParams,
      body: CommentBody,
      response: DeviceChanged,
      errors: ['EAS_ERR_DEVICE_NOT_FOUND'],
      async handler({ params, body, actor }) {
        await findDevice(store, params.id);
        const changes = await access.allowDevice(params.id, actor, body.comment);
        return { device: await view(await findDevice(store, params.id)), changes };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/devices/:id/block',
      tag: 'devices',
      summary: "Block this device for its user (adds it to the user's blocked DeviceIds)",
      params: IdParams,
      body: CommentBody,
      response: DeviceChanged,
      errors: ['EAS_ERR_DEVICE_NOT_FOUND'],
      async handler({ params, body, actor }) {
        await findDevice(store, params.id);
        const changes = await access.blockDevice(params.id, actor, body.comment);
        return { device: await view(await findDevice(store, params.id)), changes };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/devices/:id/rule',
      tag: 'devices',
      summary:
        "Create a device access rule from this device's DeviceType, DeviceModel, DeviceOS or UserAgent",
      params: IdParams,
      body: RuleFromDevice,
      status: 201,
      response: DeviceRuleCreated,
      errors: ['EAS_ERR_DEVICE_NOT_FOUND', 'EAS_ERR_ACCESS_INVALID'],
      async handler({ params, body, actor }) {
        await findDevice(store, params.id);
        const { rule, changes } = await access.ruleFromDevice(
          params.id,
          body.characteristic,
          body.accessLevel,
          actor,
        );
        return { rule: ruleView(rule), changes };
      },
    }),
    defineRoute({
      method: 'PUT',
      url: '/devices/:id/release-condition',
      tag: 'devices',
      summary: 'Set or clear the condition that releases this quarantined device by itself',
      params: IdParams,
      body: ReleaseConditionPut,
      response: DeviceView,
      errors: ['EAS_ERR_DEVICE_NOT_FOUND', 'EAS_ERR_DEVICE_NOT_QUARANTINED'],
      async handler({ params, body, actor }) {
        const d = await findDevice(store, params.id);
        if (d.accessState !== 'Quarantined') throw apiError('EAS_ERR_DEVICE_NOT_QUARANTINED');
        return view(await access.setReleaseCondition(d.id, body.condition, actor));
      },
    }),
  ];
}
