import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { EasHttpError, EasStatusError } from '../eas/errors.js';
import { EasStatus } from '../eas/status.js';
import type { Credentials, EasRequest, EasResponse } from '../eas/types.js';
import { buildApp } from './app.js';
import type { AutodiscoverHttpRequest, BuildAppOptions } from './app.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../test/fixtures/http/${name}`, import.meta.url), 'utf8');
const hexFixture = (name: string) => Buffer.from(fixture(name).replace(/\s+/g, ''), 'hex');
const SPEC_B64 = fixture('ashttp_2.2.1.1.1.1_base64_query.b64').trim();
const AUTH = `Basic ${Buffer.from('ana:s3cret:x').toString('base64')}`;
const PLAIN = '/Microsoft-Server-ActiveSync?Cmd=FolderSync&User=ana&DeviceId=DEV1&DeviceType=iPhone';
const V = { 'MS-ASProtocolVersion': '14.1' };

interface Harness {
  app: ReturnType<typeof buildApp>;
  seen: EasRequest[];
  autodiscoverSeen: AutodiscoverHttpRequest[];
  logs: { level: number; msg: string; [k: string]: unknown }[];
}

function harness(
  handle: (req: EasRequest) => Promise<EasResponse> = async () => ({
    httpStatus: 200,
    headers: {},
    body: null,
  }),
  over: Partial<BuildAppOptions> = {},
): Harness {
  const seen: EasRequest[] = [];
  const autodiscoverSeen: AutodiscoverHttpRequest[] = [];
  const logs: Harness['logs'] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void logs.push(JSON.parse(s)) });
  const app = buildApp({
    log,
    commands: ['Provision', 'Settings', 'FolderSync'],
    handleEas: async (req) => {
      seen.push(req);
      return handle(req);
    },
    authenticate: async (c: Credentials) =>
      c.kind === 'basic' && c.username === 'ana' && c.password === 's3cret:x',
    autodiscover: async (req) => {
      autodiscoverSeen.push(req);
      return { status: 200, headers: {}, body: '<Autodiscover/>' };
    },
    ...over,
  });
  return { app, seen, autodiscoverSeen, logs };
}

