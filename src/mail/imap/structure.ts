// Pure helpers over what IMAP FETCH returns: BODYSTRUCTURE -> attachments and body parts, header
// values -> importance, envelope addresses, UID lists <-> sequence sets. No I/O.
import type { MessageAddressObject, MessageStructureObject } from 'imapflow';
import type { AttachmentInfo, MailAddress, MessageHeaders } from '../types.js';

/** A leaf MIME part with the path FETCH BODY[...] and imapflow's download() take. */
export interface LeafPart {
  partId: string;
  node: MessageStructureObject;
}

/** imapflow leaves `part` unset on the root of a single-part message; BODY[1] addresses it. */
function partIdOf(node: MessageStructureObject): string {
  return node.part ?? '1';
}

function fileNameOf(node: MessageStructureObject): string | null {
  const name = node.dispositionParameters?.filename ?? node.parameters?.name;
  return name && name.trim() ? name.trim() : null;
}

function isTextBody(node: MessageStructureObject): boolean {
  return node.type === 'text/plain' || node.type === 'text/html';
}

/**
 * An attachment is any leaf that is not a body: disposition "attachment", a file name, or a type
 * that is not text/plain or text/html (an inline image with a Content-ID is one, flagged inline).
 * A message/rfc822 part is one attachment; we do not look inside it.
 */
function isAttachment(node: MessageStructureObject): boolean {
  if (node.disposition === 'attachment') return true;
  if (fileNameOf(node) !== null) return true;
  return !isTextBody(node);
}

/** Leaves in document order, not descending into message/rfc822. */
export function leaves(root: MessageStructureObject): LeafPart[] {
  const out: LeafPart[] = [];
  const walk = (node: MessageStructureObject): void => {
    if (node.childNodes && node.childNodes.length > 0 && node.type !== 'message/rfc822') {
      for (const child of node.childNodes) walk(child);
      return;
    }
    if (node.type.startsWith('multipart/')) return; // an empty multipart has nothing to show
    out.push({ partId: partIdOf(node), node });
  };
  walk(root);
  return out;
}

/**
 * The decoded size of a part: BODYSTRUCTURE gives the encoded size, so base64 is scaled by 3/4
 * after its line breaks (76 chars + CRLF per line); quoted-printable and others are taken as is.
 */
export function decodedSize(node: MessageStructureObject): number {
  const size = node.size ?? 0;
  if ((node.encoding ?? '').toLowerCase() === 'base64') {
    const payload = size - Math.floor(size / 78) * 2;
    return Math.max(0, Math.floor((payload * 3) / 4));
  }
  return size;
}

function stripAngles(id: string | undefined): string | null {
  if (!id) return null;
  const t = id.trim().replace(/^<(.*)>$/, '$1');
  return t || null;
}

export function attachmentsOf(root: MessageStructureObject | undefined): AttachmentInfo[] {
  if (!root) return [];
  return leaves(root)
    .filter((l) => isAttachment(l.node))
    .map(({ partId, node }) => {
      const contentId = stripAngles(node.id);
      const inline = node.disposition === 'inline' || (node.disposition === undefined && contentId !== null);
      return {
        partId,
        fileName: fileNameOf(node) ?? defaultFileName(node, partId),
        contentType: node.type,
        size: decodedSize(node),
        contentId,
        inline,
      };
    });
}

function defaultFileName(node: MessageStructureObject, partId: string): string {
  if (node.type === 'message/rfc822') return `${node.envelope?.subject?.trim() || 'message'}.eml`;
  const sub = node.type.split('/')[1] ?? 'bin';
  return `attachment-${partId}.${/^[a-z0-9.+-]{1,16}$/.test(sub) ? sub : 'bin'}`;
}

export function findAttachment(
  root: MessageStructureObject | undefined,
  partId: string,
): AttachmentInfo | null {
  return attachmentsOf(root).find((a) => a.partId === partId) ?? null;
}

/** The first text/plain and first text/html leaf that are bodies, not attachments. */
export function bodyParts(root: MessageStructureObject | undefined): {
  text: LeafPart | null;
  html: LeafPart | null;
} {
  let text: LeafPart | null = null;
  let html: LeafPart | null = null;
  if (!root) return { text, html };
  for (const l of leaves(root)) {
    if (isAttachment(l.node)) continue;
    if (l.node.type === 'text/plain' && !text) text = l;
    if (l.node.type === 'text/html' && !html) html = l;
  }
  return { text, html };
}

export function toAddresses(list: MessageAddressObject[] | undefined): MailAddress[] {
  return (list ?? [])
    .filter((a) => a.address)
    .map((a) => ({ name: a.name?.trim() ? a.name.trim() : null, address: a.address ?? '' }));
}

/**
 * Importance from the headers clients use: Importance (RFC 2156), X-Priority (1-2 high, 4-5 low),
 * Priority (urgent/non-urgent) and X-MSMail-Priority.
 */
export function importanceOf(rawHeaders: Buffer | undefined): MessageHeaders['importance'] {
  if (!rawHeaders) return 'normal';
  const text = rawHeaders.toString('latin1').replace(/\r?\n[ \t]+/g, ' ');
  const get = (name: string): string | null => {
    const m = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(text);
    return m?.[1]?.trim().toLowerCase() ?? null;
  };
  const importance = get('importance');
  if (importance === 'high' || importance === 'low') return importance;
  const xp = get('x-priority');
  const n = xp ? Number.parseInt(xp, 10) : NaN;
  if (n === 1 || n === 2) return 'high';
  if (n === 4 || n === 5) return 'low';
  const prio = get('priority') ?? get('x-msmail-priority');
  if (prio === 'urgent' || prio === 'high') return 'high';
  if (prio === 'non-urgent' || prio === 'low') return 'low';
  return 'normal';
}

/** Message ids are UIDs as decimal strings; anything else names no message. */
export function parseUid(id: string): number | null {
  if (!/^[1-9][0-9]{0,9}$/.test(id)) return null;
  const n = Number(id);
  return n <= 0xffffffff ? n : null;
}

/** Sorted, deduplicated UIDs as a compact IMAP sequence set ("1:3,7,9:10"); "" for none. */
export function toSequenceSet(uids: Iterable<number>): string {
  const sorted = [...new Set(uids)].sort((a, b) => a - b);
  const parts: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    const start = sorted[i] as number;
    let end = start;
    while (i + 1 < sorted.length && sorted[i + 1] === end + 1) end = sorted[++i] as number;
    parts.push(start === end ? String(start) : `${start}:${end}`);
    i++;
  }
  return parts.join(',');
}
