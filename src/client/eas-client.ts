// A typed EAS client over real HTTP (fetch), speaking the same codec as the server. It acts as a
// phone: OPTIONS, two-phase Provision, Settings, wipe acknowledgement, the re-provision dance, and
// mail sync (FolderSync, Sync, GetItemEstimate) holding its keys as a phone does.
// Used by the integration tests, the benchmarks and later the simulator and the broker.
import { child, childText, decodeWbxml, el, encodeWbxml } from '../wbxml/index.js';
import type { WbxmlElement } from '../wbxml/types.js';
import { formatBase64Query, formatPlainQuery } from '../eas/query.js';
import type { ProtocolVersion } from '../eas/types.js';
import type {
  ClientFolder,
  EstimateRequest,
  EstimateResult,
  FolderSyncChanges,
  SyncCollectionRequest,
  SyncCollectionResult,
  SyncItem,
  SyncParsed,
  SyncRequestOptions,
} from './mail-sync.js';
import {
  folderSyncRequest,
  getItemEstimateRequest,
  parseFolderSync,
  parseGetItemEstimate,
  parseSync,
  syncRequest,
} from './mail-sync.js';
import type { PingParsed, PingRequestOptions } from './ping.js';
import { parsePing, pingRequest } from './ping.js';

export interface ClientDeviceInformation {
  Model?: string;
  IMEI?: string;
  FriendlyName?: string;
  OS?: string;
  OSLanguage?: string;
  PhoneNumber?: string;
  UserAgent?: string;
  EnableOutboundSMS?: '0' | '1';
  MobileOperator?: string;
}

export interface EasClientOptions {
  /** e.g. http://127.0.0.1:8080 */
  baseUrl: string;
  username: string;
  password: string;
  deviceId: string;
  deviceType: string;
  protocolVersion: ProtocolVersion;
  userAgent?: string;
  queryForm?: 'plain' | 'base64';
  /** Sent in the initial Provision for 14.1+ and by sendDeviceInformation(). */
  deviceInformation?: ClientDeviceInformation;
  /** Policy key to start with (null = none yet). */
  policyKey?: string | null;
}

export interface EasResult {
  httpStatus: number;
  headers: Record<string, string>;
  /** Decoded WBXML body, or null when the body is empty or not WBXML. */
  body: WbxmlElement | null;
  raw: Buffer;
  /** The root's top-level Status as a number, when present. */
  status: number | null;
}

export interface RequestOptions {
  params?: Record<string, string>;
  contentType?: string;
  /** Overrides the client's policy key for this request; null sends none. */
  policyKey?: string | null;
  /** Omit the Authorization header (to test auth). */
  noAuth?: boolean;
  /** Override credentials for this request. */
  password?: string;
  /** Override the query's User. */
  user?: string;
}

export interface ProvisionOutcome {
  /** Status of the download response. */
  downloadStatus: number | null;
  temporaryKey: string | null;
  /** The EASProvisionDoc element received. */
  policyDoc: WbxmlElement | null;
  /** Provision Status of the acknowledgement response (139/145 when refused). */
  ackStatus: number | null;
  /** Policy Status inside the acknowledgement response. */
  ackPolicyStatus: number | null;
  finalKey: string | null;
  /** Wipe directive received instead of a policy, if any. */
  wipe: 'RemoteWipe' | 'AccountOnlyRemoteWipe' | null;
}

const WBXML = 'application/vnd.ms-sync.wbxml';
/** Statuses that mean "provision again" ([MS-ASPROV] 3.1.5.2). */
export const REPROVISION_STATUSES = new Set([142, 143, 144]);

export interface FolderSyncResult extends FolderSyncChanges {
  httpStatus: number;
  headers: Record<string, string>;
}

export interface PingResult extends PingParsed {
  httpStatus: number;
  /** How long the server held the request, milliseconds. */
  heldMs: number;
}

export interface SyncResult extends SyncParsed {
  httpStatus: number;
  /** HTTP 200 with no body: nothing changed ([MS-ASCMD] 2.2.1.21 empty response). */
  empty: boolean;
  /** The collection's result, or undefined when the server left it out (nothing changed). */
  collection(collectionId: string): SyncCollectionResult | undefined;
}

/** Everything a folder download gathered, page by page. */
export interface FolderDownload {
  adds: SyncItem[];
  changes: SyncItem[];
  deletes: string[];
  softDeletes: string[];
  /** Sync requests it took after priming. */
  pages: number;
  syncKey: string | null;
}

export class EasClient {
  policyKey: string | null;
  /** FolderSync key the client holds ('0' before the first FolderSync). */
  folderSyncKey = '0';
  /** The hierarchy as the client knows it, by ServerId. */
  readonly folders = new Map<string, ClientFolder>();
  /** Sync key per collection; a collection without one starts at '0'. */
  readonly syncKeys = new Map<string, string>();

