// Autodiscover for mobilesync clients ([MS-ASCMD] 2.2.1.1): authenticated, answers only for the
// authenticated user's own address, with the configured public URL or one built from Host.
import type { Logger } from 'pino';
import {
  activeSyncUrl,
  buildAutodiscoverError,
  buildAutodiscoverResponse,
  parseAutodiscoverRequest,
} from '../eas/autodiscover.js';
import type { Authenticator } from '../eas/authenticate.js';
import type { AutodiscoverHttpRequest, AutodiscoverHttpResponse } from './app.js';

const XML = { 'Content-Type': 'text/xml; charset=utf-8' };

export function autodiscoverHandler(o: {
  auth: Authenticator;
  publicUrl: string | null;
  log: Logger;
}): (req: AutodiscoverHttpRequest) => Promise<AutodiscoverHttpResponse> {
  return async (req): Promise<AutodiscoverHttpResponse> => {
    let user;
    try {
      user = await o.auth.authenticate(req.credentials);
    } catch (err) {
      // The IMAP server that checks passwords is unreachable: a temporary failure.
      o.log.warn({ reqId: req.requestId, err }, 'autodiscover: cannot check credentials');
      return { status: 503, headers: { 'Retry-After': '60' }, body: '' };
    }
    if (!user) {
      return { status: 401, headers: { 'WWW-Authenticate': 'Basic realm="Syncward"' }, body: '' };
    }
    const parsed = parseAutodiscoverRequest(req.body);
    if (!parsed.ok) {
      o.log.info({ reqId: req.requestId, reason: parsed.reason }, 'autodiscover: bad request');
      return {
        status: 200,
        headers: XML,
        body: buildAutodiscoverError(parsed.errorCode, { now: new Date() }),
      };
    }
    const asked = parsed.request.emailAddress.toLowerCase();
    if (asked !== user.email.toLowerCase() && asked !== user.username.toLowerCase()) {
      o.log.warn({ reqId: req.requestId, user: user.username, asked }, 'autodiscover for another address');
      return { status: 403, headers: {}, body: '' };
    }
    const url = o.publicUrl
      ? `${o.publicUrl.replace(/\/+$/, '')}/Microsoft-Server-ActiveSync`
      : activeSyncUrl(req.host, req.proto === 'http' ? 'http' : 'https');
    if (!url) return { status: 400, headers: {}, body: '' };
    return {
      status: 200,
      headers: XML,
      body: buildAutodiscoverResponse({ emailAddress: user.email, displayName: user.displayName, url }),
    };
  };
}
