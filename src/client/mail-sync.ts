// Request builders and response parsers for FolderSync, Sync and GetItemEstimate, as a phone
// sends and reads them ([MS-ASCMD] 2.2.1.5, 2.2.1.21, 2.2.1.9). Pure: EasClient does the I/O.
import { child, childText, children, el, isElement } from '../wbxml/index.js';
import type { ElChild } from '../wbxml/index.js';
import type { WbxmlElement } from '../wbxml/types.js';
import type { ClientEmail } from './email.js';
import { parseEmail } from './email.js';
import { bodyPreference } from './wire.js';

// --- FolderSync ------------------------------------------------------------------------------------

export interface ClientFolder {
  serverId: string;
  parentId: string;
  displayName: string;
  /** [MS-ASCMD] 2.2.3.186.3: 2 Inbox, 3 Drafts, 4 Deleted Items, 5 Sent Items, 6 Outbox, 12 user mail... */
  type: number;
}

export interface FolderSyncChanges {
  status: number | null;
  syncKey: string | null;
  count: number | null;
  adds: ClientFolder[];
  updates: ClientFolder[];
  deletes: string[];
}

export function folderSyncRequest(syncKey: string): WbxmlElement {
  return el('FolderHierarchy', 'FolderSync', el('FolderHierarchy', 'SyncKey', syncKey));
}

function folderOf(e: WbxmlElement): ClientFolder {
  const t = (tag: string) => childText(e, tag, 'FolderHierarchy') ?? '';
  return {
    serverId: t('ServerId'),
    parentId: t('ParentId'),
    displayName: t('DisplayName'),
    type: Number(t('Type')),
  };
}

export function parseFolderSync(body: WbxmlElement | null): FolderSyncChanges {
  const changes = child(body, 'Changes', 'FolderHierarchy');
  const status = childText(body, 'Status', 'FolderHierarchy');
  const count = childText(changes, 'Count', 'FolderHierarchy');
  return {
    status: status === null ? null : Number(status),
    syncKey: childText(body, 'SyncKey', 'FolderHierarchy'),
    count: count === null ? null : Number(count),
    adds: children(changes, 'Add', 'FolderHierarchy').map(folderOf),
    updates: children(changes, 'Update', 'FolderHierarchy').map(folderOf),
    deletes: children(changes, 'Delete', 'FolderHierarchy').map(
      (d) => childText(d, 'ServerId', 'FolderHierarchy') ?? '',
    ),
  };
}

// --- Sync ----------------------------------------------------------------------------------------

export interface BodyPreferenceRequest {
  /** 1 plain, 2 HTML, 3 RTF, 4 MIME. */
  type: 1 | 2 | 3 | 4;
  truncationSize?: number;
  allOrNone?: boolean;
  /** 14.0+: characters of preview wanted. */
  preview?: number;
}

export interface ClientDraft {
  clientId: string;
  to?: string;
  cc?: string;
  subject?: string;
  body?: string;
  /** 1 plain (default), 2 HTML. */
  bodyType?: 1 | 2;
}

export interface SyncCollectionRequest {
  collectionId: string;
  /** Default: the key the client holds for the collection, or '0'. */
  syncKey?: string;
  /** Default: true, except when priming (SyncKey 0). */
  getChanges?: boolean;
  windowSize?: number;
  deletesAsMoves?: boolean;
  filterType?: number;
  bodyPreferences?: BodyPreferenceRequest[];
  mimeSupport?: 0 | 1 | 2;
  mimeTruncation?: number;
  conflict?: 0 | 1;
  /** Send no Options element (the server then uses the last ones it got). */
  omitOptions?: boolean;
  changes?: Array<{ serverId: string; read?: boolean; flagged?: boolean }>;
  deletes?: string[];
  fetches?: string[];
  adds?: ClientDraft[];
}

export interface SyncRequestOptions {
  /** Minutes (1-59), 12.1+. */
  wait?: number;
  /** Seconds, 14.0+. */
  heartbeatInterval?: number;
  /** Global WindowSize. */
  windowSize?: number;
  partial?: boolean;
  /** Protocol version: 12.1 puts Class in each Collection. */
  protocolVersion?: string;
}