describe('POST /Microsoft-Server-ActiveSync: request adapter', () => {
  it('builds an EasRequest from a plain query, headers and body', async () => {
    const h = harness();
    const body = Buffer.from('03016a000007565203320001', 'hex');
    const res = await h.app.inject({
      method: 'POST',
      url: PLAIN + '&SaveInSent=T',
      headers: {
        ...V,
        'X-MS-PolicyKey': '3942919513',
        Authorization: AUTH,
        'User-Agent': 'Apple-iPhone14C2/2104.91',
        'Content-Type': 'application/vnd.ms-sync.wbxml; charset=utf-8',
      },
      payload: body,
    });
    assert.equal(res.statusCode, 200);
    const r = h.seen[0] as EasRequest;
    assert.equal(r.cmd, 'FolderSync');
    assert.equal(r.user, 'ana');
    assert.equal(r.deviceId, 'DEV1');
    assert.equal(r.deviceType, 'iPhone');
    assert.equal(r.protocolVersion, '14.1');
    assert.equal(r.policyKey, '3942919513');
    assert.equal(r.userAgent, 'Apple-iPhone14C2/2104.91');
    assert.equal(r.locale, null);
    assert.deepEqual(r.params, { SaveInSent: 'T' });
    assert.equal(r.queryForm, 'plain');
    assert.deepEqual(r.credentials, { kind: 'basic', username: 'ana', password: 's3cret:x' });
    assert.equal(r.contentType, 'application/vnd.ms-sync.wbxml');
    assert.deepEqual(r.body, body);
    assert.equal(r.remoteAddress, '127.0.0.1');
    assert.match(r.requestId, /^[0-9a-f-]{36}$/);
  });

  it('decodes the spec base64 query through the route', async () => {
    const h = harness();
    const res = await h.app.inject({ method: 'POST', url: `/Microsoft-Server-ActiveSync?${SPEC_B64}` });
    assert.equal(res.statusCode, 200);
    const r = h.seen[0] as EasRequest;
    assert.deepEqual(
      {
        cmd: r.cmd,
        deviceId: r.deviceId,
        deviceType: r.deviceType,
        v: r.protocolVersion,
        locale: r.locale,
        form: r.queryForm,
      },
      {
        cmd: 'Sync',
        deviceId: 'v140Device',
        deviceType: 'SmartPhone',
        v: '14.0',
        locale: 0x0409,
        form: 'base64',
      },
    );
    assert.equal(r.user, null);
    assert.deepEqual(r.credentials, { kind: 'none' });
    assert.equal(r.contentType, null);
    assert.equal(r.body.length, 0);
  });

  it('accepts the path in any case, with a trailing slash and with /default.eas', async () => {
    const h = harness();
    for (const path of [
      '/microsoft-server-activesync',
      '/MICROSOFT-SERVER-ACTIVESYNC/',
      '/Microsoft-Server-ActiveSync/default.eas',
      '/Microsoft-Server-ActiveSync/Default.EAS',
    ]) {
      const res = await h.app.inject({ method: 'POST', url: `${path}?${SPEC_B64}` });
      assert.equal(res.statusCode, 200, path);
    }
    assert.equal(h.seen.length, 4);
  });

  it('hands every content type through as raw bytes', async () => {
    const h = harness();
    const payload = Buffer.from([0x03, 0x01, 0x6a, 0x00, 0xff, 0x7b, 0x22]);
    const types: [string | undefined, string | null][] = [
      ['application/vnd.ms-sync.wbxml', 'application/vnd.ms-sync.wbxml'],
      ['application/vnd.ms-sync', 'application/vnd.ms-sync'],
      ['message/rfc822', 'message/rfc822'],
      ['text/xml; charset=utf-8', 'text/xml'],
      ['text/html', 'text/html'],
      ['text/plain', 'text/plain'],
      ['application/json', 'application/json'], // must not be JSON-parsed (would be a 400)
      ['Application/VND.MS-SYNC.WBXML', 'application/vnd.ms-sync.wbxml'],
      [undefined, null],
    ];
    for (const [ct, expected] of types) {
      const res = await h.app.inject({
        method: 'POST',
        url: PLAIN,
        headers: { ...V, ...(ct ? { 'Content-Type': ct } : {}) },
        payload,
      });
      assert.equal(res.statusCode, 200, String(ct));
      const r = h.seen.at(-1) as EasRequest;
      assert.equal(r.contentType, expected);
      assert.deepEqual(r.body, payload, String(ct));
    }
  });

  it('leaves malformed or empty Content-Type values to the gate instead of answering 415', async () => {
    const h = harness();
    for (const [ct, expected] of [
      ['', null],
      ['garbage', 'garbage'],
      ['a/b/c;;;', 'a/b/c'],
      ['\u00e9/x', '\u00e9/x'],
    ] as const) {
      for (const payload of [Buffer.alloc(0), Buffer.from([1, 2, 3])]) {
        const res = await h.app.inject({
          method: 'POST',
          url: PLAIN,
          headers: { ...V, 'Content-Type': ct },
          payload,
        });
        assert.equal(res.statusCode, 200, ct);
        const r = h.seen.at(-1) as EasRequest;
        assert.equal(r.contentType, expected);
        assert.deepEqual(r.body, payload);
      }
    }
  });

  it('passes an empty body as an empty Buffer (empty Sync / Ping)', async () => {
    const h = harness();
    await h.app.inject({ method: 'POST', url: PLAIN, headers: { ...V, 'Content-Length': '0' } });
    await h.app.inject({
      method: 'POST',
      url: PLAIN,
      headers: { ...V, 'Content-Type': 'application/vnd.ms-sync.wbxml' },
    });
    for (const r of h.seen) assert.ok(Buffer.isBuffer(r.body) && r.body.length === 0);
  });
});

