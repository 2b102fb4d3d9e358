// ItemOperations Fetch ([MS-ASCMD] 2.2.3.67.1) of a mail item (airsync:CollectionId + ServerId, or
// a Search result's search:LongId) or of one attachment (airsyncbase:FileReference, as email-data.ts
// writes it for synced items and search/mailbox.ts for search results), inline as base64
// itemoperations:Data or, for a multipart request, as a part referenced by itemoperations:Part.
// Inline data is capped (the device decodes the whole document at once); multipart is not.
import { MailAuthError, MailBackendError, MailNotFoundError } from '../../../mail/types.js';
import type { MailSession } from '../../../mail/types.js';
import type { PolicySettings } from '../../../policy/types.js';
import type { SyncStateStore } from '../../../store/sync-state.js';
import { el, isElement } from '../../../wbxml/index.js';
import type { ElChild } from '../../../wbxml/index.js';
import type { WbxmlElement } from '../../../wbxml/types.js';
import type { BodyOut } from '../../sync/body.js';
import { chooseBody, loadBody } from '../../sync/body.js';
import { emailApplicationData } from '../../sync/email-data.js';
import type { HierarchyData } from '../../sync/folder-map.js';
import type { ItemRef } from '../../sync/item-lookup.js';
import { parseFileReference, resolveItem } from '../../sync/item-lookup.js';
import { longIdFileReference, parseLongIdFileReference, resolveLongId } from '../search/long-id.js';
import type { FetchRequest } from './request.js';
import { ItemOpsStatus } from './request.js';
import type { Spooled } from './spool.js';
import { spoolBuffer, spoolStream } from './spool.js';

/**
 * Largest attachment sent inline. Base64 makes it 4/3 larger, and the device decodes the document
 * whole: 4 MiB becomes a 5.3 MiB string, under the 8 MiB string limit of our own decoder (and of
 * phones we know of). Bigger attachments need multipart, or a Range per piece.
 */
export const INLINE_ATTACHMENT_MAX = 4 * 1024 * 1024;

/** Base64 characters of inline data in one response (the document stays well under 16 MiB). */
export const INLINE_RESPONSE_MAX = 10 * 1024 * 1024;

/** Bytes of parts in one multipart response (each spooled; uint32 offsets allow 4 GiB). */
export const MULTIPART_RESPONSE_MAX = 512 * 1024 * 1024;

export interface FetchEnv {
  mailbox: MailSession;
  states: SyncStateStore;
  deviceId: string;
  hierarchy: HierarchyData | null;
  policy: PolicySettings;
  multipart: boolean;
  /** Parts gathered so far; the Part number of parts[i] is i + 1 (part 0 is the WBXML). */
  parts: Spooled[];
  /** What is left for inline data (base64 characters) and for parts (bytes). */
  budget: { inline: number; parts: number };
}

const io = (tag: string, ...c: ElChild[]) => el('ItemOperations', tag, ...c);
const asb = (tag: string, ...c: ElChild[]) => el('AirSyncBase', tag, ...c);
const as = (tag: string, ...c: ElChild[]) => el('AirSync', tag, ...c);

/** A failure the operation answers with its own Status (the others in the request still run). */
function opStatus(err: unknown): number {
  if (err instanceof MailAuthError) throw err;
  if (err instanceof MailNotFoundError) return ItemOpsStatus.ObjectNotFound;
  if (err instanceof MailBackendError) return ItemOpsStatus.ServerError;
  throw err;
}

// --- attachments ---------------------------------------------------------------------------------