const s = (tag: string, ...c: ElChild[]) => el('AirSync', tag, ...c);
const b = (tag: string, ...c: ElChild[]) => el('AirSyncBase', tag, ...c);
const m = (tag: string, ...c: ElChild[]) => el('Email', tag, ...c);

function optionsOf(c: SyncCollectionRequest): WbxmlElement | null {
  if (c.omitOptions) return null;
  const prefs = c.bodyPreferences ?? [];
  const any =
    c.filterType !== undefined ||
    prefs.length > 0 ||
    c.conflict !== undefined ||
    c.mimeSupport !== undefined ||
    c.mimeTruncation !== undefined;
  if (!any) return null;
  return s(
    'Options',
    c.filterType === undefined ? null : s('FilterType', c.filterType),
    prefs.map(bodyPreference),
    c.conflict === undefined ? null : s('Conflict', c.conflict),
    c.mimeSupport === undefined ? null : s('MIMESupport', c.mimeSupport),
    c.mimeTruncation === undefined ? null : s('MIMETruncation', c.mimeTruncation),
  );
}

function commandsOf(c: SyncCollectionRequest): WbxmlElement | null {
  const cmds: WbxmlElement[] = [
    ...(c.adds ?? []).map((d) =>
      s(
        'Add',
        s('ClientId', d.clientId),
        s(
          'ApplicationData',
          d.to === undefined ? null : m('To', d.to),
          d.cc === undefined ? null : m('Cc', d.cc),
          d.subject === undefined ? null : m('Subject', d.subject),
          b('Body', b('Type', d.bodyType ?? 1), b('Data', d.body ?? '')),
        ),
      ),
    ),
    ...(c.changes ?? []).map((ch) =>
      s(
        'Change',
        s('ServerId', ch.serverId),
        s(
          'ApplicationData',
          ch.read === undefined ? null : m('Read', ch.read ? 1 : 0),
          ch.flagged === undefined
            ? null
            : ch.flagged
              ? m('Flag', m('Status', 2), m('FlagType', 'Flag for follow up'))
              : m('Flag'),
        ),
      ),
    ),
    ...(c.deletes ?? []).map((id) => s('Delete', s('ServerId', id))),
    ...(c.fetches ?? []).map((id) => s('Fetch', s('ServerId', id))),
  ];
  return cmds.length ? s('Commands', cmds) : null;
}

/** A Sync request; collection elements in the strict order of [MS-ASCMD] 2.2.3.29.2. */
export function syncRequest(
  collections: Array<SyncCollectionRequest & { syncKey: string }>,
  o: SyncRequestOptions = {},
): WbxmlElement {
  return s(
    'Sync',
    collections.length
      ? s(
          'Collections',
          collections.map((c) =>
            s(
              'Collection',
              o.protocolVersion === '12.1' ? s('Class', 'Email') : null,
              s('SyncKey', c.syncKey),
              s('CollectionId', c.collectionId),
              c.deletesAsMoves === undefined ? null : s('DeletesAsMoves', c.deletesAsMoves ? 1 : 0),
              c.syncKey === '0' ? null : s('GetChanges', c.getChanges === false ? 0 : 1),
              c.windowSize === undefined ? null : s('WindowSize', c.windowSize),
              optionsOf(c),
              commandsOf(c),
            ),
          ),
        )
      : null,
    o.wait === undefined ? null : s('Wait', o.wait),
    o.heartbeatInterval === undefined ? null : s('HeartbeatInterval', o.heartbeatInterval),
    o.windowSize === undefined ? null : s('WindowSize', o.windowSize),
    o.partial ? s('Partial') : null,
  );
}

export interface SyncItem {
  serverId: string;
  email: ClientEmail;
}

export interface SyncCollectionResult {
  collectionId: string;
  syncKey: string | null;
  status: number | null;
  moreAvailable: boolean;
  adds: SyncItem[];
  /** Server Changes: only the properties sent (read, flagged) are non-null. */
  changes: SyncItem[];
  deletes: string[];
  softDeletes: string[];
  responses: {
    adds: Array<{ clientId: string; serverId: string | null; status: number | null }>;
    changes: Array<{ serverId: string; status: number | null }>;
    fetches: Array<{ serverId: string; status: number | null; email: ClientEmail | null }>;
  };
}

