// A client Add of an email ([MS-ASEMAIL] email2:IsDraft, 16.0+ drafts sync) turned into the MIME
// message stored in Drafts. Only what a draft carries: recipients, subject, importance, body.
// Every header value is built here from device input, so CR/LF never reach a header.
import { parseAddressHeader } from 'mailparser';
import { child, childText } from '../../wbxml/index.js';
import type { WbxmlElement } from '../../wbxml/types.js';

function oneLine(s: string): string {
  return s.replace(/[\r\n\0]+/g, ' ').trim();
}

/** [RFC 2047] encoded word when the value is not plain ASCII. */
function word(s: string): string {
  return /^[\x20-\x7e]*$/.test(s) ? s : `=?utf-8?B?${Buffer.from(s, 'utf8').toString('base64')}?=`;
}

/** An address list from the device ("Name" <a@b>, c@d) as a header value; '' when it has no address. */
export function addressHeader(value: string | null): string {
  if (!value) return '';
  const parsed = parseAddressHeader(oneLine(value).replace(/;/g, ','), { decodePunycode: false });
  const out: string[] = [];
  const add = (list: typeof parsed.value): void => {
    for (const a of list) {
      if (a.group) add(a.group);
      else if (a.address && /^[^\s<>@",]+@[^\s<>@",]+$/.test(a.address)) {
        out.push(a.name ? `"${word(a.name.replace(/["\\]/g, ''))}" <${a.address}>` : a.address);
      }
    }
  };
  add(parsed.value);
  return out.join(', ');
}

const IMPORTANCE: Record<string, string> = { '0': 'low', '1': 'normal', '2': 'high' };

export function draftMime(
  data: WbxmlElement,
  from: { email: string; displayName: string },
  now: Date,
): Buffer {
  const to = addressHeader(childText(data, 'To', 'Email'));
  const cc = addressHeader(childText(data, 'Cc', 'Email'));
  const bcc = addressHeader(childText(data, 'Bcc', 'Email2'));
  const subject = oneLine(childText(data, 'Subject', 'Email') ?? '');
  const importance = IMPORTANCE[childText(data, 'Importance', 'Email') ?? ''] ?? null;
  const body = child(data, 'Body', 'AirSyncBase');
  const html = childText(body, 'Type', 'AirSyncBase') === '2';
  const text = childText(body, 'Data', 'AirSyncBase') ?? '';
  const lines = [
    `From: "${word(oneLine(from.displayName).replace(/["\\]/g, ''))}" <${from.email}>`,
    ...(to ? [`To: ${to}`] : []),
    ...(cc ? [`Cc: ${cc}`] : []),
    ...(bcc ? [`Bcc: ${bcc}`] : []),
    `Subject: ${word(subject)}`,
    `Date: ${now.toUTCString().replace('GMT', '+0000')}`,
    ...(importance && importance !== 'normal' ? [`Importance: ${importance}`] : []),
    'MIME-Version: 1.0',
    `Content-Type: text/${html ? 'html' : 'plain'}; charset=utf-8`,
    'Content-Transfer-Encoding: base64',
    '',
    (
      Buffer.from(text, 'utf8')
        .toString('base64')
        .match(/.{1,76}/g) ?? []
    ).join('\r\n'),
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8');
}