export async function fetchAttachment(env: FetchEnv, req: FetchRequest): Promise<WbxmlElement> {
  const ref = req.fileReference ?? '';
  const answer = (status: number, ...props: ElChild[]) =>
    io(
      'Fetch',
      io('Status', status),
      asb('FileReference', ref),
      props.length ? io('Properties', ...props) : null,
    );
  if (req.status !== null) return answer(req.status);
  // A search result's attachment is "<LongId>:<part>"; a synced item's "<ServerId>:<part>".
  const parsed = parseLongIdFileReference(ref) ?? parseFileReference(ref);
  if (!parsed) return answer(ItemOpsStatus.AttachmentInvalid);
  // [MS-ASPROV] AttachmentsEnabled 0: "attachments may not be downloaded".
  if (!env.policy.AttachmentsEnabled) return answer(ItemOpsStatus.AccessDenied);
  try {
    const item =
      'longId' in parsed
        ? resolveLongId(env.deviceId, env.hierarchy, parsed.longId)
        : await resolveItem(env.states, env.deviceId, env.hierarchy, parsed.serverId);
    if (!item) return answer(ItemOpsStatus.AttachmentInvalid);
    const att = await env.mailbox.openAttachment(item.folderId, item.messageId, parsed.partId);
    if (!att) return answer(ItemOpsStatus.ObjectNotFound);
    const limit = env.policy.MaxAttachmentSize;
    const range = req.range;
    const tooBig =
      (limit !== null && att.size > limit) ||
      (!range && !env.multipart && att.size > INLINE_ATTACHMENT_MAX) ||
      (env.multipart && att.size > env.budget.parts);
    if (tooBig) {
      att.stream.destroy();
      return answer(ItemOpsStatus.TooLarge);
    }
    const start = range?.start ?? 0;
    const wanted = range ? range.end - range.start + 1 : Number.POSITIVE_INFINITY;
    // Inline: the server's best effort for a range is at most the inline cap ([MS-ASCMD] 2.2.3.143.2
    // lets the answer cover less than asked); without a range, one byte over the cap is enough to know.
    const count = env.multipart
      ? wanted
      : Math.min(wanted, range ? INLINE_ATTACHMENT_MAX : INLINE_ATTACHMENT_MAX + 1);
    let res;
    try {
      res = await spoolStream(att.stream, { start, count, memoryMax: env.multipart ? undefined : Infinity });
    } catch (err) {
      if (err instanceof MailAuthError) throw err;
      return answer(ItemOpsStatus.IoFailure);
    }
    const { spooled } = res;
    const drop = async (status: number) => {
      await spooled.discard();
      return answer(status);
    };
    if (range && (res.skipped < start || spooled.length === 0)) return drop(ItemOpsStatus.ByteRangeInvalid);
    if (limit !== null && spooled.length > limit) return drop(ItemOpsStatus.TooLarge);
    const rangeProps = range
      ? [
          io('Range', `${start}-${start + spooled.length - 1}`),
          io('Total', res.ended ? res.skipped + spooled.length : Math.max(att.size, start + spooled.length)),
        ]
      : [];
    const contentType = asb('ContentType', att.contentType);
    if (env.multipart) {
      if (spooled.length > env.budget.parts) return drop(ItemOpsStatus.TooLarge);
      env.budget.parts -= spooled.length;
      env.parts.push(spooled);
      return answer(ItemOpsStatus.Success, contentType, rangeProps, io('Part', env.parts.length));
    }
    const data = (spooled.buffer as Buffer).toString('base64');
    if ((!range && spooled.length > INLINE_ATTACHMENT_MAX) || data.length > env.budget.inline) {
      return answer(ItemOpsStatus.TooLarge);
    }
    env.budget.inline -= data.length;
    return answer(ItemOpsStatus.Success, contentType, rangeProps, io('Data', data));
  } catch (err) {
    return answer(opStatus(err));
  }
}

// --- mail items ----------------------------------------------------------------------------------

/** Body with itemoperations:Part in place of Data ([MS-ASAIRS] 2.2.2.33: Part replaces Data). */
function withPart(appData: WbxmlElement, part: number): WbxmlNodeList {
  return appData.children.map((c) => {
    if (!isElement(c) || c.ns !== 'AirSyncBase' || c.tag !== 'Body') return c;
    const kids = c.children.filter((k) => !(isElement(k) && k.tag === 'Data'));
    const at = kids.findIndex((k) => isElement(k) && k.tag === 'Preview');
    kids.splice(at < 0 ? kids.length : at, 0, io('Part', part));
    return { ...c, children: kids };
  });
}

