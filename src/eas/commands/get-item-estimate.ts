// GetItemEstimate ([MS-ASCMD] 2.2.1.9): how many items the next Sync of each collection would
// send. Both request shapes: 12.1 puts Class and airsync:FilterType directly under Collection;
// 14.0+ uses airsync:Options. Nothing is written; the estimate is the Sync diff without a window.
import { child, childText, children, el, text } from '../../wbxml/index.js';
import type { ElChild } from '../../wbxml/index.js';
import type { WbxmlElement } from '../../wbxml/types.js';
import type { CommandHandler } from '../context.js';
import { EasStatusError } from '../errors.js';
import { mailFailure } from '../mailbox.js';
import { EasStatus } from '../status.js';
import type { SyncEnv } from '../sync/collection.js';
import { estimateCollection } from '../sync/collection.js';
import { parseFilterType } from '../sync/filter.js';
import { parseHierarchy } from '../sync/folder-map.js';
import { HIERARCHY_STATE, MAX_ID_LENGTH } from '../sync/state-store.js';

/** GetItemEstimate Status ([MS-ASCMD] GetItemEstimate Status). */
const EstimateStatus = { Success: 1, InvalidCollection: 2, NotPrimed: 3, InvalidSyncKey: 4 } as const;

/** [MS-ASCMD] 2.2.1.9: at most 300 collections per request. */
const MAX_COLLECTIONS = 300;

const g = (tag: string, ...c: ElChild[]) => el('GetItemEstimate', tag, ...c);

interface EstimateRequest {
  collectionId: string;
  syncKey: string | null;
  filter: string | null;
  classes: string[];
}

function parseCollection(c: WbxmlElement): EstimateRequest {
  const options = children(c, 'Options', 'AirSync');
  const classes = [
    // 12.1: getitemestimate:Class under Collection; 14.0+: airsync:Class in each Options.
    ...children(c, 'Class', 'GetItemEstimate').map((x) => text(x)),
    ...options.map((o) => childText(o, 'Class', 'AirSync')).filter((x): x is string => x !== null),
  ];
  const emailOptions = options.find((o) => (childText(o, 'Class', 'AirSync') ?? 'Email') === 'Email') ?? null;
  return {
    collectionId: childText(c, 'CollectionId', 'GetItemEstimate') ?? '',
    syncKey: childText(c, 'SyncKey', 'AirSync'),
    // 12.1: FilterType directly under Collection; 14.0+: inside Options.
    filter: childText(emailOptions, 'FilterType', 'AirSync') ?? childText(c, 'FilterType', 'AirSync'),
    classes: classes.filter((x) => x !== ''),
  };
}

export const getItemEstimateCommand: CommandHandler = {
  name: 'GetItemEstimate',
  checksPolicyKey: true,
  blockedByWipe: true,
  countsAsSync: false,
  quarantine: 'serve',
  async handle(ctx) {
    const { body } = ctx;
    const list = children(child(body, 'Collections', 'GetItemEstimate'), 'Collection', 'GetItemEstimate');
    if (!body || body.ns !== 'GetItemEstimate' || body.tag !== 'GetItemEstimate' || list.length === 0) {
      throw new EasStatusError(EasStatus.InvalidXML);
    }
    if (list.length > MAX_COLLECTIONS) throw new EasStatusError(EasStatus.InvalidContent);
    const states = ctx.svc.store;
    const responses: WbxmlElement[] = [];
    try {
      const mailbox = await ctx.mailbox();
      const env: SyncEnv = {
        states,
        deviceId: ctx.device.id,
        mailbox,
        hierarchy: parseHierarchy((await states.getSyncState(ctx.device.id, HIERARCHY_STATE))?.data ?? null),
        folders: await mailbox.listFolders(),
        policy: ctx.policy.settings,
        version: ctx.req.protocolVersion,
        user: ctx.user,
        now: ctx.svc.clock(),
      };
      for (const c of list.map(parseCollection)) {
        const reply = (status: number, estimate?: number) =>
          g(
            'Response',
            g('Status', status),
            g(
              'Collection',
              g('CollectionId', c.collectionId),
              estimate === undefined ? null : g('Estimate', estimate),
            ),
          );
        // Only email is synced here; SMS may be combined with it, nothing else ([MS-ASCMD] 2.2.1.9).
        const badClass = c.classes.some((x) => x !== 'Email' && x !== 'SMS');
        const filter = parseFilterType(c.filter);
        if (
          !c.collectionId ||
          c.collectionId.length > MAX_ID_LENGTH ||
          badClass ||
          (c.filter !== null && filter === null)
        ) {
          responses.push(reply(EstimateStatus.InvalidCollection));
          continue;
        }
        if (c.syncKey === null || c.syncKey.length > MAX_ID_LENGTH) {
          responses.push(reply(EstimateStatus.InvalidSyncKey));
          continue;
        }
        const r = await estimateCollection(env, c.collectionId, c.syncKey, filter);
        if ('estimate' in r) responses.push(reply(EstimateStatus.Success, r.estimate));
        else if (r.status === 'unknown') responses.push(reply(EstimateStatus.InvalidCollection));
        else if (r.status === 'notPrimed') responses.push(reply(EstimateStatus.NotPrimed));
        else responses.push(reply(EstimateStatus.InvalidSyncKey));
      }
    } catch (err) {
      throw mailFailure(err);
    }
    return { httpStatus: 200, headers: {}, body: g('GetItemEstimate', responses) };
  },
};
