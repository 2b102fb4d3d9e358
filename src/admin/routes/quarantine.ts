// The quarantine queue (EAC: Mobile > Quarantined devices). Allow or block one device through the
// user's personal lists, as Exchange does, or create a rule that settles every device like it.
import { formatReleaseCondition } from '../../access/release.js';
import type { AccessLevel, AccessRule, Characteristic } from '../../access/types.js';
import type { DecisionChange } from '../../access/service.js';
import type { AdminDeps } from '../deps.js';
import { apiError } from '../errors.js';
import { defineRoute } from '../route.js';
import type { AnyRoute } from '../route.js';
import { IdParams, QuarantineAction, QuarantineList, QuarantineResolved } from '../schemas.js';
import { deviceView, ruleNameMap, ruleView, userNames } from '../views.js';
import { findDevice } from './devices.js';

export function quarantineRoutes(deps: AdminDeps): AnyRoute[] {
  const { store, access } = deps;

  const resolve = (level: AccessLevel) =>
    defineRoute({
      method: 'POST',
      url: `/quarantine/:id/${level === 'Allow' ? 'allow' : 'block'}`,
      tag: 'quarantine',
      summary:
        level === 'Allow'
          ? 'Release a quarantined device: allow it (scope device) or all like it (scope rule)'
          : 'Block a quarantined device (scope device) or all like it (scope rule)',
      params: IdParams,
      body: QuarantineAction,
      response: QuarantineResolved,
      errors: ['EAS_ERR_DEVICE_NOT_FOUND', 'EAS_ERR_DEVICE_NOT_QUARANTINED', 'EAS_ERR_ACCESS_INVALID'],
      async handler({ params, body, actor }) {
        const d = await findDevice(store, params.id);
        if (d.accessState !== 'Quarantined') throw apiError('EAS_ERR_DEVICE_NOT_QUARANTINED');
        let rule: AccessRule | null = null;
        let changes: DecisionChange[];
        if (body.scope === 'rule') {
          // The schema requires a characteristic for scope rule.
          const c = body.characteristic as Characteristic;
          ({ rule, changes } = await access.ruleFromDevice(d.id, c, level, actor));
        } else if (level === 'Allow') {
          changes = await access.allowDevice(d.id, actor, body.comment);
        } else {
          changes = await access.blockDevice(d.id, actor, body.comment);
        }
        const [after, user, rules] = await Promise.all([
          findDevice(store, d.id),
          store.getUser(d.userId),
          access.listRules(),
        ]);
        return {
          device: deviceView(after, user?.username ?? null, ruleNameMap(rules)),
          rule: rule ? ruleView(rule) : null,
          changes,
        };
      },
    });

  return [
    defineRoute({
      method: 'GET',
      url: '/quarantine',
      tag: 'quarantine',
      summary: 'List quarantined devices, oldest quarantine first, with why and how they may be released',
      response: QuarantineList,
      async handler() {
        const list = await store.listDevices({ accessState: 'Quarantined' });
        const [names, rules] = await Promise.all([userNames(store, list), access.listRules()]);
        const ruleNames = ruleNameMap(rules);
        const at = (d: (typeof list)[number]) => d.quarantinedAt?.getTime() ?? 0;
        return {
          devices: [...list]
            .sort((a, b) => at(a) - at(b))
            .map((d) => ({
              id: d.id,
              userId: d.userId,
              userName: names.get(d.userId) ?? null,
              deviceId: d.deviceId,
              deviceType: d.deviceType,
              model: d.model,
              os: d.os,
              userAgent: d.userAgent,
              appFamily: d.appFamily,
              appVersion: d.appVersion,
              quarantinedAt: d.quarantinedAt?.toISOString() ?? null,
              releaseCondition: d.releaseCondition ? formatReleaseCondition(d.releaseCondition) : null,
              reason: d.accessReason,
              rule: d.accessRule,
              ruleName: d.accessRule ? (ruleNames.get(d.accessRule) ?? null) : null,
              explanation: d.accessExplanation,
            })),
        };
      },
    }),
    resolve('Allow'),
    resolve('Block'),
  ];
}
