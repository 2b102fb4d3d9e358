// Which body a device gets and how much of it ([MS-ASAIRS] Body, BodyPreference, AllOrNone,
// TruncationSize; [MS-ASCMD] MIMESupport, MIMETruncation), clamped by the policy ([MS-ASPROV]
// AllowHTMLEmail and the MaxEmail*BodyTruncationSize settings). Loading reads at most what is sent.
import type { Readable } from 'node:stream';
import type { MailSession } from '../../mail/types.js';
import type { PolicySettings } from '../../policy/types.js';
import { childText, children } from '../../wbxml/index.js';
import type { WbxmlElement } from '../../wbxml/types.js';

/** [MS-ASAIRS] 2.2.2.41 Type: 1 plain text, 2 HTML, 3 RTF (never served), 4 MIME. */
export type BodyType = 1 | 2 | 3 | 4;

export interface BodyPreference {
  type: BodyType;
  /** Bytes; null = not truncated. */
  truncationSize: number | null;
  allOrNone: boolean;
  /** 14.0+ airsyncbase:Preview: characters of plain-text preview wanted (0-255), null = none. */
  preview: number | null;
}

export interface BodyOptions {
  prefs: BodyPreference[];
  /** 0 never MIME, 1 S/MIME only, 2 always; null = not sent. */
  mimeSupport: 0 | 1 | 2 | null;
  /** MIMETruncation code (0-8), null = not sent. */
  mimeTruncation: number | null;
}

/**
 * The largest body (or MIME) data put into one item, whatever the device asked: a response holds
 * up to a whole window of items and the device's WBXML decoder has limits of its own. Bigger
 * content is sent truncated (Truncated = 1); the device fetches the rest with ItemOperations.
 */
export const MAX_BODY_BYTES = 1024 * 1024;

/** [MS-ASCMD] MIMETruncation codes -> bytes (8 = no truncation). */
const MIME_TRUNCATION = [0, 4096, 5120, 7168, 10240, 20480, 51200, 102400] as const;

function int(v: string | null, max: number): number | null {
  if (v === null || !/^\d{1,10}$/.test(v.trim())) return null;
  const n = Number(v.trim());
  return n <= max ? n : null;
}

/** Reads the body options of an airsync:Options element; null when a value is malformed. */
export function parseBodyOptions(options: WbxmlElement | null): BodyOptions | null {
  const prefs: BodyPreference[] = [];
  for (const p of children(options, 'BodyPreference', 'AirSyncBase')) {
    const type = int(childText(p, 'Type', 'AirSyncBase'), 4);
    if (type === null || type < 1) return null;
    const size = childText(p, 'TruncationSize', 'AirSyncBase');
    const truncationSize = size === null ? null : int(size, 0xffffffff);
    if (size !== null && truncationSize === null) return null;
    const aon = childText(p, 'AllOrNone', 'AirSyncBase');
    const preview = childText(p, 'Preview', 'AirSyncBase');
    prefs.push({
      type: type as BodyType,
      truncationSize,
      allOrNone: aon === '1',
      preview: preview === null ? null : Math.min(255, int(preview, 0xffffffff) ?? 0),
    });
  }
  const ms = childText(options, 'MIMESupport', 'AirSync');
  const mimeSupport = ms === null ? null : int(ms, 2);
  if (ms !== null && mimeSupport === null) return null;
  const mt = childText(options, 'MIMETruncation', 'AirSync');
  const mimeTruncation = mt === null ? null : int(mt, 8);
  if (mt !== null && mimeTruncation === null) return null;
  return { prefs, mimeSupport: mimeSupport as BodyOptions['mimeSupport'], mimeTruncation };
}

export interface BodyChoice {
  type: 1 | 2 | 4;
  /** Bytes of data to send at most (null = all, up to MAX_BODY_BYTES). */
  limit: number | null;
  allOrNone: boolean;
  preview: number | null;
}

type PolicyLimits = Pick<
  PolicySettings,
  'AllowHTMLEmail' | 'MaxEmailBodyTruncationSize' | 'MaxEmailHTMLBodyTruncationSize'
>;

/** Policy truncation sizes are kilobytes ([MS-ASPROV] MaxEmailBodyTruncationSize; the wire unit is UNCONFIRMED, Exchange's cmdlets use KB); -1 = unlimited. */
function policyLimit(kb: number): number | null {
  return Number.isInteger(kb) && kb >= 0 ? kb * 1024 : null;
}

