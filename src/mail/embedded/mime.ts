// MIME work of the embedded backend, all streaming (mailparser): the header summary, the body text
// for search and the rendered bodies taken while a message is being stored, bodies parsed on demand
// (messages without kept bodies), and one attachment's decoded bytes piped out of a re-parse of the
// stored message (attachments without a range, part-ranges.ts). Attachments are counted, hashed
// or piped, never buffered.
import { createHash } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import {
  MailParser,
  type AddressObject,
  type AttachmentStream,
  type Headers,
  type MessageText,
} from 'mailparser';
import type { MessageSummary, StoredAttachment, StoredMailAddress } from '../../store/mail-store.js';
import { bodySearchText } from '../search.js';
import type { MessageBodies } from '../types.js';

/**
 * Keep what the message says: no HTML -> text conversion (a device asks for the type it wants),
 * no cid: links replaced by data: URLs (EAS serves inline images as attachments), no checksums.
 */
const PARSER_OPTIONS = {
  skipHtmlToText: true,
  skipImageLinks: true,
  skipTextToHtml: true,
  skipTextLinks: true,
  checksumAlgo: false,
} as const;

export function newParser(): MailParser {
  return new MailParser(PARSER_OPTIONS);
}

/** PostgreSQL text and jsonb cannot hold U+0000, and mail is written by strangers: replace it. */
export function cleanText(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text;
}

function addresses(value: unknown): StoredMailAddress[] {
  const out: StoredMailAddress[] = [];
  const objects = (Array.isArray(value) ? value : value === undefined ? [] : [value]) as AddressObject[];
  const walk = (list: AddressObject['value']): void => {
    for (const a of list) {
      if (a.group) walk(a.group);
      else if (a.address)
        out.push({ name: a.name ? cleanText(a.name) : null, address: cleanText(a.address) });
    }
  };
  for (const o of objects) if (o && Array.isArray(o.value)) walk(o.value);
  return out;
}

function headerString(headers: Headers, name: string): string | null {
  const v = headers.get(name);
  return typeof v === 'string' ? cleanText(v) : null;
}

function summaryOf(headers: Headers | null, attachments: StoredAttachment[]): MessageSummary {
  const h = headers ?? new Map();
  const date = h.get('date');
  const priority = h.get('priority');
  return {
    subject: headerString(h, 'subject') ?? '',
    from: addresses(h.get('from')),
    to: addresses(h.get('to')),
    cc: addresses(h.get('cc')),
    replyTo: addresses(h.get('reply-to')),
    date: date instanceof Date && !Number.isNaN(date.getTime()) ? date.toISOString() : null,
    messageId: headerString(h, 'message-id'),
    importance: priority === 'high' || priority === 'low' ? priority : 'normal',
    attachments,
  };
}

/** The IMAP part id of an attachment; a message that is one non-text part is part "1" (RFC 3501). */
function partIdOf(a: AttachmentStream): string {
  return a.partId ?? '1';
}

function fileNameOf(a: AttachmentStream, partId: string): string {
  if (a.filename) return cleanText(a.filename);
  const sub = a.contentType.split('/')[1] ?? '';
  return `attachment-${partId}.${/^[a-z0-9.+-]{1,16}$/.test(sub) ? sub : 'bin'}`;
}

function attachmentInfo(a: AttachmentStream, size: number): StoredAttachment {
  const partId = partIdOf(a);
  const contentId = a.cid ? cleanText(a.cid) : null;
  return {
    partId,
    fileName: fileNameOf(a, partId),
    contentType: cleanText(a.contentType),
    size,
    contentId,
    // Same rule as the IMAP backend: an explicit disposition wins, else a Content-ID means inline.
    inline: a.contentDisposition === 'inline' || (a.contentDisposition === undefined && contentId !== null),
  };
}

/** The summary, and the SHA-256 of each attachment's decoded content by part id. */
export interface CollectedSummary {
  summary: MessageSummary;
  digests: Map<string, string>;
}

/**
 * Read a parser's output to its end and build the summary: headers, and every attachment with its
 * decoded size (content counted, hashed and dropped). Never rejects: a message mailparser chokes on
 * is still stored, with what could be read of it.
 */
export function collectSummary(parser: MailParser): Promise<CollectedSummary> {
  return new Promise((resolve) => {
    let headers: Headers | null = null;
    const attachments: StoredAttachment[] = [];
    const digests = new Map<string, string>();
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      resolve({ summary: summaryOf(headers, attachments), digests });
    };
    parser.on('headers', (h: Headers) => (headers = h));
    parser.on('data', (data: AttachmentStream | MessageText) => {
      if (data.type !== 'attachment') return;
      let size = 0;
      const hash = createHash('sha256');
      data.content.on('data', (chunk: Buffer) => {
        size += chunk.length;
        hash.update(chunk);
      });
      data.content.on('end', () => {
        const info = attachmentInfo(data, size);
        attachments.push(info);
        digests.set(info.partId, hash.digest('hex'));
        data.release?.();
      });
    });
    parser.once('end', finish);
    parser.once('error', finish);
    parser.once('close', finish);
  });
}

/**
 * The body text for search, read from the same parser as the summary: the plain part, else the
 * text of the HTML part, cut to MAIL_SEARCH_BODY_CHARS (the store keeps no more). Never rejects:
 * a message mailparser chokes on is stored without body text.
 */
