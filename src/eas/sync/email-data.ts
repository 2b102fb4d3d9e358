// A message as Sync ApplicationData ([MS-ASEMAIL] 2.2.2, [MS-ASAIRS] Body and
// Attachments). Element order follows Exchange's own responses ([MS-ASEMAIL] 4.1 examples):
// To, Cc, From, Subject, ReplyTo, DateReceived, DisplayTo, ThreadTopic, Importance, Read,
// Attachments, Body, MessageClass, InternetCPID, Flag, ContentClass, NativeBodyType. Pure.
import type { MailAddress, MessageHeaders } from '../../mail/types.js';
import { el } from '../../wbxml/index.js';
import type { ElChild } from '../../wbxml/index.js';
import type { WbxmlElement } from '../../wbxml/types.js';
import type { BodyOut } from './body.js';
import { FLAGGED, READ } from './item-state.js';

const e = (tag: string, ...c: ElChild[]) => el('Email', tag, ...c);
const b = (tag: string, ...c: ElChild[]) => el('AirSyncBase', tag, ...c);

/** STR_I cannot carry U+0000; it means nothing in a header or a text body anyway. */
function clean(s: string): string {
  return s.includes('\0') ? s.replace(/\0/g, '') : s;
}

/** RFC 5322 mailbox: "Name" <address>, quoting the name. */
export function formatAddress(a: MailAddress): string {
  if (!a.name) return a.address;
  return `"${a.name.replace(/["\\]/g, (c) => `\\${c}`)}" <${a.address}>`;
}

export function formatAddresses(list: readonly MailAddress[], sep = ', '): string {
  return clean(list.map(formatAddress).join(sep));
}

/** [MS-ASEMAIL] DisplayTo: the display names of the To recipients. */
export function displayTo(list: readonly MailAddress[]): string {
  return clean(list.map((a) => a.name ?? a.address).join('; '));
}

/** [MS-ASEMAIL] ThreadTopic: the subject without reply/forward prefixes. */
export function threadTopic(subject: string): string {
  let s = subject.trim();
  for (let i = 0; i < 10; i++) {
    const next = s.replace(/^(re|fw|fwd|aw|wg|sv|vs|antw)\s*(\[\d+\])?\s*:\s*/i, '');
    if (next === s) break;
    s = next;
  }
  return clean(s);
}

const IMPORTANCE = { low: 0, normal: 1, high: 2 } as const;

/** email:Read and email:Flag for the given flag bits ([MS-ASEMAIL] Flag, Read). */
export function flagElements(bits: number): WbxmlElement[] {
  const flag =
    bits & FLAGGED
      ? e('Flag', e('Status', 2), e('FlagType', 'Flag for follow up'))
      : // An empty Flag clears the flag on the device.
        e('Flag');
  return [e('Read', bits & READ ? 1 : 0), flag];
}

/** ApplicationData of a server Change: only what changed can change (read state, flag). */
export function flagChangeData(bits: number): WbxmlElement {
  const [read, flag] = flagElements(bits);
  return el('AirSync', 'ApplicationData', read, flag);
}

export function bodyElement(body: BodyOut): WbxmlElement {
  let data: string | Uint8Array | null = body.data;
  if (typeof data === 'string') data = clean(data);
  return b(
    'Body',
    b('Type', body.type),
    b('EstimatedDataSize', body.estimatedSize),
    body.truncated ? b('Truncated', 1) : null,
    data === null ? null : b('Data', data),
    body.preview ? b('Preview', clean(body.preview)) : null,
  );
}

export interface EmailDataInput {
  headers: MessageHeaders;
  body: BodyOut | null;
  /** FileReference of an attachment (resolved later by ItemOperations). */
  fileReference: (partId: string) => string;
}

/** [MS-ASAIRS] Method: 1 normal attachment, 5 embedded message. */
function methodOf(contentType: string): number {
  return contentType === 'message/rfc822' ? 5 : 1;
}

export function emailApplicationData(i: EmailDataInput): WbxmlElement {
  const h = i.headers;
  const attachments = h.attachments.length
    ? b(
        'Attachments',
        h.attachments.map((a) =>
          b(
            'Attachment',
            b('DisplayName', clean(a.fileName)),
            b('FileReference', i.fileReference(a.partId)),
            b('Method', methodOf(a.contentType)),
            b('EstimatedDataSize', a.size),
            a.contentId ? b('ContentId', clean(a.contentId)) : null,
            a.inline ? b('IsInline', 1) : null,
          ),
        ),
      )
    : null;
  const [read, flag] = flagElements((h.flags.read ? READ : 0) | (h.flags.flagged ? FLAGGED : 0));
  return el(
    'AirSync',
    'ApplicationData',
    h.to.length ? e('To', formatAddresses(h.to)) : null,
    h.cc.length ? e('Cc', formatAddresses(h.cc)) : null,
    h.from.length ? e('From', formatAddresses(h.from)) : null,
    e('Subject', clean(h.subject)),
    // Several Reply-To addresses are separated by semicolons ([MS-ASEMAIL] ReplyTo).
    h.replyTo.length ? e('ReplyTo', formatAddresses(h.replyTo, '; ')) : null,
    e('DateReceived', h.receivedAt.toISOString()),
    h.to.length ? e('DisplayTo', displayTo(h.to)) : null,
    e('ThreadTopic', threadTopic(h.subject)),
    e('Importance', IMPORTANCE[h.importance]),
    read,
    attachments,
    i.body ? bodyElement(i.body) : null,
    e('MessageClass', 'IPM.Note'),
    // 65001 = UTF-8: every string we send is UTF-8 whatever the message's own charset was.
    e('InternetCPID', 65001),
    flag,
    e('ContentClass', 'urn:content-classes:message'),
    i.body?.native ? b('NativeBodyType', i.body.native) : null,
  );
}