  constructor(readonly opts: EasClientOptions) {
    this.policyKey = opts.policyKey ?? null;
  }

  /** HTTP OPTIONS: the versions and commands the server advertises. */
  async options(): Promise<{
    httpStatus: number;
    versions: string[];
    commands: string[];
    headers: Record<string, string>;
  }> {
    const res = await fetch(`${this.opts.baseUrl}/Microsoft-Server-ActiveSync`, {
      method: 'OPTIONS',
      headers: {
        Authorization: this.authHeader(),
        ...(this.opts.userAgent ? { 'User-Agent': this.opts.userAgent } : {}),
      },
    });
    await res.arrayBuffer();
    const headers = headersToRecord(res.headers);
    const split = (v: string | undefined) => (v ? v.split(',').map((s) => s.trim()) : []);
    return {
      httpStatus: res.status,
      versions: split(headers['ms-asprotocolversions']),
      commands: split(headers['ms-asprotocolcommands']),
      headers,
    };
  }

  /** Send one command as-is (no automatic re-provisioning). */
  async request(
    cmd: string,
    body?: WbxmlElement | Buffer | null,
    o: RequestOptions = {},
  ): Promise<EasResult> {
    const policyKey = o.policyKey === undefined ? this.policyKey : o.policyKey;
    const form = this.opts.queryForm ?? 'plain';
    const user = o.user ?? this.opts.username;
    const params = o.params ?? {};
    const headers: Record<string, string> = {};
    let query: string;
    if (form === 'base64') {
      query = formatBase64Query({
        cmd,
        user,
        deviceId: this.opts.deviceId,
        deviceType: this.opts.deviceType,
        protocolVersion: this.opts.protocolVersion,
        policyKey,
        params,
      });
    } else {
      query = formatPlainQuery({
        cmd,
        user,
        deviceId: this.opts.deviceId,
        deviceType: this.opts.deviceType,
        params,
      });
      headers['MS-ASProtocolVersion'] = this.opts.protocolVersion;
      if (policyKey !== null) headers['X-MS-PolicyKey'] = policyKey;
    }
    if (!o.noAuth) headers.Authorization = this.authHeader(o.password);
    if (this.opts.userAgent) headers['User-Agent'] = this.opts.userAgent;
    let payload: Buffer | undefined;
    if (body) {
      payload = Buffer.isBuffer(body) ? body : encodeWbxml(body);
      headers['Content-Type'] = o.contentType ?? WBXML;
    }
    const res = await fetch(`${this.opts.baseUrl}/Microsoft-Server-ActiveSync?${query}`, {
      method: 'POST',
      headers,
      ...(payload ? { body: payload } : {}),
    });
    const raw = Buffer.from(await res.arrayBuffer());
    const resHeaders = headersToRecord(res.headers);
    let decoded: WbxmlElement | null = null;
    if (raw.length > 0 && (resHeaders['content-type'] ?? '').startsWith('application/vnd.ms-sync')) {
      decoded = decodeWbxml(raw);
    }
    const st = decoded ? childText(decoded, 'Status') : null;
    return {
      httpStatus: res.status,
      headers: resHeaders,
      body: decoded,
      raw,
      status: st === null ? null : Number(st),
    };
  }

  /**
   * The full Provision flow ([MS-ASPROV] 4.1): download with a temporary key, acknowledge with
   * `ackStatus` ('1' applied, '2' partial, '3' not applied, '4' externally managed), keep the final key.
   */
  async provision(
    o: { ackStatus?: '1' | '2' | '3' | '4'; sendDeviceInformation?: boolean } = {},
  ): Promise<ProvisionOutcome> {
    const withInfo = o.sendDeviceInformation ?? ['14.1', '16.0', '16.1'].includes(this.opts.protocolVersion);
    const out: ProvisionOutcome = {
      downloadStatus: null,
      temporaryKey: null,
      policyDoc: null,
      ackStatus: null,
      ackPolicyStatus: null,
      finalKey: null,
      wipe: null,
    };
    const dl = await this.request(
      'Provision',
      el(
        'Provision',
        'Provision',
        withInfo ? this.deviceInformationElement() : null,
        el(
          'Provision',
          'Policies',
          el('Provision', 'Policy', el('Provision', 'PolicyType', 'MS-EAS-Provisioning-WBXML')),
        ),
      ),
      { policyKey: '0' },
    );
    out.downloadStatus = dl.status;
    out.wipe = wipeDirective(dl.body);
    const policy = child(child(dl.body, 'Policies'), 'Policy');
    out.temporaryKey = childText(policy, 'PolicyKey');
    out.policyDoc = child(child(policy, 'Data'), 'EASProvisionDoc');
    if (dl.httpStatus !== 200 || out.wipe || !out.temporaryKey) return out;

    const ack = await this.acknowledge(out.temporaryKey, o.ackStatus ?? '1');
    out.ackStatus = ack.status;
    const ackPolicy = child(child(ack.body, 'Policies'), 'Policy');
    const ps = childText(ackPolicy, 'Status');
    out.ackPolicyStatus = ps === null ? null : Number(ps);
    out.finalKey = childText(ackPolicy, 'PolicyKey');
    if (out.finalKey) this.policyKey = out.finalKey;
    return out;
  }