describe('POST /Microsoft-Server-ActiveSync: refusals', () => {
  it('answers a malformed query with an empty 400, logs once at info, and never calls the gate', async () => {
    const h = harness();
    const urls = [
      '/Microsoft-Server-ActiveSync',
      '/Microsoft-Server-ActiveSync?',
      '/Microsoft-Server-ActiveSync?Cmd=Sync&User=u&DeviceType=t',
      '/Microsoft-Server-ActiveSync?Cmd=Sync&User=u&DeviceId=a%00b&DeviceType=t',
      '/Microsoft-Server-ActiveSync?jAAJBAp2MTQwRGV2aWNlAApTbWFydFBob2',
      '/Microsoft-Server-ActiveSync?%%%',
      `/Microsoft-Server-ActiveSync?${Buffer.from([141, 5, 9, 4, 1, 65, 0, 1, 65]).toString('base64')}`,
    ];
    for (const url of urls) {
      h.logs.length = 0;
      const res = await h.app.inject({ method: 'POST', url, headers: V });
      assert.equal(res.statusCode, 400, url);
      assert.equal(res.body, '');
      assert.equal(res.headers['content-length'], '0');
      assert.equal(res.headers['content-type'], undefined);
      const mine = h.logs.filter((l) => l.msg === 'eas: malformed query');
      assert.equal(mine.length, 1, url);
      assert.equal(mine[0]?.level, 30);
      assert.ok(!h.logs.some((l) => l.level >= 50), 'nothing at error level');
    }
    assert.equal(h.seen.length, 0);
  });

  it('answers a body over the limit with an empty 413 without calling the gate', async () => {
    const h = harness(undefined, { bodyLimit: 1024 });
    const res = await h.app.inject({
      method: 'POST',
      url: PLAIN,
      headers: { ...V, 'Content-Type': 'application/vnd.ms-sync.wbxml' },
      payload: Buffer.alloc(4096, 1),
    });
    assert.equal(res.statusCode, 413);
    assert.equal(res.body, '');
    assert.equal(h.seen.length, 0);
    // The app is still serving.
    assert.equal((await h.app.inject({ method: 'POST', url: PLAIN, headers: V })).statusCode, 200);
  });

  it('answers a URL fastify cannot decode with an empty 400', async () => {
    const h = harness();
    const res = await h.app.inject({
      method: 'POST',
      url: '/Microsoft-Server-ActiveSync/%E0%A4%A?x',
      headers: V,
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.body, '');
  });

  it('answers unknown paths and methods with an empty 404', async () => {
    const h = harness();
    for (const [method, url] of [
      ['POST', '/nope'],
      ['GET', '/Microsoft-Server-ActiveSync'],
    ] as const) {
      const res = await h.app.inject({ method, url });
      assert.equal(res.statusCode, 404);
      assert.equal(res.body, '');
    }
  });
});

describe('POST /Microsoft-Server-ActiveSync: response writer', () => {
  it('encodes a WBXML body with its Content-Type and Content-Length ([MS-ASPROV] 4.1.1 Status 142)', async () => {
    const h = harness(async () => {
      throw new EasStatusError(EasStatus.DeviceNotProvisioned);
    });
    const res = await h.app.inject({ method: 'POST', url: PLAIN, headers: V });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/vnd.ms-sync.wbxml');
    assert.equal(res.headers['content-length'], '15');
    assert.deepEqual(res.rawPayload, hexFixture('asprov_4.1.1_phase1_enforcement_response.derived.hex'));
    assert.equal(res.headers['ms-server-activesync'], '15.1');
    assert.equal(res.headers['cache-control'], 'private');
  });

  it('maps thrown statuses to HTTP for 12.1 (449 / 403)', async () => {
    const h = harness(async (req) => {
      throw new EasStatusError(
        req.policyKey === null ? EasStatus.RemoteWipeRequested : EasStatus.InvalidPolicyKey,
      );
    });
    const v121 = { 'MS-ASProtocolVersion': '12.1' };
    const a = await h.app.inject({ method: 'POST', url: PLAIN, headers: { ...v121, 'X-MS-PolicyKey': '1' } });
    assert.equal(a.statusCode, 449);
    assert.equal(a.body, '');
    const b = await h.app.inject({ method: 'POST', url: PLAIN, headers: v121 });
    assert.equal(b.statusCode, 403);
  });

  it('passes EasHttpError headers (503 Retry-After, 401 WWW-Authenticate)', async () => {
    const h = harness(async (req) => {
      throw req.cmd === 'Ping'
        ? EasHttpError.retryLater(30)
        : new EasHttpError(401, { 'WWW-Authenticate': 'Basic realm="Syncward"' });
    });
    const a = await h.app.inject({ method: 'POST', url: PLAIN.replace('FolderSync', 'Ping'), headers: V });
    assert.equal(a.statusCode, 503);
    assert.equal(a.headers['retry-after'], '30');
    const b = await h.app.inject({ method: 'POST', url: PLAIN, headers: V });
    assert.equal(b.statusCode, 401);
    assert.equal(b.headers['www-authenticate'], 'Basic realm="Syncward"');
    assert.equal(b.body, '');
  });

  it('writes an empty body with Content-Length 0 and no Content-Type (empty Sync response)', async () => {
    const h = harness(async () => ({
      httpStatus: 200,
      headers: { 'Content-Type': 'application/vnd.ms-sync.wbxml' },
      body: null,
    }));
    const res = await h.app.inject({ method: 'POST', url: PLAIN, headers: V });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-length'], '0');
    assert.equal(res.headers['content-type'], undefined);
  });

  it('writes raw bytes with the command’s Content-Type, recomputing Content-Length', async () => {
    const bytes = Buffer.from('multipart-bytes');
    const h = harness(async () => ({
      httpStatus: 200,
      headers: {
        'Content-Type': 'application/vnd.ms-sync.multipart',
        'Content-Length': '999',
        'X-MS-RP': '14.1,16.1',
      },
      body: bytes,
    }));
    const res = await h.app.inject({ method: 'POST', url: PLAIN, headers: V });
    assert.equal(res.headers['content-type'], 'application/vnd.ms-sync.multipart');
    assert.equal(res.headers['content-length'], String(bytes.length));
    assert.equal(res.headers['x-ms-rp'], '14.1,16.1');
    assert.deepEqual(res.rawPayload, bytes);
  });

  it('answers an unexpected error with an empty 500, logged once with the request id, nothing leaked', async () => {
    const h = harness(async () => {
      throw new Error('connection string postgres://admin:hunter2@db');
    });
    const res = await h.app.inject({ method: 'POST', url: PLAIN, headers: V });
    assert.equal(res.statusCode, 500);
    assert.equal(res.body, '');
    assert.ok(!JSON.stringify(res.headers).includes('hunter2'));
    const errors = h.logs.filter((l) => l.level >= 50);
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]?.requestId), /^[0-9a-f-]{36}$/);
  });

  it('answers 500 when the handler returns something unwritable (bad header, unencodable tree)', async () => {
    const bad: EasResponse[] = [
      { httpStatus: 200, headers: { 'X-Evil': 'a\r\nSet-Cookie: x=1' }, body: null },
      { httpStatus: 200, headers: {}, body: { ns: 'AirSync', tag: 'NoSuchTag', children: [] } },
    ];
    for (const r of bad) {
      const h = harness(async () => r);
      const res = await h.app.inject({ method: 'POST', url: PLAIN, headers: V });
      assert.equal(res.statusCode, 500);
      assert.equal(res.body, '');
      assert.equal(res.headers['x-evil'], undefined);
      assert.equal(res.headers['set-cookie'], undefined);
    }
  });
});

