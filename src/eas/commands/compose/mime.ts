// The device's MIME message checked and made ours: it must have a header block (else 107
// InvalidMIME) and recipients (else 119 MessageHasNoRecipient, 116 for an address that cannot be
// one); From becomes the user's primary address ([MS-ASCMD] 2.2.1.17: "the server sets the From
// header"), Sender goes, Date and Message-ID are added when missing. Only header lines are
// rewritten; the body keeps its bytes (signed S/MIME stays valid).
import { randomUUID } from 'node:crypto';
import { parseAddressHeader } from 'mailparser';
import { headerEnd } from '../../../mail/headers.js';
import { EasStatusError } from '../../errors.js';
import { EasStatus } from '../../status.js';

export interface Mailbox {
  name: string | null;
  address: string;
}

/** Longest header block accepted (RFC 5322 has no limit; 256 KiB is far beyond any real message). */
const MAX_HEADER_BYTES = 256 * 1024;

/** The header fields (continuations joined, line breaks kept) in order, or null when not a header block. */
export function headerFields(mime: Buffer): string[] | null {
  const end = headerEnd(mime);
  if (end > MAX_HEADER_BYTES) return null;
  // latin1 maps bytes 1:1, so fields can be written back unchanged whatever their charset.
  const head = mime
    .subarray(0, end)
    .toString('latin1')
    .replace(/(\r?\n){1,2}$/, '');
  if (head === '' || head.includes('\0')) return null;
  const fields: string[] = [];
  for (const line of head.split(/(?<=\n)/)) {
    if (/^[ \t]/.test(line)) {
      if (!fields.length) return null;
      fields[fields.length - 1] += line;
    } else if (/^[!-9;-~]+:/.test(line)) fields.push(line);
    else return null;
  }
  return fields;
}

const nameOf = (field: string) => field.slice(0, field.indexOf(':')).toLowerCase();
const valueOf = (field: string) =>
  field
    .slice(field.indexOf(':') + 1)
    .replace(/\r?\n[ \t]/g, ' ')
    .trim();

/** [RFC 5322] addr-spec, loosely: what an SMTP server could take as a recipient. */
export function isAddress(a: string): boolean {
  return a.length <= 254 && /^[^\s<>()@",;:\\[\]]+@[^\s<>()@",;:\\[\]]+$/.test(a);
}

/** To, Cc and Bcc addresses (groups flattened, duplicates kept out), and the ones that are no address. */
export function recipientsOf(fields: readonly string[]): { valid: string[]; invalid: string[] } {
  const valid = new Map<string, string>();
  const invalid: string[] = [];
  const add = (list: ReturnType<typeof parseAddressHeader>['value']): void => {
    for (const a of list) {
      if (a.group) add(a.group);
      else if (a.address) {
        if (isAddress(a.address)) valid.set(a.address.toLowerCase(), a.address);
        else invalid.push(a.address);
      } else if (a.name) invalid.push(a.name);
    }
  };
  for (const f of fields) {
    const n = nameOf(f);
    if (n === 'to' || n === 'cc' || n === 'bcc') {
      // Header values from the wire: latin1 back to bytes, then UTF-8 (8-bit headers are UTF-8 in practice).
      add(
        parseAddressHeader(Buffer.from(valueOf(f), 'latin1').toString('utf8'), { decodePunycode: false })
          .value,
      );
    }
  }
  return { valid: [...valid.values()], invalid };
}

/** [RFC 2047] encoded word for a display name that is not plain ASCII; quoted otherwise. */
export function displayName(name: string): string {
  const clean = name.replace(/[\r\n\0]+/g, ' ').trim();
  if (/^[\x20-\x7e]*$/.test(clean)) return `"${clean.replace(/["\\]/g, (c) => `\\${c}`)}"`;
  return `=?utf-8?B?${Buffer.from(clean, 'utf8').toString('base64')}?=`;
}

