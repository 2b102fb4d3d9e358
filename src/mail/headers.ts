// Header-block helpers for a whole RFC 5322 message in a Buffer, shared by the mail backends'
// sending paths and the compose commands: where the header block ends, its unfolded values, the
// envelope recipients, and the message without Bcc. Bodies are never parsed or changed.
import { parseAddressHeader } from 'mailparser';

/** Index of the body's first byte (after the blank line); the length when there is no body. */
export function headerEnd(mime: Buffer): number {
  const crlf = mime.indexOf('\r\n\r\n');
  const lf = mime.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return crlf + 4;
  if (lf >= 0) return lf + 2;
  return mime.length;
}

/** Unfolded header values by lower-case name, each name's values in order. */
export function headerValues(mime: Buffer): Map<string, string[]> {
  const text = mime
    .subarray(0, headerEnd(mime))
    .toString('utf8')
    .replace(/\r?\n[ \t]/g, ' ');
  const out = new Map<string, string[]>();
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    out.set(name, [...(out.get(name) ?? []), line.slice(i + 1).trim()]);
  }
  return out;
}

/**
 * Every address of To, Cc and Bcc (groups flattened), deduplicated ignoring case, in header order.
 * Domains stay as written (punycode is what SMTP envelopes carry).
 */
export function recipientsOf(mime: Buffer): string[] {
  const headers = headerValues(mime);
  const seen = new Map<string, string>();
  for (const name of ['to', 'cc', 'bcc']) {
    const values = headers.get(name) ?? [];
    if (values.length === 0) continue;
    for (const a of parseAddressHeader(values, { flatten: true, decodePunycode: false }).value) {
      if (a.address?.includes('@') && !seen.has(a.address.toLowerCase())) {
        seen.set(a.address.toLowerCase(), a.address);
      }
    }
  }
  return [...seen.values()];
}

/** The message without its Bcc header(s) (folded lines included), byte for byte otherwise. */
export function withoutBcc(mime: Buffer): Buffer {
  const end = headerEnd(mime);
  const head = mime.subarray(0, end).toString('latin1');
  const stripped = head.replace(/^bcc:[^\n]*\n(?:[ \t][^\n]*\n)*/gim, '');
  if (stripped === head) return mime;
  return Buffer.concat([Buffer.from(stripped, 'latin1'), mime.subarray(end)]);
}
