// Server addresses as operators write them: imap://host[:143], imaps://host[:993],
// smtp://host[:587] (STARTTLS when offered), smtps://host[:465]. `?tls=insecure` accepts a
// self-signed certificate (a lab); nothing else goes in the URL, least of all credentials.
import type { ImapServerOptions } from './client.js';
import type { SmtpServerOptions } from './smtp.js';

const SCHEMES = {
  imap: { secure: false, port: 143, kind: 'imap' },
  imaps: { secure: true, port: 993, kind: 'imap' },
  smtp: { secure: false, port: 587, kind: 'smtp' },
  smtps: { secure: true, port: 465, kind: 'smtp' },
} as const;

function parse(raw: string, kind: 'imap' | 'smtp'): ImapServerOptions {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error(`not a URL: ${raw}`);
  }
  const scheme = SCHEMES[u.protocol.replace(/:$/, '') as keyof typeof SCHEMES];
  if (!scheme || scheme.kind !== kind)
    throw new Error(kind === 'imap' ? 'expected imap:// or imaps://' : 'expected smtp:// or smtps://');
  if (u.username || u.password) throw new Error('credentials do not belong in the URL');
  if ((u.pathname && u.pathname !== '/') || u.hash) throw new Error('expected scheme://host[:port]');
  const params = [...u.searchParams.entries()];
  const insecure = params.length === 1 && params[0]?.[0] === 'tls' && params[0][1] === 'insecure';
  if (params.length > 0 && !insecure) throw new Error('the only option is ?tls=insecure');
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new Error('missing host');
  return {
    host,
    port: u.port ? Number(u.port) : scheme.port,
    secure: scheme.secure,
    ...(insecure ? { tls: { rejectUnauthorized: false } } : {}),
  };
}

export function parseImapUrl(raw: string): ImapServerOptions {
  return parse(raw, 'imap');
}

/** A submission server: the device's credentials authenticate every message. */
export function parseSubmissionUrl(raw: string): SmtpServerOptions {
  return { ...parse(raw, 'smtp'), requireAuth: true };
}