function minLimit(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

/**
 * The body to send. Among the types the device listed, the richest we can serve wins
 * (MIME > HTML > plain; RTF is never served): devices list what they can render, and the
 * spec leaves the choice to the server. MIME needs MIMESupport 2, or 1 for S/MIME messages, or
 * no MIMESupport at all when the device asked for Type 4 explicitly. No preference = plain text.
 */
export function chooseBody(o: BodyOptions, policy: PolicyLimits, isSmime = false): BodyChoice {
  const mimeOk = o.mimeSupport === null || o.mimeSupport === 2 || (o.mimeSupport === 1 && isSmime);
  const usable = o.prefs.filter(
    (p) => p.type === 1 || (p.type === 2 && policy.AllowHTMLEmail) || (p.type === 4 && mimeOk),
  );
  // Legacy 12.x clients ask for MIME with MIMESupport alone (no BodyPreference Type 4).
  if (usable.length === 0 && o.mimeSupport === 2 && o.prefs.length === 0) {
    usable.push({ type: 4, truncationSize: null, allOrNone: false, preview: null });
  }
  const best = usable.sort((a, b) => b.type - a.type)[0] ?? {
    type: 1 as const,
    truncationSize: null,
    allOrNone: false,
    preview: null,
  };
  const type = best.type as 1 | 2 | 4;
  let limit = best.truncationSize;
  if (type === 4 && limit === null && o.mimeTruncation !== null && o.mimeTruncation < 8) {
    limit = MIME_TRUNCATION[o.mimeTruncation] ?? null;
  }
  const cap = type === 2 ? policy.MaxEmailHTMLBodyTruncationSize : policy.MaxEmailBodyTruncationSize;
  limit = minLimit(limit, policyLimit(cap));
  return { type, limit, allOrNone: best.allOrNone, preview: best.preview };
}

export interface BodyOut {
  type: 1 | 2 | 4;
  /** Size in bytes of the whole content before truncation. */
  estimatedSize: number;
  truncated: boolean;
  /** UTF-8 text, or raw bytes for MIME that is not valid UTF-8; null when AllOrNone withheld it. */
  data: string | Uint8Array | null;
  preview: string | null;
  /** [MS-ASAIRS] NativeBodyType of the message; null when not looked at (MIME without preview). */
  native: 1 | 2 | null;
}

/** The longest prefix of `s` whose UTF-8 encoding fits in `max` bytes (never splits a character). */
export function truncateUtf8(s: string, max: number): { data: string; truncated: boolean; size: number } {
  const bytes = Buffer.from(s, 'utf8');
  if (bytes.length <= max) return { data: s, truncated: false, size: bytes.length };
  let end = Math.max(0, max);
  // Step back over continuation bytes (10xxxxxx) to a character boundary.
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--;
  return { data: bytes.subarray(0, end).toString('utf8'), truncated: true, size: bytes.length };
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Readable text from HTML, for devices that asked for plain text only. Not a renderer. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style|head)[^>]*>[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|tr|li|h[1-6])\s*>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
      if (e[0] === '#') {
        const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
      }
      return ENTITIES[e.toLowerCase()] ?? m;
    })
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export function textToHtml(text: string): string {
  const esc = text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<html><body><div>${esc.replace(/\r?\n/g, '<br>')}</div></body></html>`;
}

async function readUpTo(stream: Readable, max: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  try {
    for await (const chunk of stream) {
      const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      parts.push(b);
      n += b.length;
      if (n >= max) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(parts, n).subarray(0, max);
}

function isUtf8(b: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}

function previewOf(text: string | null, chars: number | null): string | null {
  if (chars === null || !text) return null;
  return [...text.replace(/\s+/g, ' ').trim()].slice(0, chars).join('');
}

/** Loads and cuts the chosen body; null when the message is gone. `ignoreLimit` serves Fetch (full item). */
export async function loadBody(
  mailbox: MailSession,
  folderId: string,
  id: string,
  choice: BodyChoice,
  ignoreLimit = false,
): Promise<BodyOut | null> {
  const limit =
    ignoreLimit || choice.limit === null ? MAX_BODY_BYTES : Math.min(choice.limit, MAX_BODY_BYTES);
  const bodies = choice.type === 4 && choice.preview === null ? null : await mailbox.getBodies(folderId, id);
  if (choice.type === 4) {
    const opened = await mailbox.openMime(folderId, id);
    if (!opened) return null;
    const withhold = choice.allOrNone && !ignoreLimit && opened.size > limit;
    const bytes = withhold ? Buffer.alloc(0) : await readUpTo(opened.stream, limit);
    if (withhold) opened.stream.destroy();
    return {
      type: 4,
      estimatedSize: opened.size,
      truncated: opened.size > bytes.length,
      // Text when it can be (what clients expect); raw bytes for 8-bit or NUL-carrying MIME.
      data: withhold
        ? null
        : isUtf8(bytes) && !bytes.includes(0)
          ? bytes.toString('utf8')
          : new Uint8Array(bytes),
      preview: previewOf(bodies?.text ?? (bodies?.html ? htmlToText(bodies.html) : null), choice.preview),
      native: bodies ? (bodies.html ? 2 : 1) : null,
    };
  }
  const b = bodies ?? (await mailbox.getBodies(folderId, id));
  if (!b) return null;
  const plain = b.text ?? (b.html ? htmlToText(b.html) : '');
  const content = choice.type === 2 ? (b.html ?? textToHtml(plain)) : plain;
  const cut = truncateUtf8(content, limit);
  const withhold = choice.allOrNone && cut.truncated && !ignoreLimit;
  return {
    type: choice.type,
    estimatedSize: cut.size,
    truncated: cut.truncated,
    data: withhold ? null : cut.data,
    preview: previewOf(plain, choice.preview),
    native: b.html ? 2 : 1,
  };
}