describe('OPTIONS /Microsoft-Server-ActiveSync', () => {
  it('requires Basic credentials: 401 with WWW-Authenticate when missing or wrong', async () => {
    const h = harness();
    for (const auth of [undefined, `Basic ${Buffer.from('ana:wrong').toString('base64')}`, 'Bearer abc']) {
      const res = await h.app.inject({
        method: 'OPTIONS',
        url: '/Microsoft-Server-ActiveSync',
        headers: auth ? { Authorization: auth } : {},
      });
      assert.equal(res.statusCode, 401);
      assert.equal(res.headers['www-authenticate'], 'Basic realm="Syncward"');
      assert.equal(res.body, '');
      assert.equal(res.headers['ms-asprotocolversions'], undefined);
    }
  });

  it('answers the [MS-ASHTTP] 4.3 headers with our versions and the registry’s commands', async () => {
    const h = harness();
    const res = await h.app.inject({
      method: 'OPTIONS',
      url: '/microsoft-server-activesync',
      headers: { Authorization: AUTH },
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-length'], '0');
    assert.equal(res.headers['ms-asprotocolversions'], '12.1,14.0,14.1,16.0,16.1');
    assert.equal(res.headers['ms-asprotocolcommands'], 'Provision,Settings,FolderSync');
    assert.equal(res.headers.allow, 'OPTIONS,POST');
    assert.equal(res.headers.public, 'OPTIONS,POST');
    const specNames = fixture('ashttp_4.3_options_response.http')
      .split('\n')
      .filter((l) => /^[A-Za-z-]+: /.test(l))
      .map((l) => l.slice(0, l.indexOf(':')).toLowerCase());
    for (const n of [
      'allow',
      'public',
      'ms-server-activesync',
      'ms-asprotocolversions',
      'ms-asprotocolcommands',
      'cache-control',
    ]) {
      assert.ok(specNames.includes(n));
      assert.ok(res.headers[n] !== undefined, n);
    }
  });

  it('answers 500 (empty) when the authenticator fails', async () => {
    const h = harness(undefined, {
      authenticate: async () => {
        throw new Error('directory down');
      },
    });
    const res = await h.app.inject({
      method: 'OPTIONS',
      url: '/Microsoft-Server-ActiveSync',
      headers: { Authorization: AUTH },
    });
    assert.equal(res.statusCode, 500);
    assert.equal(res.body, '');
  });
});

describe('POST /autodiscover/autodiscover.xml', () => {
  it('passes credentials, raw body, host and proto to the handler, in either path case', async () => {
    const h = harness();
    const xml = '<?xml version="1.0"?><Autodiscover/>';
    for (const url of [
      '/autodiscover/autodiscover.xml',
      '/Autodiscover/Autodiscover.xml',
      '/AUTODISCOVER/AUTODISCOVER.XML',
    ]) {
      const res = await h.app.inject({
        method: 'POST',
        url,
        headers: { Authorization: AUTH, 'Content-Type': 'text/xml', Host: 'mail.example.com' },
        payload: xml,
      });
      assert.equal(res.statusCode, 200, url);
      assert.equal(res.headers['content-type'], 'text/xml; charset=utf-8');
      assert.equal(res.body, '<Autodiscover/>');
    }
    const r = h.autodiscoverSeen[0] as AutodiscoverHttpRequest;
    assert.deepEqual(r.credentials, { kind: 'basic', username: 'ana', password: 's3cret:x' });
    assert.equal(r.body.toString(), xml);
    assert.equal(r.host, 'mail.example.com');
    assert.equal(r.proto, 'http');
  });

  it('honours X-Forwarded-Proto/Host only with trustProxy', async () => {
    const fwd = {
      'X-Forwarded-Proto': 'https',
      'X-Forwarded-Host': 'eas.example.com',
      Host: 'internal:8080',
    };
    const trusted = harness(undefined, { trustProxy: true });
    await trusted.app.inject({
      method: 'POST',
      url: '/autodiscover/autodiscover.xml',
      headers: fwd,
      payload: 'x',
    });
    assert.deepEqual(
      [trusted.autodiscoverSeen[0]?.proto, trusted.autodiscoverSeen[0]?.host],
      ['https', 'eas.example.com'],
    );
    const plain = harness();
    await plain.app.inject({
      method: 'POST',
      url: '/autodiscover/autodiscover.xml',
      headers: fwd,
      payload: 'x',
    });
    assert.deepEqual(
      [plain.autodiscoverSeen[0]?.proto, plain.autodiscoverSeen[0]?.host],
      ['http', 'internal:8080'],
    );
  });

  it('refuses oversized bodies with 413 and handler failures with an empty 500', async () => {
    const h = harness(undefined, {
      autodiscover: async () => {
        throw new Error('boom');
      },
    });
    const big = await h.app.inject({
      method: 'POST',
      url: '/autodiscover/autodiscover.xml',
      headers: { 'Content-Type': 'text/xml' },
      payload: 'x'.repeat(100_000),
    });
    assert.equal(big.statusCode, 413);
    const res = await h.app.inject({
      method: 'POST',
      url: '/autodiscover/autodiscover.xml',
      payload: '<a/>',
    });
    assert.equal(res.statusCode, 500);
    assert.equal(res.body, '');
  });
});

describe('real listener on 127.0.0.1:0', () => {
  let h: Harness;
  let port = 0;
  before(async () => {
    h = harness(async (req): Promise<EasResponse> =>
      req.cmd === 'FolderSync'
        ? {
            httpStatus: 200,
            headers: { 'MS-ASProtocolVersions': '14.1,16.1', 'X-MS-RP': '14.1,16.1' },
            body: null,
          }
        : {
            httpStatus: 200,
            headers: {},
            body: {
              ns: 'Settings',
              tag: 'Settings',
              children: [{ ns: 'Settings', tag: 'Status', children: ['1'] }],
            },
          },
    );
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const addr = h.app.server.address();
    port = typeof addr === 'object' && addr ? addr.port : 0;
  });
  after(() => h.app.close());

  function send(method: string, path: string, headers: Record<string, string>, body?: Buffer) {
    return new Promise<{ status: number; rawHeaders: string[]; body: Buffer }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }),
        );
      });
      req.on('error', reject);
      req.end(body);
    });
  }
  const names = (raw: string[]) => raw.filter((_, i) => i % 2 === 0);

  it('keeps the spec spelling of protocol header names on the wire', async () => {
    const opt = await send('OPTIONS', '/Microsoft-Server-ActiveSync', { Authorization: AUTH });
    assert.equal(opt.status, 200);
    for (const n of [
      'MS-Server-ActiveSync',
      'MS-ASProtocolVersions',
      'MS-ASProtocolCommands',
      'Allow',
      'Public',
    ]) {
      assert.ok(names(opt.rawHeaders).includes(n), `${n} in ${names(opt.rawHeaders).join(',')}`);
    }
    const fs = await send('POST', PLAIN, V);
    assert.ok(names(fs.rawHeaders).includes('X-MS-RP'));
    assert.ok(names(fs.rawHeaders).includes('MS-ASProtocolVersions'));
    assert.ok(names(fs.rawHeaders).some((n) => n.toLowerCase() === 'content-length'));
  });

  it('serves a WBXML command end to end and a chunked oversized upload without crashing', async () => {
    const st = await send('POST', PLAIN.replace('FolderSync', 'Settings'), V);
    assert.equal(st.status, 200);
    assert.equal(st.body.toString('hex'), '03016a000012454603310001' + '01');
    const big = await send(
      'POST',
      PLAIN,
      { ...V, 'Transfer-Encoding': 'chunked' },
      Buffer.alloc(11 * 1024 * 1024),
    );
    assert.equal(big.status, 413);
    assert.equal((await send('POST', PLAIN, V)).status, 200);
  });
});