export function formatMailbox(m: Mailbox): string {
  return m.name ? `${displayName(m.name)} <${m.address}>` : m.address;
}

/** RFC 5322 date-time in UTC. */
export function rfc5322Date(d: Date): string {
  return d.toUTCString().replace('GMT', '+0000');
}

/**
 * Checks the device's message ([MS-ASCMD] 2.2.2: 107, 119, 116) and returns its header fields.
 * `extra` are recipients added by the server (16.0 Forwardees).
 */
export function checkMessage(mime: Buffer, extra: readonly string[] = []): string[] {
  const fields = headerFields(mime);
  if (!fields)
    throw new EasStatusError(EasStatus.InvalidMIME, 'global', { message: 'compose: no header block' });
  const { valid, invalid } = recipientsOf(fields);
  const more = extra.filter((a) => isAddress(a));
  if (invalid.length || more.length !== extra.length) {
    throw new EasStatusError(EasStatus.MessageRecipientUnresolved, 'global', {
      message: 'compose: a recipient is not an address',
    });
  }
  if (valid.length + more.length === 0) {
    throw new EasStatusError(EasStatus.MessageHasNoRecipient, 'global', { message: 'compose: no recipient' });
  }
  return fields;
}

/**
 * The message as it leaves: the user's From first, Sender/From/Return-Path of the device dropped,
 * Date and Message-ID added if missing, `to` appended to To (Forwardees). Line breaks follow the
 * message's own (CRLF or LF). Throws like checkMessage.
 */
export function stampMessage(
  mime: Buffer,
  from: Mailbox,
  now: Date,
  o: { to?: readonly Mailbox[] } = {},
): Buffer {
  const extra = o.to ?? [];
  const fields = checkMessage(
    mime,
    extra.map((m) => m.address),
  );
  const end = headerEnd(mime);
  const eol = mime.subarray(0, end).includes('\r\n') ? '\r\n' : '\n';
  const kept = fields.filter((f) => !['from', 'sender', 'return-path'].includes(nameOf(f)));
  const has = (n: string) => kept.some((f) => nameOf(f) === n);
  const added: string[] = [`From: ${formatMailbox(from)}`];
  if (!has('date')) added.push(`Date: ${rfc5322Date(now)}`);
  if (!has('message-id')) {
    const domain = from.address.slice(from.address.lastIndexOf('@') + 1) || 'localhost';
    added.push(`Message-ID: <${randomUUID()}@${domain}>`);
  }
  if (extra.length && !has('to')) added.push(`To: ${extra.map(formatMailbox).join(', ')}`);
  let head = Buffer.concat(kept.map((f) => Buffer.from(f.endsWith('\n') ? f : f + eol, 'latin1')));
  if (extra.length && has('to')) {
    // Forwardees join the first To field (a message has one To field; RFC 5322 3.6).
    const text = head.toString('latin1');
    const at = text.search(/^to:/im);
    const lineEnd = text.indexOf('\n', at);
    const fieldEnd = (() => {
      let i = lineEnd;
      while (i >= 0 && i + 1 < text.length && /[ \t]/.test(text[i + 1] as string))
        i = text.indexOf('\n', i + 1);
      return i < 0 ? text.length : i;
    })();
    const cut = text[fieldEnd - 1] === '\r' ? fieldEnd - 1 : fieldEnd;
    head = Buffer.concat([
      Buffer.from(text.slice(0, cut), 'latin1'),
      Buffer.from(`, ${extra.map(formatMailbox).join(', ')}`, 'utf8'),
      Buffer.from(text.slice(cut), 'latin1'),
    ]);
  }
  const front = Buffer.from(added.map((l) => l + eol).join(''), 'utf8');
  const rest = end < mime.length ? mime.subarray(end) : Buffer.alloc(0);
  return Buffer.concat([front, head, Buffer.from(eol, 'latin1'), rest]);
}