export function collectBodyText(parser: MailParser): Promise<string | null> {
  return new Promise((resolve) => {
    let text: string | null = null;
    let done = false;
    parser.on('data', (data: AttachmentStream | MessageText) => {
      if (data.type === 'attachment' || text) return;
      // With skipHtmlToText an HTML-only message reports text '': its HTML's words then.
      const t = bodySearchText(data.text || null, data.html || null);
      if (t) text = t;
    });
    const finish = (): void => {
      if (done) return;
      done = true;
      resolve(text === null ? null : cleanText(text));
    };
    parser.once('end', finish);
    parser.once('error', finish);
    parser.once('close', finish);
  });
}

/**
 * Largest rendered bodies (text plus HTML, UTF-8 bytes) kept in the store at delivery. Most mail
 * is a few KiB; a newsletter a few hundred. Past this a message's bodies are parsed on demand,
 * as before, rather than doubling the store's size for them.
 */
export const MAX_KEPT_BODY_BYTES = 2 * 1024 * 1024;

/** The bodies, if small enough to keep (MAX_KEPT_BODY_BYTES); else null. */
export function keepableBodies(bodies: MessageBodies): MessageBodies | null {
  let bytes = 0;
  for (const s of [bodies.text, bodies.html]) if (s !== null) bytes += Buffer.byteLength(s);
  return bytes > MAX_KEPT_BODY_BYTES ? null : bodies;
}

/** The bodies as getBodies serves them: U+0000 replaced. */
export function cleanBodies(bodies: MessageBodies): MessageBodies {
  return {
    text: bodies.text === null ? null : cleanText(bodies.text),
    html: bodies.html === null ? null : cleanText(bodies.html),
  };
}

/** parseBodies' view of mailparser's one text event (it comes after the last part). */
function bodiesOf(data: MessageText): MessageBodies {
  // With skipHtmlToText an HTML-only message still reports text '' (one per HTML part): no text.
  return { text: data.text ? data.text : null, html: data.html ?? null };
}

/**
 * The bodies parseBodies would give, read from the same parser as the summary, cleaned as getBodies
 * serves them; null if the parser failed or stopped early (getBodies then parses on demand, and
 * fails as it did) or they exceed MAX_KEPT_BODY_BYTES. Never rejects.
 */
export function collectBodies(parser: MailParser): Promise<MessageBodies | null> {
  return new Promise((resolve) => {
    let bodies: MessageBodies = { text: null, html: null };
    let done = false;
    parser.on('data', (data: AttachmentStream | MessageText) => {
      if (data.type !== 'attachment') bodies = bodiesOf(data);
    });
    const finish = (ended: boolean): void => {
      if (done) return;
      done = true;
      resolve(ended ? keepableBodies(cleanBodies(bodies)) : null);
    };
    parser.once('end', () => finish(true));
    parser.once('error', () => finish(false));
    parser.once('close', () => finish(false));
  });
}

/** Resolves when `w` drains, or at once if it failed or closed (the caller then stops writing). */
function drained(w: MailParser): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      w.off('drain', done);
      w.off('error', done);
      w.off('close', done);
      resolve();
    };
    w.once('drain', done);
    w.once('error', done);
    w.once('close', done);
  });
}

/**
 * Pass `source` through unchanged while also writing it into `parser` (waiting when the parser is
 * behind, so neither side buffers the message). The parser is ended when the source is, and
 * destroyed if the consumer stops early or the source fails; a failed parser is just skipped.
 */
export async function* teeIntoParser(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  parser: MailParser,
): AsyncGenerator<Uint8Array> {
  let ended = false;
  try {
    for await (const chunk of source) {
      if (!parser.destroyed && !parser.writableEnded && !parser.write(chunk)) await drained(parser);
      yield chunk;
    }
    ended = true;
    if (!parser.destroyed) parser.end();
  } finally {
    if (!ended) parser.destroy();
  }
}

/** The text and HTML bodies of a stored message (attachments are skipped over, not kept). */
export function parseBodies(mime: Readable): Promise<MessageBodies> {
  return new Promise((resolve, reject) => {
    const parser = newParser();
    let bodies: MessageBodies = { text: null, html: null };
    parser.on('data', (data: AttachmentStream | MessageText) => {
      if (data.type === 'attachment') {
        data.content.on('end', () => data.release?.());
        data.content.resume();
        return;
      }
      bodies = bodiesOf(data);
    });
    parser.once('end', () => resolve(bodies));
    parser.once('error', (err) => {
      mime.destroy();
      reject(err);
    });
    mime.once('error', (err) => {
      parser.destroy();
      reject(err);
    });
    mime.pipe(parser);
  });
}

/**
 * One attachment's decoded bytes out of a stored message, streamed: the message is re-parsed and
 * only the wanted part is piped out (with backpressure down to the chunk reader); the other parts
 * are drained. Parsing stops once the part has ended, or when the consumer drops the stream. The
 * stream fails if the part is not found (the caller checks the summary first).
 */
export function attachmentStream(mime: Readable, partId: string): Readable {
  const out = new PassThrough();
  const parser = newParser();
  let found = false;
  const stop = (): void => {
    mime.unpipe(parser);
    mime.destroy();
    parser.destroy();
  };
  parser.on('data', (data: AttachmentStream | MessageText) => {
    if (data.type !== 'attachment') return;
    if (!found && partIdOf(data) === partId) {
      found = true;
      data.content.once('end', () => {
        data.release?.();
        stop();
      });
      data.content.pipe(out);
      return;
    }
    data.content.once('end', () => data.release?.());
    data.content.resume();
  });
  parser.once('end', () => {
    if (!found) out.destroy(new Error(`mail: attachment ${partId} not found in the message`));
  });
  parser.once('error', (err) => out.destroy(err));
  mime.once('error', (err) => out.destroy(err));
  out.once('close', stop);
  mime.pipe(parser);
  return out;
}
