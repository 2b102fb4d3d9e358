// The outgoing message of a SmartReply or SmartForward without ReplaceMime ([MS-ASCMD] 2.2.1.20,
// 2.2.1.19): the device sends only its new text; the server adds the original, quoted under an
// "On ..., ... wrote:" line for a reply, inline under an "Original Message" block with the
// original's attachments for a forward. Built with nodemailer's MailComposer from what mailparser
// reads of both messages; recipients, subject and the device's own attachments come from the device.
import type { AddressObject, Attachment, EmailAddress, ParsedMail } from 'mailparser';
import { simpleParser } from 'mailparser';
import type { Readable } from 'node:stream';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { MailComposerAttachment } from 'nodemailer/lib/mail-composer';
import { EasStatusError } from '../../errors.js';
import { EasStatus } from '../../status.js';
import type { Mailbox } from './mime.js';
import { rfc5322Date } from './mime.js';

const PARSE = { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true } as const;

export interface SmartInput {
  kind: 'SmartReply' | 'SmartForward';
  /** The device's message (new text, recipients, subject, its own attachments). */
  device: Buffer;
  /** The original message as stored. */
  original: Buffer | Readable;
  from: Mailbox;
  now: Date;
  /** 16.0 Forwardees, added to To. */
  extraTo?: readonly Mailbox[];
}

function flat(v: AddressObject | AddressObject[] | undefined): EmailAddress[] {
  const out: EmailAddress[] = [];
  const walk = (list: EmailAddress[]) => {
    for (const a of list) {
      if (a.group) walk(a.group);
      else if (a.address) out.push(a);
    }
  };
  for (const o of v === undefined ? [] : Array.isArray(v) ? v : [v]) walk(o.value);
  return out;
}

const mailboxes = (v: AddressObject | AddressObject[] | undefined) =>
  flat(v).map((a) => ({ name: a.name ?? '', address: a.address as string }));