type WbxmlNodeList = WbxmlElement['children'];

function dataBytes(data: BodyOut['data']): Buffer {
  if (data === null) return Buffer.alloc(0);
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
}

export async function fetchItem(env: FetchEnv, req: FetchRequest): Promise<WbxmlElement> {
  const echo: ElChild[] = [
    req.collectionId !== null ? as('CollectionId', req.collectionId) : null,
    req.serverId !== null ? as('ServerId', req.serverId) : null,
    req.longId !== null ? el('Search', 'LongId', req.longId) : null,
  ];
  const answer = (status: number, ...rest: ElChild[]) => io('Fetch', io('Status', status), echo, rest);
  if (req.status !== null) return answer(req.status);
  try {
    // A search result by its LongId ([MS-ASCMD] 2.2.3.102.2), or a synced item by its ServerId.
    let item: ItemRef | null;
    let fileReference: (partId: string) => string;
    if (req.longId !== null) {
      const longId = req.longId;
      item = resolveLongId(env.deviceId, env.hierarchy, longId);
      fileReference = (partId) => longIdFileReference(longId, partId);
    } else if (req.serverId !== null) {
      item = await resolveItem(env.states, env.deviceId, env.hierarchy, req.serverId, req.collectionId);
      fileReference = (partId) => `${req.serverId}:${partId}`;
    } else {
      return answer(ItemOpsStatus.ObjectNotFound);
    }
    if (!item) return answer(ItemOpsStatus.ObjectNotFound);
    const [headers] = await env.mailbox.getHeaders(item.folderId, [item.messageId]);
    if (!headers) return answer(ItemOpsStatus.ObjectNotFound);
    const choice = chooseBody(req.body, env.policy);
    const props = (appData: WbxmlElement, part: number | null) =>
      io('Properties', part === null ? appData.children : withPart(appData, part));
    const done = (appData: WbxmlElement, part: number | null) =>
      answer(ItemOpsStatus.Success, as('Class', 'Email'), props(appData, part));

    if (!env.multipart) {
      // Fetch means the whole item: no truncation but the per-body cap (sync/body.ts MAX_BODY_BYTES).
      const body = await loadBody(env.mailbox, item.folderId, item.messageId, choice, true);
      if (!body) return answer(ItemOpsStatus.ObjectNotFound);
      const size = Math.ceil((dataBytes(body.data).length * 4) / 3);
      if (size > env.budget.inline) return answer(ItemOpsStatus.TooLarge);
      env.budget.inline -= size;
      return done(emailApplicationData({ headers, body, fileReference }), null);
    }

    let spooled: Spooled;
    let body: BodyOut;
    if (choice.type === 4) {
      // Multipart MIME: the whole message, however large, straight from the backend.
      const opened = await env.mailbox.openMime(item.folderId, item.messageId);
      if (!opened) return answer(ItemOpsStatus.ObjectNotFound);
      if (opened.size > env.budget.parts) {
        opened.stream.destroy();
        return answer(ItemOpsStatus.TooLarge);
      }
      try {
        spooled = (await spoolStream(opened.stream)).spooled;
      } catch (err) {
        if (err instanceof MailAuthError) throw err;
        return answer(ItemOpsStatus.IoFailure);
      }
      body = {
        type: 4,
        estimatedSize: spooled.length,
        truncated: false,
        data: null,
        preview: null,
        native: null,
      };
    } else {
      const loaded = await loadBody(env.mailbox, item.folderId, item.messageId, choice, true);
      if (!loaded) return answer(ItemOpsStatus.ObjectNotFound);
      spooled = spoolBuffer(dataBytes(loaded.data));
      body = { ...loaded, data: null };
    }
    if (spooled.length > env.budget.parts) {
      await spooled.discard();
      return answer(ItemOpsStatus.TooLarge);
    }
    env.budget.parts -= spooled.length;
    env.parts.push(spooled);
    return done(emailApplicationData({ headers, body, fileReference }), env.parts.length);
  } catch (err) {
    return answer(opStatus(err));
  }
}