  /** Phase 3: acknowledge a temporary key with a compliance status. */
  async acknowledge(temporaryKey: string, ackStatus: string): Promise<EasResult> {
    return this.request(
      'Provision',
      el(
        'Provision',
        'Provision',
        el(
          'Provision',
          'Policies',
          el(
            'Provision',
            'Policy',
            el('Provision', 'PolicyType', 'MS-EAS-Provisioning-WBXML'),
            el('Provision', 'PolicyKey', temporaryKey),
            el('Provision', 'Status', ackStatus),
          ),
        ),
      ),
      { policyKey: temporaryKey },
    );
  }

  /** Settings DeviceInformation Set (how ≤14.0 clients report themselves). */
  async sendDeviceInformation(info?: ClientDeviceInformation): Promise<EasResult> {
    return this.request('Settings', el('Settings', 'Settings', this.deviceInformationElement(info)));
  }

  /**
   * React to status 140 the way a phone does ([MS-ASPROV] 4.2): empty Provision, receive the
   * directive, acknowledge it. Returns the directive seen.
   */
  async handleWipe(ok = true): Promise<'RemoteWipe' | 'AccountOnlyRemoteWipe' | null> {
    const res = await this.request('Provision', el('Provision', 'Provision'));
    const directive = wipeDirective(res.body);
    if (!directive) return null;
    await this.request(
      'Provision',
      el('Provision', 'Provision', el('Provision', directive, el('Provision', 'Status', ok ? '1' : '2'))),
    );
    return directive;
  }

  /**
   * Send a command the way a phone does: on a re-provision status (or HTTP 449 for 12.1),
   * provision and retry once.
   */
  async command(
    cmd: string,
    body?: WbxmlElement | Buffer | null,
    o: RequestOptions = {},
  ): Promise<EasResult> {
    const first = await this.request(cmd, body, o);
    const mustProvision =
      first.httpStatus === 449 || (first.status !== null && REPROVISION_STATUSES.has(first.status));
    if (!mustProvision) return first;
    const p = await this.provision();
    if (!p.finalKey) return first;
    return this.request(cmd, body, { ...o, policyKey: undefined });
  }

  // --- mail sync -------------------------------------------------------------------------------

  /**
   * FolderSync with the held key (or `syncKey`); applies the changes to `folders` and keeps the new
   * key. Status 9 resets the client to key 0, as a phone does.
   */
  async folderSync(o: { syncKey?: string } = {}): Promise<FolderSyncResult> {
    const key = o.syncKey ?? this.folderSyncKey;
    const res = await this.command('FolderSync', folderSyncRequest(key));
    const parsed = parseFolderSync(res.body);
    if (parsed.status === 1 && parsed.syncKey) {
      if (key === '0') this.folders.clear();
      for (const id of parsed.deletes) this.folders.delete(id);
      for (const f of [...parsed.adds, ...parsed.updates]) this.folders.set(f.serverId, f);
      this.folderSyncKey = parsed.syncKey;
    } else if (parsed.status === 9) {
      // The server lost our hierarchy: a phone starts over, collections included.
      this.folderSyncKey = '0';
      this.folders.clear();
      this.syncKeys.clear();
    }
    return { ...parsed, httpStatus: res.httpStatus, headers: res.headers };
  }

  /** The ServerId of the first folder of a FolderSync Type (2 Inbox, 3 Drafts, 4 Deleted Items, 5 Sent). */
  folderOfType(type: number): string | undefined {
    for (const f of this.folders.values()) if (f.type === type) return f.serverId;
    return undefined;
  }

