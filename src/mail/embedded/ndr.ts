// Non-delivery reports (RFC 3464) for mail a phone sent that could not reach some recipients after
// others got it: the send itself succeeded (a resend would duplicate it), so the sender learns of
// the failure the way every mail system tells it, in the Inbox.
import { randomBytes } from 'node:crypto';

export interface Undelivered {
  address: string;
  /** The reason as the failing server or step gave it. */
  diagnostic: string;
  /** Enhanced status code (RFC 3463), e.g. "5.1.1". */
  status: string;
}

/** The original's header block (for text/rfc822-headers), without Bcc. */
function headerBlock(mime: Buffer): string {
  const crlf = mime.indexOf('\r\n\r\n');
  const lf = mime.indexOf('\n\n');
  const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf : lf >= 0 ? lf : mime.length;
  return mime
    .subarray(0, Math.min(end, 64 * 1024))
    .toString('utf8')
    .replace(/^bcc:[^\n]*\n?(?:[ \t][^\n]*\n?)*/gim, '')
    .replace(/\r?\n/g, '\r\n');
}

function subjectOf(headers: string): string {
  const m = /^subject:[ \t]*(.*(?:\r\n[ \t].*)*)/im.exec(headers);
  return m?.[1]?.replace(/\r\n[ \t]+/g, ' ').trim() ?? '';
}

/** "550 5.1.1 ..." -> "5.1.1"; else from the reply code; else permanent failure. */
export function enhancedStatus(response: string, code: number | null): string {
  const m = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/.exec(response);
  if (m) return `${m[1]}.${m[2]}.${m[3]}`;
  return code !== null && code >= 400 && code < 500 ? '4.0.0' : '5.0.0';
}

/** One line of text a header or DSN field may hold: no CR/LF, bounded. */
function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').slice(0, 900);
}

export function nonDeliveryReport(o: {
  sender: string;
  original: Buffer;
  undelivered: Undelivered[];
  now: Date;
  reportingHost: string;
}): Buffer {
  const headers = headerBlock(o.original);
  const subject = subjectOf(headers);
  const boundary = `ndr-${randomBytes(12).toString('hex')}`;
  const date = o.now.toUTCString().replace('GMT', '+0000');
  const lines = [
    `From: Mail Delivery System <MAILER-DAEMON@${o.reportingHost}>`,
    `To: <${oneLine(o.sender)}>`,
    `Subject: Undeliverable: ${oneLine(subject)}`,
    `Date: ${date}`,
    `Message-ID: <${randomBytes(12).toString('hex')}@${o.reportingHost}>`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    'Your message could not be delivered to these recipients:',
    '',
    ...o.undelivered.map((u) => `  ${oneLine(u.address)}: ${oneLine(u.diagnostic)}`),
    '',
    'The other recipients received it.',
    '',
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    '',
    `Reporting-MTA: dns; ${o.reportingHost}`,
    `Arrival-Date: ${date}`,
    ...o.undelivered.flatMap((u) => [
      '',
      `Final-Recipient: rfc822; ${oneLine(u.address)}`,
      'Action: failed',
      `Status: ${u.status}`,
      `Diagnostic-Code: smtp; ${oneLine(u.diagnostic)}`,
    ]),
    '',
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    '',
    headers,
    '',
    `--${boundary}--`,
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8');
}
