// Typed client helpers for the item commands, as a phone sends them: SendMail / SmartReply /
// SmartForward (14.0+ ComposeMail WBXML or the ≤12.1 raw MIME form), ItemOperations (inline or
// multipart), MoveItems, FolderCreate / FolderUpdate / FolderDelete (keeping the client's
// FolderSync key and folder list as a phone does). Wraps an EasClient; does its own HTTP only for
// ItemOperations, whose multipart answer EasClient.request cannot decode.
import { child, childText, children, decodeWbxml, el, encodeWbxml } from '../wbxml/index.js';
import type { ElChild } from '../wbxml/index.js';
import type { WbxmlElement } from '../wbxml/types.js';
import { formatBase64Query, formatPlainQuery } from '../eas/query.js';
import type { EasClient, EasResult } from './eas-client.js';
import type { ClientEmail } from './email.js';
import { parseEmail } from './email.js';
import type { BodyPreferenceRequest } from './mail-sync.js';
import { bodyPreference, optionalNumber } from './wire.js';
import { MULTIPART_TYPE, parseMultipart } from './multipart.js';

const WBXML = 'application/vnd.ms-sync.wbxml';

const cm = (tag: string, ...c: ElChild[]) => el('ComposeMail', tag, ...c);
const io = (tag: string, ...c: ElChild[]) => el('ItemOperations', tag, ...c);
const fh = (tag: string, ...c: ElChild[]) => el('FolderHierarchy', tag, ...c);
const mv = (tag: string, ...c: ElChild[]) => el('Move', tag, ...c);

export interface ComposeOptions {
  mime: Buffer | string;
  /** 14.0+: defaults to a fresh random id. */
  clientId?: string;
  saveInSent?: boolean;
  /** 14.0+ Mime as an inline string instead of OPAQUE (some clients do this). */
  mimeAsString?: boolean;
}

export interface SmartOptions extends ComposeOptions {
  /** Item ServerId of the original (or longId). */
  itemId?: string;
  /** LongId of the original as a Search result gave it, instead of itemId. */
  longId?: string;
  /** Collection ServerId of the original. */
  folderId?: string;
  replaceMime?: boolean;
  /** 16.0+ SmartForward Forwardees. */
  forwardees?: Array<{ name?: string; email: string }>;
}

export interface ComposeResult {
  httpStatus: number;
  /** The command's Status on failure (14.0+); null on success (empty body). */
  status: number | null;
  /** HTTP 200 with nothing in it: the message was sent. */
  sent: boolean;
}

export interface FetchResult {
  status: number | null;
  collectionId: string | null;
  serverId: string | null;
  /** A Search result's LongId, when the Fetch named one. */
  longId: string | null;
  fileReference: string | null;
  contentType: string | null;
  range: string | null;
  total: number | null;
  /** Part number (multipart) of the attachment or of the item's body. */
  part: number | null;
  /** Attachment bytes (inline Data decoded, or the part), or the item's body bytes from its part. */
  data: Buffer | null;
  /** A mail item's properties as a phone reads them. */
  email: ClientEmail | null;
}

export interface ItemOperationsResult {
  httpStatus: number;
  contentType: string;
  multipart: boolean;
  status: number | null;
  body: WbxmlElement | null;
  /** Multipart: the parts after part 0. */
  parts: Buffer[];
  fetches: FetchResult[];
  emptied: Array<{ status: number | null; collectionId: string | null }>;
}

export interface FolderEditResult {
  status: number | null;
  syncKey: string | null;
  serverId: string | null;
}

