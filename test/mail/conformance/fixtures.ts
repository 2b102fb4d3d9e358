// MIME messages and helpers shared by the mail conformance groups.
import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { MailFolder, MailSession, MessageEntry } from '../../../src/mail/types.js';

let counter = 0;

export function uniqueId(): string {
  return `${Date.now().toString(36)}.${(counter++).toString(36)}.${randomBytes(4).toString('hex')}@conformance.test`;
}

export interface SimpleMessage {
  subject?: string;
  from?: string;
  to?: string;
  cc?: string;
  bcc?: string;
  body?: string;
  headers?: string[];
  messageId?: string;
  date?: string | null;
}

/** A plain-text message; every line ends in CRLF. */
export function simpleMessage(m: SimpleMessage = {}): Buffer {
  const lines = [
    `From: ${m.from ?? 'Alice Sender <alice@example.net>'}`,
    `To: ${m.to ?? 'Bob Receiver <bob@example.net>'}`,
    ...(m.cc ? [`Cc: ${m.cc}`] : []),
    ...(m.bcc ? [`Bcc: ${m.bcc}`] : []),
    `Subject: ${m.subject ?? 'Hello'}`,
    ...(m.date === null ? [] : [`Date: ${m.date ?? new Date().toUTCString().replace('GMT', '+0000')}`]),
    `Message-ID: <${m.messageId ?? uniqueId()}>`,
    'MIME-Version: 1.0',
    ...(m.headers ?? []),
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    m.body ?? 'Hello there.',
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

/** base64 in 76-character lines. */
export function base64Lines(data: Buffer): string {
  return (data.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
}

export const PDF_BYTES = Buffer.concat([
  Buffer.from('%PDF-1.4\n'),
  randomBytes(30_000),
  Buffer.from('\n%%EOF\n'),
]);
export const PNG_BYTES = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), randomBytes(2_000)]);

/**
 * multipart/mixed: [multipart/related: [multipart/alternative: text, html], inline PNG with a
 * Content-ID], PDF attachment, text attachment (latin-1, sent as is).
 */
export function richMessage(subject = 'Quarterly report'): { mime: Buffer; textAttachment: Buffer } {
  const textAttachment = Buffer.from('Zeile 1: Grüße\r\nZeile 2\r\n', 'latin1');
  const parts = [
    'From: "Jörg Müller" <joerg@example.net>',
    'To: "Bob" <bob@example.net>, carol@example.net',
    'Cc: Dave <dave@example.net>',
    'Reply-To: replies@example.net',
    `Subject: ${subject}`,
    'Date: Tue, 02 Jan 2024 10:00:00 +0000',
    `Message-ID: <${uniqueId()}>`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="mixed-b"',
    '',
    '--mixed-b',
    'Content-Type: multipart/related; boundary="rel-b"',
    '',
    '--rel-b',
    'Content-Type: multipart/alternative; boundary="alt-b"',
    '',
    '--alt-b',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'See the chart. Gr=C3=BC=C3=9Fe',
    '--alt-b',
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    '<p>See the chart <img src="cid:chart-1@example.net"> Grüße</p>',
    '--alt-b--',
    '--rel-b',
    'Content-Type: image/png',
    'Content-Transfer-Encoding: base64',
    'Content-ID: <chart-1@example.net>',
    'Content-Disposition: inline; filename="chart.png"',
    '',
    base64Lines(PNG_BYTES),
    '--rel-b--',
    '--mixed-b',
    'Content-Type: application/pdf; name="report.pdf"',
    'Content-Transfer-Encoding: base64',
    'Content-Disposition: attachment; filename="report.pdf"',
    '',
    base64Lines(PDF_BYTES),
    '--mixed-b',
    'Content-Type: text/plain; charset=iso-8859-1; name="notes.txt"',
    'Content-Transfer-Encoding: quoted-printable',
    'Content-Disposition: attachment; filename="notes.txt"',
    '',
    'Zeile 1: Gr=FC=DFe',
    'Zeile 2',
    '',
    '--mixed-b--',
    '',
  ];
  return { mime: Buffer.from(parts.join('\r\n'), 'utf8'), textAttachment };
}