  /**
   * One Sync request. Keys default to the ones held; new keys are kept, status 3 drops the key
   * (the next Sync primes again). `collections` empty sends an empty body (replay the cached request).
   */
  async sync(collections: SyncCollectionRequest[], o: SyncRequestOptions = {}): Promise<SyncResult> {
    const body =
      collections.length === 0 && !o.partial
        ? null
        : syncRequest(
            collections.map((c) => ({
              ...c,
              syncKey: c.syncKey ?? this.syncKeys.get(c.collectionId) ?? '0',
            })),
            { protocolVersion: this.opts.protocolVersion, ...o },
          );
    const res = await this.command('Sync', body);
    const parsed = parseSync(res.body);
    for (const c of parsed.collections) {
      if (c.status === 1 && c.syncKey) this.syncKeys.set(c.collectionId, c.syncKey);
      else if (c.status === 3) this.syncKeys.delete(c.collectionId);
    }
    return {
      ...parsed,
      httpStatus: res.httpStatus,
      empty: res.httpStatus === 200 && res.raw.length === 0,
      collection: (id) => parsed.collections.find((c) => c.collectionId === id),
    };
  }

  /**
   * Primes the collection if needed and pages through every change (MoreAvailable) with the given
   * options, as a phone's initial download does. Stops after `maxPages` requests.
   */
  async downloadFolder(
    c: Omit<SyncCollectionRequest, 'syncKey'>,
    o: SyncRequestOptions & { maxPages?: number } = {},
  ): Promise<FolderDownload> {
    const out: FolderDownload = {
      adds: [],
      changes: [],
      deletes: [],
      softDeletes: [],
      pages: 0,
      syncKey: null,
    };
    const prime = async () => {
      const primed = (await this.sync([{ collectionId: c.collectionId, syncKey: '0' }], o)).collection(
        c.collectionId,
      );
      if (primed?.status !== 1)
        throw new Error(`priming ${c.collectionId} failed with status ${primed?.status}`);
    };
    if (!this.syncKeys.has(c.collectionId)) await prime();
    let reprimed = false;
    for (let page = 0; page < (o.maxPages ?? 1000); page++) {
      const res = await this.sync([c], o);
      out.pages++;
      const r = res.collection(c.collectionId);
      if (!r) break;
      // Status 3: the key is unknown to the server; a phone primes again once, and starts over.
      if (r.status === 3 && !reprimed && out.adds.length === 0) {
        reprimed = true;
        await prime();
        continue;
      }
      if (r.status !== 1) throw new Error(`sync of ${c.collectionId} failed with status ${r.status}`);
      out.adds.push(...r.adds);
      out.changes.push(...r.changes);
      out.deletes.push(...r.deletes);
      out.softDeletes.push(...r.softDeletes);
      if (!r.moreAvailable) break;
    }
    out.syncKey = this.syncKeys.get(c.collectionId) ?? null;
    return out;
  }

  /** GetItemEstimate; keys default to the ones held. */
  async getItemEstimate(
    list: Array<Omit<EstimateRequest, 'syncKey'> & { syncKey?: string }>,
  ): Promise<{ httpStatus: number; status: number | null; results: EstimateResult[] }> {
    const res = await this.command(
      'GetItemEstimate',
      getItemEstimateRequest(
        list.map((c) => ({ ...c, syncKey: c.syncKey ?? this.syncKeys.get(c.collectionId) ?? '0' })),
        this.opts.protocolVersion,
      ),
    );
    return { httpStatus: res.httpStatus, status: res.status, results: parseGetItemEstimate(res.body) };
  }

  /**
   * Ping ([MS-ASCMD] 2.2.1.13). Without options it sends an empty Ping (the server's cached interval
   * and folders). No policy key: Ping carries none ([MS-ASHTTP] 2.2.1.1.2). Resolves when the server
   * answers: at the heartbeat's end, on new mail, or at once for an error status.
   */
  async ping(o: PingRequestOptions = {}): Promise<PingResult> {
    const t0 = performance.now();
    const res = await this.request('Ping', pingRequest(o), { policyKey: null });
    return { ...parsePing(res.body), httpStatus: res.httpStatus, heldMs: performance.now() - t0 };
  }

  private deviceInformationElement(info = this.opts.deviceInformation ?? {}): WbxmlElement {
    const fields = Object.entries(info).filter(([, v]) => v !== undefined) as Array<[string, string]>;
    return el(
      'Settings',
      'DeviceInformation',
      el('Settings', 'Set', ...fields.map(([k, v]) => el('Settings', k, v))),
    );
  }

  private authHeader(password = this.opts.password): string {
    return 'Basic ' + Buffer.from(`${this.opts.username}:${password}`, 'utf8').toString('base64');
  }
}

function wipeDirective(body: WbxmlElement | null): 'RemoteWipe' | 'AccountOnlyRemoteWipe' | null {
  if (child(body, 'RemoteWipe')) return 'RemoteWipe';
  if (child(body, 'AccountOnlyRemoteWipe')) return 'AccountOnlyRemoteWipe';
  return null;
}

function headersToRecord(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  h.forEach((v, k) => (out[k] = v));
  return out;
}