function listText(v: AddressObject | AddressObject[] | undefined): string {
  return flat(v)
    .map((a) => (a.name ? `${a.name} <${a.address}>` : (a.address as string)))
    .join('; ');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function textToHtmlFragment(text: string): string {
  return `<div>${escapeHtml(text).replace(/\r?\n/g, '<br>')}</div>`;
}

/** What goes inside our own <body>: the original's body content, without its document wrapper. */
export function bodyContent(html: string): string {
  const m = /<body[^>]*>([\s\S]*?)<\/body\s*>/i.exec(html);
  return (
    m
      ? (m[1] as string)
      : html.replace(/<\/?(html|head)[^>]*>/gi, '').replace(/<title>[\s\S]*?<\/title>/gi, '')
  ).trim();
}

/** Each line of `text` quoted with "> " ([RFC 3676] style). */
export function quoteText(text: string): string {
  return text
    .replace(/\r?\n$/, '')
    .split(/\r?\n/)
    .map((l) => (l.startsWith('>') ? `>${l}` : `> ${l}`))
    .join('\r\n');
}

/** Importance as the device's message had it (MailComposer leaves priority to the mailer). */
const PRIORITY_HEADERS = {
  high: { 'X-Priority': '1 (Highest)', Importance: 'High' },
  low: { 'X-Priority': '5 (Lowest)', Importance: 'Low' },
} as const;

function priorityOf(m: ParsedMail): { headers?: Record<string, string> } {
  // mailparser folds Importance, X-Priority and friends into "priority".
  const p = m.headers.get('priority');
  return p === 'high' || p === 'low' ? { headers: { ...PRIORITY_HEADERS[p] } } : {};
}

const hasDate = (d: Date | undefined): d is Date => d !== undefined && !Number.isNaN(d.getTime());

function when(d: Date | undefined): string {
  return hasDate(d) ? rfc5322Date(d) : '';
}

function attachmentOf(a: Attachment): MailComposerAttachment {
  return {
    content: a.content,
    contentType: a.contentType,
    // No name stays no name (MailComposer would make one up, "attachment-1.png").
    filename: a.filename || false,
    ...(a.cid ? { cid: a.cid } : {}),
    contentDisposition: a.contentDisposition === 'inline' ? 'inline' : 'attachment',
  };
}

interface Bodies {
  text: string;
  html: string | null;
}

function replyBodies(device: ParsedMail, original: ParsedMail): Bodies {
  const who = original.from?.text || 'the sender';
  const intro = hasDate(original.date) ? `On ${when(original.date)}, ${who} wrote:` : `${who} wrote:`;
  const mine = (device.text ?? '').replace(/\s+$/, '');
  const text = `${mine}\r\n\r\n${intro}\r\n${quoteText(original.text ?? '')}\r\n`;
  if (!device.html && !original.html) return { text, html: null };
  const quoted = original.html ? bodyContent(original.html) : textToHtmlFragment(original.text ?? '');
  const html =
    `<html><body>${device.html ? bodyContent(device.html) : textToHtmlFragment(mine)}` +
    `<br><div>${escapeHtml(intro)}</div>` +
    `<blockquote type="cite" style="margin:0 0 0 .8ex;border-left:1px solid #ccc;padding-left:1ex">${quoted}</blockquote>` +
    `</body></html>`;
  return { text, html };
}

function forwardBodies(device: ParsedMail, original: ParsedMail): Bodies {
  const lines: Array<[string, string]> = [
    ['From', original.from?.text ?? ''],
    ['Sent', when(original.date)],
    ['To', listText(original.to)],
    ['Cc', listText(original.cc)],
    ['Subject', original.subject ?? ''],
  ];
  const shown = lines.filter(([k, v]) => v !== '' || k === 'From' || k === 'Subject');
  const head = shown.map(([k, v]) => `${k}: ${v}`).join('\r\n');
  const mine = (device.text ?? '').replace(/\s+$/, '');
  const text =
    `${mine}\r\n\r\n-----Original Message-----\r\n${head}\r\n\r\n` +
    `${(original.text ?? '').replace(/\r?\n$/, '')}\r\n`;
  if (!device.html && !original.html) return { text, html: null };
  const headHtml = shown.map(([k, v]) => `<b>${k}:</b> ${escapeHtml(v)}`).join('<br>');
  const body = original.html ? bodyContent(original.html) : textToHtmlFragment(original.text ?? '');
  const html =
    `<html><body>${device.html ? bodyContent(device.html) : textToHtmlFragment(mine)}` +
    `<br><hr><div>${headHtml}</div><br>${body}</body></html>`;
  return { text, html };
}

/** "Re: " / "Fw: " unless the device already put a prefix there (it sends the subject it shows). */
function subjectOf(device: ParsedMail, original: ParsedMail, kind: SmartInput['kind']): string {
  if (device.subject !== undefined) return device.subject;
  const base = original.subject ?? '';
  return kind === 'SmartReply' ? `Re: ${base}` : `Fw: ${base}`;
}

async function parse(input: Buffer | Readable, what: string): Promise<ParsedMail> {
  try {
    return await simpleParser(input, PARSE);
  } catch (err) {
    throw new EasStatusError(EasStatus.InvalidMIME, 'global', {
      message: `compose: ${what} unreadable`,
      cause: err,
    });
  }
}

/** The complete outgoing message (From already the user's, Bcc kept for the backend to strip). */
export async function buildSmartMessage(i: SmartInput): Promise<Buffer> {
  const device = await parse(i.device, 'message');
  const original = await parse(i.original, 'original message');
  const bodies = i.kind === 'SmartReply' ? replyBodies(device, original) : forwardBodies(device, original);
  const attachments = device.attachments.map(attachmentOf);
  if (i.kind === 'SmartForward') attachments.push(...original.attachments.map(attachmentOf));
  else if (bodies.html && original.html) {
    // A quoted HTML body keeps the pictures it shows: the original's inline (cid) parts only.
    attachments.push(...original.attachments.filter((a) => a.cid && a.related).map(attachmentOf));
  }
  const refs = original.references === undefined ? [] : [original.references].flat();
  const reply = i.kind === 'SmartReply' && original.messageId;
  const node = new MailComposer({
    from: { name: i.from.name ?? '', address: i.from.address },
    to: [
      ...mailboxes(device.to),
      ...(i.extraTo ?? []).map((m) => ({ name: m.name ?? '', address: m.address })),
    ],
    cc: mailboxes(device.cc),
    bcc: mailboxes(device.bcc),
    subject: subjectOf(device, original, i.kind),
    date: i.now,
    ...(reply ? { inReplyTo: original.messageId, references: [...refs, original.messageId as string] } : {}),
    ...priorityOf(device),
    text: bodies.text,
    ...(bodies.html ? { html: bodies.html } : {}),
    attachments,
    newline: 'win',
  }).compile();
  // The backend reads recipients from To, Cc and Bcc and strips Bcc itself (MailSession.send).
  node.keepBcc = true;
  return node.build();
}