function randomClientId(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`.toUpperCase();
}

function composeResult(r: EasResult): ComposeResult {
  return { httpStatus: r.httpStatus, status: r.status, sent: r.httpStatus === 200 && r.raw.length === 0 };
}

export class MailItemsClient {
  constructor(readonly client: EasClient) {}

  private get legacy(): boolean {
    return this.client.opts.protocolVersion === '12.1';
  }

  private compose(kind: 'SendMail' | 'SmartReply' | 'SmartForward', o: SmartOptions | ComposeOptions) {
    const mime = Buffer.isBuffer(o.mime) ? o.mime : Buffer.from(o.mime, 'utf8');
    const smart = kind === 'SendMail' ? null : (o as SmartOptions);
    if (this.legacy) {
      // ≤12.1: the message itself, options in the query ([MS-ASHTTP] 2.2.1.1.1.2.5).
      const params: Record<string, string> = {};
      if (o.saveInSent) params.SaveInSent = 'T';
      if (smart) {
        if (smart.itemId !== undefined) params.ItemId = smart.itemId;
        if (smart.longId !== undefined) params.LongId = smart.longId;
        if (smart.folderId) params.CollectionId = smart.folderId;
      }
      return this.client.command(kind, mime, { params, contentType: 'message/rfc822' });
    }
    return this.client.command(
      kind,
      cm(
        kind,
        cm('ClientId', o.clientId ?? randomClientId()),
        o.saveInSent ? cm('SaveInSentItems') : null,
        smart?.replaceMime ? cm('ReplaceMime') : null,
        smart
          ? cm(
              'Source',
              smart.folderId ? cm('FolderId', smart.folderId) : null,
              smart.itemId !== undefined ? cm('ItemId', smart.itemId) : null,
              smart.longId !== undefined ? cm('LongId', smart.longId) : null,
            )
          : null,
        smart?.forwardees?.length
          ? cm(
              'Forwardees',
              smart.forwardees.map((f) =>
                cm('Forwardee', f.name ? cm('Name', f.name) : null, cm('Email', f.email)),
              ),
            )
          : null,
        cm('Mime', o.mimeAsString ? mime.toString('utf8') : new Uint8Array(mime)),
      ),
    );
  }

  async sendMail(o: ComposeOptions): Promise<ComposeResult> {
    return composeResult(await this.compose('SendMail', o));
  }

  async smartReply(o: SmartOptions): Promise<ComposeResult> {
    return composeResult(await this.compose('SmartReply', o));
  }

  async smartForward(o: SmartOptions): Promise<ComposeResult> {
    return composeResult(await this.compose('SmartForward', o));
  }

  // --- ItemOperations ------------------------------------------------------------------------------

  /** One ItemOperations request with these operations (Fetch, EmptyFolderContents, Move elements). */
  async itemOperations(ops: WbxmlElement[], o: { multipart?: boolean } = {}): Promise<ItemOperationsResult> {
    const c = this.client;
    const form = c.opts.queryForm ?? 'plain';
    const params: Record<string, string> = {};
    const headers: Record<string, string> = {
      Authorization:
        'Basic ' + Buffer.from(`${c.opts.username}:${c.opts.password}`, 'utf8').toString('base64'),
      'Content-Type': WBXML,
    };
    if (c.opts.userAgent) headers['User-Agent'] = c.opts.userAgent;
    let query: string;
    if (form === 'base64') {
      if (o.multipart) params.AcceptMultiPart = 'T';
      query = formatBase64Query({
        cmd: 'ItemOperations',
        user: c.opts.username,
        deviceId: c.opts.deviceId,
        deviceType: c.opts.deviceType,
        protocolVersion: c.opts.protocolVersion,
        policyKey: c.policyKey,
        params,
      });
    } else {
      query = formatPlainQuery({
        cmd: 'ItemOperations',
        user: c.opts.username,
        deviceId: c.opts.deviceId,
        deviceType: c.opts.deviceType,
      });
      headers['MS-ASProtocolVersion'] = c.opts.protocolVersion;
      if (c.policyKey !== null) headers['X-MS-PolicyKey'] = c.policyKey;
      if (o.multipart) headers['MS-ASAcceptMultiPart'] = 'T';
    }
    const res = await fetch(`${c.opts.baseUrl}/Microsoft-Server-ActiveSync?${query}`, {
      method: 'POST',
      headers,
      body: encodeWbxml(io('ItemOperations', ops)),
    });
    const raw = Buffer.from(await res.arrayBuffer());
    const contentType = (res.headers.get('content-type') ?? '').toLowerCase();
    const multipart = contentType.startsWith(MULTIPART_TYPE);
    let parts: Buffer[] = [];
    let body: WbxmlElement | null = null;
    if (multipart) {
      const all = parseMultipart(raw);
      body = decodeWbxml(all[0] as Buffer);
      parts = all.slice(1);
    } else if (raw.length && contentType.startsWith('application/vnd.ms-sync')) {
      body = decodeWbxml(raw);
    }
    const response = child(body, 'Response', 'ItemOperations');
    const partOf = (n: number | null) => (n === null ? null : (parts[n - 1] ?? null));
    const fetches = children(response, 'Fetch', 'ItemOperations').map((f): FetchResult => {
      const props = child(f, 'Properties', 'ItemOperations');
      const isItem = child(f, 'ServerId', 'AirSync') !== null || child(f, 'LongId', 'Search') !== null;
      const itemBody = isItem ? child(props, 'Body', 'AirSyncBase') : null;
      const part = optionalNumber(
        childText(props, 'Part', 'ItemOperations') ?? childText(itemBody, 'Part', 'ItemOperations'),
      );
      const inline = childText(props, 'Data', 'ItemOperations');
      return {
        status: optionalNumber(childText(f, 'Status', 'ItemOperations')),
        collectionId: childText(f, 'CollectionId', 'AirSync'),
        serverId: childText(f, 'ServerId', 'AirSync'),
        longId: childText(f, 'LongId', 'Search'),
        fileReference: childText(f, 'FileReference', 'AirSyncBase'),
        contentType: childText(props, 'ContentType', 'AirSyncBase'),
        range: childText(props, 'Range', 'ItemOperations'),
        total: optionalNumber(childText(props, 'Total', 'ItemOperations')),
        part,
        data: part !== null ? partOf(part) : inline !== null ? Buffer.from(inline, 'base64') : null,
        email: isItem && props ? parseEmail(props) : null,
      };
    });
    const emptied = children(response, 'EmptyFolderContents', 'ItemOperations').map((e) => ({
      status: optionalNumber(childText(e, 'Status', 'ItemOperations')),
      collectionId: childText(e, 'CollectionId', 'AirSync'),
    }));
    return {
      httpStatus: res.status,
      contentType,
      multipart,
      status: optionalNumber(childText(body, 'Status', 'ItemOperations')),
      body,
      parts,
      fetches,
      emptied,
    };
  }

  /** Fetch one attachment by FileReference, optionally a byte range ("m-n"). */
  async fetchAttachment(
    fileReference: string,
    o: { multipart?: boolean; range?: string } = {},
  ): Promise<ItemOperationsResult & { fetch: FetchResult | undefined }> {
    const r = await this.itemOperations(
      [
        io(
          'Fetch',
          io('Store', 'Mailbox'),
          el('AirSyncBase', 'FileReference', fileReference),
          o.range ? io('Options', io('Range', o.range)) : null,
        ),
      ],
      o,
    );
    return { ...r, fetch: r.fetches[0] };
  }

  /** Fetch a whole mail item with body preferences (Type 4 = MIME). */
  async fetchItem(
    collectionId: string,
    serverId: string,
    o: { multipart?: boolean; bodyPreferences?: BodyPreferenceRequest[]; mimeSupport?: 0 | 1 | 2 } = {},
  ): Promise<ItemOperationsResult & { fetch: FetchResult | undefined }> {
    const prefs = o.bodyPreferences ?? [];
    const options =
      prefs.length || o.mimeSupport !== undefined
        ? io(
            'Options',
            o.mimeSupport === undefined ? null : el('AirSync', 'MIMESupport', o.mimeSupport),
            prefs.map(bodyPreference),
          )
        : null;
    const r = await this.itemOperations(
      [
        io(
          'Fetch',
          io('Store', 'Mailbox'),
          el('AirSync', 'CollectionId', collectionId),
          el('AirSync', 'ServerId', serverId),
          options,
        ),
      ],
      o,
    );
    return { ...r, fetch: r.fetches[0] };
  }

  /** Fetch a Search result by its LongId ([MS-ASCMD] 2.2.3.102.2). */
  async fetchByLongId(
    longId: string,
    o: { multipart?: boolean; bodyPreferences?: BodyPreferenceRequest[] } = {},
  ): Promise<ItemOperationsResult & { fetch: FetchResult | undefined }> {
    const prefs = o.bodyPreferences ?? [];
    const r = await this.itemOperations(
      [
        io(
          'Fetch',
          io('Store', 'Mailbox'),
          el('Search', 'LongId', longId),
          prefs.length
            ? io(
                'Options',
                prefs.map((p) => el('AirSyncBase', 'BodyPreference', el('AirSyncBase', 'Type', p.type))),
              )
            : null,
        ),
      ],
      o,
    );
    return { ...r, fetch: r.fetches[0] };
  }

  async emptyFolderContents(collectionId: string, o: { deleteSubFolders?: boolean } = {}) {
    return this.itemOperations([
      io(
        'EmptyFolderContents',
        el('AirSync', 'CollectionId', collectionId),
        o.deleteSubFolders ? io('Options', io('DeleteSubFolders')) : null,
      ),
    ]);
  }

  // --- MoveItems -----------------------------------------------------------------------------------

  async moveItems(moves: Array<{ srcMsgId: string; srcFldId: string; dstFldId: string }>): Promise<{
    httpStatus: number;
    status: number | null;
    responses: Array<{ srcMsgId: string; status: number | null; dstMsgId: string | null }>;
  }> {
    const r = await this.client.command(
      'MoveItems',
      mv(
        'MoveItems',
        moves.map((m) =>
          mv('Move', mv('SrcMsgId', m.srcMsgId), mv('SrcFldId', m.srcFldId), mv('DstFldId', m.dstFldId)),
        ),
      ),
    );
    return {
      httpStatus: r.httpStatus,
      status: r.status,
      responses: children(r.body, 'Response', 'Move').map((e) => ({
        srcMsgId: childText(e, 'SrcMsgId', 'Move') ?? '',
        status: optionalNumber(childText(e, 'Status', 'Move')),
        dstMsgId: childText(e, 'DstMsgId', 'Move'),
      })),
    };
  }

  // --- FolderCreate / FolderUpdate / FolderDelete ----------------------------------------------------

  private async folderEdit(
    cmd: string,
    fields: ElChild[],
  ): Promise<FolderEditResult & { httpStatus: number }> {
    const c = this.client;
    const r = await c.command(cmd, fh(cmd, fh('SyncKey', c.folderSyncKey), fields));
    const out = {
      httpStatus: r.httpStatus,
      status: r.status,
      syncKey: childText(r.body, 'SyncKey', 'FolderHierarchy'),
      serverId: childText(r.body, 'ServerId', 'FolderHierarchy'),
    };
    // [MS-ASCMD] 2.2.3.181.1: the new key replaces the FolderSync key; 9 sends the phone back to 0.
    if (out.status === 1 && out.syncKey) c.folderSyncKey = out.syncKey;
    else if (out.status === 9) {
      c.folderSyncKey = '0';
      c.folders.clear();
    }
    return out;
  }

  /** FolderCreate (Type 12 = mail folder); the folder joins the client's list on success. */
  async folderCreate(parentId: string, displayName: string, type = 12) {
    const r = await this.folderEdit('FolderCreate', [
      fh('ParentId', parentId),
      fh('DisplayName', displayName),
      fh('Type', type),
    ]);
    if (r.status === 1 && r.serverId) {
      this.client.folders.set(r.serverId, { serverId: r.serverId, parentId, displayName, type });
    }
    return r;
  }

  async folderUpdate(serverId: string, parentId: string, displayName: string) {
    const r = await this.folderEdit('FolderUpdate', [
      fh('ServerId', serverId),
      fh('ParentId', parentId),
      fh('DisplayName', displayName),
    ]);
    const known = this.client.folders.get(serverId);
    if (r.status === 1 && known) this.client.folders.set(serverId, { ...known, parentId, displayName });
    return r;
  }

  async folderDelete(serverId: string) {
    const r = await this.folderEdit('FolderDelete', [fh('ServerId', serverId)]);
    if (r.status === 1) {
      const gone = new Set([serverId]);
      let grew = true;
      while (grew) {
        grew = false;
        for (const f of this.client.folders.values()) {
          if (!gone.has(f.serverId) && gone.has(f.parentId)) {
            gone.add(f.serverId);
            grew = true;
          }
        }
      }
      for (const id of gone) {
        this.client.folders.delete(id);
        this.client.syncKeys.delete(id);
      }
    }
    return r;
  }
}
