// Email ApplicationData as a phone reads it ([MS-ASEMAIL] 2.2.2, [MS-ASAIRS] Body, Attachments):
// a typed view of what a Sync Add, Change or Fetch carried. Pure; no knowledge of the server.
import { child, childText, children, contentBytes } from '../wbxml/index.js';
import type { WbxmlElement } from '../wbxml/types.js';

export interface ClientBody {
  /** 1 plain, 2 HTML, 3 RTF, 4 MIME. */
  type: number;
  estimatedDataSize: number | null;
  truncated: boolean;
  /** The data as text (opaque data decoded as UTF-8); null when none was sent. */
  data: string | null;
  /** The data as bytes, exactly as sent. */
  bytes: Uint8Array | null;
  preview: string | null;
}

export interface ClientAttachment {
  displayName: string;
  fileReference: string;
  method: number | null;
  estimatedDataSize: number | null;
  contentId: string | null;
  isInline: boolean;
}

export interface ClientEmail {
  to: string | null;
  cc: string | null;
  from: string | null;
  subject: string | null;
  replyTo: string | null;
  dateReceived: Date | null;
  displayTo: string | null;
  threadTopic: string | null;
  /** 0 low, 1 normal, 2 high. */
  importance: number | null;
  /** null when the element was absent (a Change that does not touch it). */
  read: boolean | null;
  /** null when email:Flag was absent; an empty Flag means "not flagged". */
  flagged: boolean | null;
  messageClass: string | null;
  internetCpid: string | null;
  contentClass: string | null;
  nativeBodyType: number | null;
  body: ClientBody | null;
  attachments: ClientAttachment[];
}

function num(v: string | null): number | null {
  return v === null || v.trim() === '' || !Number.isFinite(Number(v)) ? null : Number(v);
}

function bodyOf(b: WbxmlElement | null): ClientBody | null {
  if (!b) return null;
  const dataEl = child(b, 'Data', 'AirSyncBase');
  const bytes = contentBytes(dataEl);
  return {
    type: num(childText(b, 'Type', 'AirSyncBase')) ?? 0,
    estimatedDataSize: num(childText(b, 'EstimatedDataSize', 'AirSyncBase')),
    truncated: childText(b, 'Truncated', 'AirSyncBase') === '1',
    data: bytes ? Buffer.from(bytes).toString('utf8') : null,
    bytes,
    preview: childText(b, 'Preview', 'AirSyncBase'),
  };
}

export function parseEmail(data: WbxmlElement | null): ClientEmail {
  const t = (tag: string) => childText(data, tag, 'Email');
  const read = t('Read');
  const flag = child(data, 'Flag', 'Email');
  const date = t('DateReceived');
  return {
    to: t('To'),
    cc: t('Cc'),
    from: t('From'),
    subject: t('Subject'),
    replyTo: t('ReplyTo'),
    dateReceived: date ? new Date(date) : null,
    displayTo: t('DisplayTo'),
    threadTopic: t('ThreadTopic'),
    importance: num(t('Importance')),
    read: read === null ? null : read === '1',
    flagged: flag ? childText(flag, 'Status', 'Email') === '2' : null,
    messageClass: t('MessageClass'),
    internetCpid: t('InternetCPID'),
    contentClass: t('ContentClass'),
    nativeBodyType: num(childText(data, 'NativeBodyType', 'AirSyncBase')),
    body: bodyOf(child(data, 'Body', 'AirSyncBase')),
    attachments: children(child(data, 'Attachments', 'AirSyncBase'), 'Attachment', 'AirSyncBase').map(
      (a) => ({
        displayName: childText(a, 'DisplayName', 'AirSyncBase') ?? '',
        fileReference: childText(a, 'FileReference', 'AirSyncBase') ?? '',
        method: num(childText(a, 'Method', 'AirSyncBase')),
        estimatedDataSize: num(childText(a, 'EstimatedDataSize', 'AirSyncBase')),
        contentId: childText(a, 'ContentId', 'AirSyncBase'),
        isInline: childText(a, 'IsInline', 'AirSyncBase') === '1',
      }),
    ),
  };
}