export interface SyncParsed {
  /** Sync-level Status (errors only). */
  status: number | null;
  limit: number | null;
  collections: SyncCollectionResult[];
}

const n = (v: string | null) => (v === null ? null : Number(v));

function collectionOf(c: WbxmlElement): SyncCollectionResult {
  const t = (e: WbxmlElement | null, tag: string) => childText(e, tag, 'AirSync');
  const cmds = child(c, 'Commands', 'AirSync');
  const resp = child(c, 'Responses', 'AirSync');
  const item = (e: WbxmlElement): SyncItem => ({
    serverId: t(e, 'ServerId') ?? '',
    email: parseEmail(child(e, 'ApplicationData', 'AirSync')),
  });
  const out: SyncCollectionResult = {
    collectionId: t(c, 'CollectionId') ?? '',
    syncKey: t(c, 'SyncKey'),
    status: n(t(c, 'Status')),
    moreAvailable: child(c, 'MoreAvailable', 'AirSync') !== null,
    adds: [],
    changes: [],
    deletes: [],
    softDeletes: [],
    responses: {
      adds: children(resp, 'Add', 'AirSync').map((a) => ({
        clientId: t(a, 'ClientId') ?? '',
        serverId: t(a, 'ServerId'),
        status: n(t(a, 'Status')),
      })),
      changes: children(resp, 'Change', 'AirSync').map((a) => ({
        serverId: t(a, 'ServerId') ?? '',
        status: n(t(a, 'Status')),
      })),
      fetches: children(resp, 'Fetch', 'AirSync').map((a) => {
        const data = child(a, 'ApplicationData', 'AirSync');
        return {
          serverId: t(a, 'ServerId') ?? '',
          status: n(t(a, 'Status')),
          email: data ? parseEmail(data) : null,
        };
      }),
    },
  };
  for (const e of cmds?.children ?? []) {
    if (!isElement(e) || e.ns !== 'AirSync') continue;
    if (e.tag === 'Add') out.adds.push(item(e));
    else if (e.tag === 'Change') out.changes.push(item(e));
    else if (e.tag === 'Delete') out.deletes.push(t(e, 'ServerId') ?? '');
    else if (e.tag === 'SoftDelete') out.softDeletes.push(t(e, 'ServerId') ?? '');
  }
  return out;
}

export function parseSync(body: WbxmlElement | null): SyncParsed {
  return {
    status: n(childText(body, 'Status', 'AirSync')),
    limit: n(childText(body, 'Limit', 'AirSync')),
    collections: children(child(body, 'Collections', 'AirSync'), 'Collection', 'AirSync').map(collectionOf),
  };
}

// --- GetItemEstimate ----------------------------------------------------------------------------------

export interface EstimateRequest {
  collectionId: string;
  syncKey: string;
  filterType?: number;
}

export interface EstimateResult {
  collectionId: string;
  status: number | null;
  estimate: number | null;
}

const g = (tag: string, ...c: ElChild[]) => el('GetItemEstimate', tag, ...c);

/** 12.1 and 14.0+ shapes ([MS-ASCMD] 2.2.1.9). */
export function getItemEstimateRequest(list: EstimateRequest[], protocolVersion: string): WbxmlElement {
  const legacy = protocolVersion === '12.1';
  return g(
    'GetItemEstimate',
    g(
      'Collections',
      list.map((c) =>
        legacy
          ? g(
              'Collection',
              g('Class', 'Email'),
              g('CollectionId', c.collectionId),
              c.filterType === undefined ? null : s('FilterType', c.filterType),
              s('SyncKey', c.syncKey),
            )
          : g(
              'Collection',
              s('SyncKey', c.syncKey),
              g('CollectionId', c.collectionId),
              c.filterType === undefined ? null : s('Options', s('FilterType', c.filterType)),
            ),
      ),
    ),
  );
}

export function parseGetItemEstimate(body: WbxmlElement | null): EstimateResult[] {
  return children(body, 'Response', 'GetItemEstimate').map((r) => {
    const c = child(r, 'Collection', 'GetItemEstimate');
    return {
      collectionId: childText(c, 'CollectionId', 'GetItemEstimate') ?? '',
      status: n(childText(r, 'Status', 'GetItemEstimate')),
      estimate: n(childText(c, 'Estimate', 'GetItemEstimate')),
    };
  });
}