/** A single-part text message whose body is `hex` bytes in `charset`, sent with `encoding`. */
export function charsetMessage(
  charset: string,
  hex: string,
  encoding: 'base64' | 'quoted-printable' | '8bit' | '7bit',
  type = 'text/plain',
): Buffer {
  const bytes = Buffer.from(hex, 'hex');
  let body: Buffer;
  if (encoding === 'base64') body = Buffer.from(base64Lines(bytes));
  else if (encoding === 'quoted-printable') {
    body = Buffer.from(
      [...bytes]
        .map((b) =>
          b >= 33 && b <= 126 && b !== 61
            ? String.fromCharCode(b)
            : `=${b.toString(16).toUpperCase().padStart(2, '0')}`,
        )
        .join(''),
    );
  } else body = bytes;
  const head = [
    'From: sender@example.net',
    'To: bob@example.net',
    `Subject: charset ${charset}`,
    `Message-ID: <${uniqueId()}>`,
    'MIME-Version: 1.0',
    `Content-Type: ${type}; charset=${charset}`,
    `Content-Transfer-Encoding: ${encoding}`,
    '',
    '',
  ].join('\r\n');
  return Buffer.concat([Buffer.from(head), body, Buffer.from('\r\n')]);
}

/** A message with one `size`-byte random attachment; the MIME is built without a second copy of the data as a string. */
export function bigAttachmentMessage(size: number): { mime: Buffer; sha256: string } {
  const data = randomBytes(size);
  const sha256 = createHash('sha256').update(data).digest('hex');
  const head = Buffer.from(
    [
      'From: sender@example.net',
      'To: bob@example.net',
      'Subject: big attachment',
      `Message-ID: <${uniqueId()}>`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="big-b"',
      '',
      '--big-b',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      'The attachment is large.',
      '--big-b',
      'Content-Type: application/octet-stream; name="big.bin"',
      'Content-Transfer-Encoding: base64',
      'Content-Disposition: attachment; filename="big.bin"',
      '',
      '',
    ].join('\r\n'),
  );
  const b64 = data.toString('base64');
  const lines = Math.ceil(b64.length / 76);
  const body = Buffer.allocUnsafe(b64.length + lines * 2);
  let o = 0;
  for (let i = 0; i < b64.length; i += 76) {
    o += body.write(b64.slice(i, i + 76), o, 'latin1');
    o += body.write('\r\n', o, 'latin1');
  }
  return { mime: Buffer.concat([head, body.subarray(0, o), Buffer.from('--big-b--\r\n')]), sha256 };
}

export async function folderByRole(
  s: MailSession,
  role: NonNullable<MailFolder['role']>,
): Promise<MailFolder> {
  const f = (await s.listFolders()).find((x) => x.role === role);
  if (!f) throw new Error(`no ${role} folder`);
  return f;
}

export async function inbox(s: MailSession): Promise<MailFolder> {
  return folderByRole(s, 'inbox');
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes. */
export async function eventually<T>(
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs = 5000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until the folder lists `count` messages and returns them (newest first). */
export async function waitForMessages(
  s: MailSession,
  folderId: string,
  count: number,
  timeoutMs = 5000,
): Promise<MessageEntry[]> {
  return eventually(async () => {
    const l = await s.listMessages(folderId);
    return l.entries.length >= count ? l.entries : null;
  }, timeoutMs);
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks);
}

export function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** The first line of `text` that contains `needle`, for failure messages. */
export function assertContains(text: string, needle: string): void {
  if (!text.includes(needle))
    throw new Error(`expected ${JSON.stringify(needle)} in ${JSON.stringify(text.slice(0, 300))}`);
}
