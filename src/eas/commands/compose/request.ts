// SendMail, SmartReply and SmartForward requests as data ([MS-ASCMD] 2.2.1.17, 2.2.1.20, 2.2.1.19):
// 14.0+ ComposeMail WBXML (ClientId, SaveInSentItems, ReplaceMime, Source, Mime), or the ≤12.1 form,
// a raw message/rfc822 body with SaveInSent, CollectionId, ItemId, LongId in the query. Pure;
// anything malformed is an EasStatusError with the common status to answer.
import { child, childText, children, contentBytes } from '../../../wbxml/index.js';
import type { WbxmlElement } from '../../../wbxml/types.js';
import { EasStatusError } from '../../errors.js';
import { EasStatus } from '../../status.js';
import type { EasRequest } from '../../types.js';

export type ComposeKind = 'SendMail' | 'SmartReply' | 'SmartForward';

export interface ComposeSource {
  /** composemail:FolderId / the CollectionId parameter: the collection ServerId. */
  folderId: string | null;
  /** composemail:ItemId / the ItemId parameter: the item ServerId. */
  itemId: string | null;
  /** A Search result's LongId (search/long-id.ts); used when there is no ItemId. */
  longId: string | null;
  /** One occurrence of a recurring meeting; meaningless for mail, ignored. */
  instanceId: string | null;
}

export interface ComposeRequest {
  kind: ComposeKind;
  /** [MS-ASCMD] 2.2.3.28.1: the device's id for the message, for resend detection; null in ≤12.1. */
  clientId: string | null;
  saveInSent: boolean;
  /** [MS-ASCMD] 2.2.3.148: the MIME is the whole message; nothing of the original is added. */
  replaceMime: boolean;
  mime: Buffer;
  source: ComposeSource | null;
  /** 16.0+ SmartForward Forwardees: more recipients, added to To. */
  forwardees: Array<{ name: string | null; email: string }>;
}

/**
 * Longest ClientId kept. The spec calls it a string the client makes unique; phones send GUIDs or
 * short counters. Longer values are refused rather than truncated (two could then collide).
 */
export const MAX_CLIENT_ID = 128;

const invalid = (status: number, message: string) => new EasStatusError(status, 'global', { message });

function one(e: WbxmlElement | null, tag: string): string | null {
  const found = children(e, tag, 'ComposeMail');
  if (found.length > 1) throw invalid(EasStatus.InvalidXML, `compose: ${tag} repeated`);
  const c = found[0];
  if (!c) return null;
  if (c.children.some((x) => typeof x !== 'string'))
    throw invalid(EasStatus.InvalidXML, `compose: ${tag} not text`);
  return c.children.join('');
}

function parseWbxml(kind: ComposeKind, body: WbxmlElement): ComposeRequest {
  if (body.ns !== 'ComposeMail' || body.tag !== kind)
    throw invalid(EasStatus.InvalidXML, 'compose: wrong root');
  const clientId = one(body, 'ClientId');
  // [MS-ASCMD] 2.2.3.28.1: ClientId is required in 14.0+ requests.
  if (clientId === null || clientId === '' || clientId.length > MAX_CLIENT_ID) {
    throw invalid(EasStatus.InvalidXML, 'compose: ClientId missing or too long');
  }
  const mimes = children(body, 'Mime', 'ComposeMail');
  if (mimes.length !== 1) throw invalid(EasStatus.InvalidXML, 'compose: exactly one Mime expected');
  // Mime is OPAQUE per [MS-ASCMD] 2.2.3.109, but clients also send it as an inline string.
  const mime = Buffer.from(contentBytes(mimes[0]) ?? new Uint8Array());
  const sources = children(body, 'Source', 'ComposeMail');
  if (sources.length > 1) throw invalid(EasStatus.InvalidXML, 'compose: Source repeated');
  const src = sources[0] ?? null;
  const source: ComposeSource | null = src
    ? {
        folderId: one(src, 'FolderId'),
        itemId: one(src, 'ItemId'),
        longId: one(src, 'LongId'),
        instanceId: one(src, 'InstanceId'),
      }
    : null;
  const forwardees: ComposeRequest['forwardees'] = [];
  for (const f of children(child(body, 'Forwardees', 'ComposeMail'), 'Forwardee', 'ComposeMail')) {
    const email = childText(f, 'Email', 'ComposeMail')?.trim() ?? '';
    if (!email) throw invalid(EasStatus.InvalidSmartForwardParameters, 'compose: Forwardee without Email');
    forwardees.push({ name: childText(f, 'Name', 'ComposeMail')?.trim() || null, email });
  }
  if (forwardees.length && kind !== 'SmartForward')
    throw invalid(EasStatus.InvalidXML, 'compose: Forwardees outside SmartForward');
  return {
    kind,
    clientId,
    // Both are empty tags: present = true ([MS-ASCMD] 2.2.3.159, 2.2.3.148).
    saveInSent: children(body, 'SaveInSentItems', 'ComposeMail').length > 0,
    replaceMime: children(body, 'ReplaceMime', 'ComposeMail').length > 0,
    mime,
    source,
    forwardees,
  };
}

function parseRaw(kind: ComposeKind, req: EasRequest): ComposeRequest {
  const p = req.params;
  const hasSource = p.ItemId !== undefined || p.CollectionId !== undefined || p.LongId !== undefined;
  return {
    kind,
    clientId: null,
    saveInSent: p.SaveInSent === 'T',
    replaceMime: false,
    mime: req.body,
    source: hasSource
      ? {
          folderId: p.CollectionId ?? null,
          itemId: p.ItemId ?? null,
          longId: p.LongId ?? null,
          instanceId: p.Occurrence ?? null,
        }
      : null,
    forwardees: [],
  };
}

/**
 * The request, from the decoded WBXML body or the raw MIME body. [MS-ASCMD] 2.2.2 status 101: a
 * 12.1 SendMail with a WBXML body, or a body that is neither WBXML nor message/rfc822. A raw MIME
 * body is also taken from 14.0+ clients: some Android clients keep sending it after upgrading.
 */
export function parseComposeRequest(
  kind: ComposeKind,
  req: EasRequest,
  body: WbxmlElement | null,
): ComposeRequest {
  let out: ComposeRequest;
  if (body) {
    if (req.protocolVersion === '12.1')
      throw invalid(EasStatus.InvalidContent, 'compose: WBXML from a 12.1 client');
    out = parseWbxml(kind, body);
  } else if (req.contentType === 'message/rfc822' && req.body.length > 0) {
    out = parseRaw(kind, req);
  } else {
    throw invalid(EasStatus.InvalidContent, 'compose: no message');
  }
  if (out.mime.length === 0) throw invalid(EasStatus.InvalidMIME, 'compose: empty Mime');
  if (kind !== 'SendMail') {
    const s = out.source;
    if (!s || (s.itemId === null && s.longId === null)) {
      throw invalid(
        out.clientId === null ? EasStatus.InvalidIDs : EasStatus.InvalidXML,
        'compose: Smart command without a source item',
      );
    }
  }
  return out;
}
