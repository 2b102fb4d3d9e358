// A stored message: its raw MIME plus what is read from it once at store time (envelope,
// importance, attachments, where the bodies are). Bodies are decoded on demand, never cached.
import type { AddressObject, EmailAddress } from 'mailparser';
import { simpleParser } from 'mailparser';
import type { AttachmentInfo, MailAddress, MessageBodies, MessageFlags, MessageHeaders } from '../types.js';
import { decodedSize } from './decode.js';
import type { MimePart } from './mime.js';
import { fileNameOf, headerEnd, isAttachment, leaves, parseStructure } from './mime.js';

export interface MessageMeta {
  messageId: string | null;
  subject: string;
  from: MailAddress[];
  to: MailAddress[];
  cc: MailAddress[];
  bcc: MailAddress[];
  replyTo: MailAddress[];
  /** The Date header; null when absent or unparsable (callers fall back to receivedAt). */
  date: Date | null;
  importance: MessageHeaders['importance'];
  attachments: AttachmentInfo[];
  /** partId -> part, for attachments. */
  parts: Map<string, MimePart>;
  textPart: MimePart | null;
  htmlPart: MimePart | null;
}

export interface StoredMessage {
  uid: number;
  mime: Buffer;
  receivedAt: Date;
  flags: MessageFlags;
  meta: MessageMeta;
}

const PARSE_OPTIONS = { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true } as const;

function flatten(list: EmailAddress[]): MailAddress[] {
  const out: MailAddress[] = [];
  for (const a of list) {
    if (a.group) out.push(...flatten(a.group));
    else if (a.address) out.push({ name: a.name?.trim() ? a.name.trim() : null, address: a.address });
  }
  return out;
}

function addresses(v: AddressObject | AddressObject[] | undefined): MailAddress[] {
  if (!v) return [];
  return (Array.isArray(v) ? v : [v]).flatMap((o) => flatten(o.value));
}

function importanceOf(priority: unknown): MessageHeaders['importance'] {
  // mailparser folds Importance, X-Priority, Priority and X-MSMail-Priority into "priority".
  return priority === 'high' || priority === 'low' ? priority : 'normal';
}

function defaultFileName(p: MimePart): string {
  if (p.contentType === 'message/rfc822') return 'message.eml';
  const sub = p.contentType.split('/')[1] ?? 'bin';
  return `attachment-${p.partId}.${/^[a-z0-9.+-]{1,16}$/.test(sub) ? sub : 'bin'}`;
}

/** Parses what EAS shows of a message. Throws on input mailparser cannot read at all. */
export async function readMessage(mime: Buffer): Promise<MessageMeta> {
  const he = headerEnd(mime, 0, mime.length);
  // The top-level headers alone: a 25 MB attachment is not decoded to read a Subject.
  const top = await simpleParser(mime.subarray(0, he < 0 ? mime.length : he), PARSE_OPTIONS);
  const root = await parseStructure(mime);
  const attachments: AttachmentInfo[] = [];
  const parts = new Map<string, MimePart>();
  let textPart: MimePart | null = null;
  let htmlPart: MimePart | null = null;
  for (const p of leaves(root)) {
    if (isAttachment(p)) {
      parts.set(p.partId, p);
      attachments.push({
        partId: p.partId,
        fileName: fileNameOf(p) ?? defaultFileName(p),
        contentType: p.contentType,
        size: decodedSize(mime, p.bodyStart, p.end, p.encoding),
        contentId: p.contentId,
        inline: p.disposition === 'inline' || (p.disposition === null && p.contentId !== null),
      });
    } else if (p.contentType === 'text/plain' && !textPart) textPart = p;
    else if (p.contentType === 'text/html' && !htmlPart) htmlPart = p;
  }
  const date = top.date && !Number.isNaN(top.date.getTime()) ? top.date : null;
  return {
    messageId: top.messageId ?? null,
    subject: top.subject ?? '',
    from: addresses(top.from),
    to: addresses(top.to),
    cc: addresses(top.cc),
    bcc: addresses(top.bcc),
    replyTo: addresses(top.replyTo),
    date,
    importance: importanceOf(top.headers.get('priority')),
    attachments,
    parts,
    textPart,
    htmlPart,
  };
}

/** One body part decoded from its transfer encoding and charset (mailparser does both). */
async function decodeBody(mime: Buffer, p: MimePart | null, kind: 'text' | 'html'): Promise<string | null> {
  if (!p) return null;
  const parsed = await simpleParser(mime.subarray(p.headerStart, p.end), PARSE_OPTIONS);
  const v = kind === 'text' ? parsed.text : parsed.html;
  return typeof v === 'string' ? v : null;
}

export async function readBodies(m: StoredMessage): Promise<MessageBodies> {
  return {
    text: await decodeBody(m.mime, m.meta.textPart, 'text'),
    html: await decodeBody(m.mime, m.meta.htmlPart, 'html'),
  };
}

export function headersOf(m: StoredMessage, folderId: string): MessageHeaders {
  const { meta } = m;
  return {
    id: String(m.uid),
    receivedAt: new Date(m.receivedAt),
    flags: { ...m.flags },
    folderId,
    messageId: meta.messageId,
    subject: meta.subject,
    from: meta.from.map((a) => ({ ...a })),
    to: meta.to.map((a) => ({ ...a })),
    cc: meta.cc.map((a) => ({ ...a })),
    replyTo: meta.replyTo.map((a) => ({ ...a })),
    date: new Date(meta.date ?? m.receivedAt),
    importance: meta.importance,
    size: m.mime.length,
    attachments: meta.attachments.map((a) => ({ ...a })),
  };
}
