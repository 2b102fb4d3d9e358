import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import {
  AUTODISCOVER_MAX_BYTES,
  AUTODISCOVER_REQUEST_SCHEMA,
  AUTODISCOVER_RESPONSE_SCHEMA,
  MOBILESYNC_RESPONSE_SCHEMA,
  activeSyncUrl,
  buildAutodiscoverError,
  buildAutodiscoverResponse,
  parseAutodiscoverRequest,
} from './autodiscover.js';

const request = (email: string, schema = MOBILESYNC_RESPONSE_SCHEMA, ns = AUTODISCOVER_REQUEST_SCHEMA) =>
  '<?xml version="1.0" encoding="utf-8"?>\n' +
  `<Autodiscover xmlns="${ns}">\n  <Request>\n    <EMailAddress>${email}</EMailAddress>\n` +
  `    <AcceptableResponseSchema>${schema}</AcceptableResponseSchema>\n  </Request>\n</Autodiscover>`;

const reader = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' });

describe('parseAutodiscoverRequest', () => {
  it('reads EMailAddress and AcceptableResponseSchema ([MS-ASCMD] 6.3)', () => {
    assert.deepEqual(parseAutodiscoverRequest(Buffer.from(request('chris@woodgrovebank.com'))), {
      ok: true,
      request: {
        emailAddress: 'chris@woodgrovebank.com',
        acceptableResponseSchema: MOBILESYNC_RESPONSE_SCHEMA,
      },
    });
  });

  it('accepts a BOM, a prefixed namespace, a missing xmlns, children in any order and entity-escaped text', () => {
    const prefixed =
      `\ufeff<a:Autodiscover xmlns:a="${AUTODISCOVER_REQUEST_SCHEMA}"><a:Request>` +
      `<a:AcceptableResponseSchema>${MOBILESYNC_RESPONSE_SCHEMA}</a:AcceptableResponseSchema>` +
      '<a:EMailAddress>o&apos;brien@example.com</a:EMailAddress></a:Request></a:Autodiscover>';
    const r = parseAutodiscoverRequest(prefixed);
    assert.ok(r.ok);
    assert.equal(r.request.emailAddress, "o'brien@example.com");
    assert.ok(parseAutodiscoverRequest(request('a@b.c').replace(/ xmlns="[^"]*"/, '')).ok);
  });

  it('answers 601 for another response schema (e.g. the Outlook one)', () => {
    const r = parseAutodiscoverRequest(
      request(
        'a@b.c',
        'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a',
        'http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006',
      ),
    );
    assert.deepEqual(r.ok ? null : r.errorCode, 601);
  });

  const bad: [string, string | Buffer][] = [
    ['empty body', ''],
    ['not XML', 'hello'],
    ['unclosed tags', '<Autodiscover><Request>'],
    ['wrong root', request('a@b.c').replace(/Autodiscover/g, 'Discover')],
    ['wrong namespace', request('a@b.c', MOBILESYNC_RESPONSE_SCHEMA, 'urn:other')],
    ['no Request', `<Autodiscover xmlns="${AUTODISCOVER_REQUEST_SCHEMA}"/>`],
    ['no EMailAddress', request('a@b.c').replace(/<EMailAddress>.*<\/EMailAddress>/, '')],
    [
      'no AcceptableResponseSchema',
      request('a@b.c').replace(/<AcceptableResponseSchema>.*<\/AcceptableResponseSchema>/, ''),
    ],
    ['invalid e-mail', request('not an address')],
    [
      'two e-mail addresses',
      request('a@b.c').replace('</EMailAddress>', '</EMailAddress><EMailAddress>d@e.f</EMailAddress>'),
    ],
    ['e-mail with markup', request('<x>a@b.c</x>')],
    ['overlong e-mail', request(`${'a'.repeat(400)}@b.c`)],
    ['two roots', request('a@b.c') + '<Autodiscover/>'],
    ['too large', request('a@b.c') + ' '.repeat(AUTODISCOVER_MAX_BYTES)],
    ['binary garbage', Buffer.from([0xff, 0xfe, 0x00, 0x3c, 0x00, 0x01])],
  ];
  for (const [name, body] of bad) {
    it(`answers 600 for ${name}`, () => {
      const r = parseAutodiscoverRequest(body);
      assert.equal(r.ok ? null : r.errorCode, 600);
    });
  }

  it('refuses DTDs: no entity expansion (billion laughs) and no external entities', () => {
    const laughs =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>' +
      `<Autodiscover xmlns="${AUTODISCOVER_REQUEST_SCHEMA}"><Request><EMailAddress>&lol2;@b.c</EMailAddress>` +
      `<AcceptableResponseSchema>${MOBILESYNC_RESPONSE_SCHEMA}</AcceptableResponseSchema></Request></Autodiscover>`;
    const xxe = laughs.replace(
      /<!DOCTYPE[^\]]*\]>/,
      '<!DOCTYPE x [<!ENTITY lol2 SYSTEM "file:///etc/passwd">]>',
    );
    for (const body of [laughs, xxe, laughs.replace('DOCTYPE', 'doctype')]) {
      const r = parseAutodiscoverRequest(body);
      assert.equal(r.ok ? null : r.errorCode, 600);
    }
  });

  it('survives deep nesting and random bytes without throwing', () => {
    const deep = '<a>'.repeat(4000) + '</a>'.repeat(4000);
    assert.equal(parseAutodiscoverRequest(deep).ok, false);
    let seed = 7;
    for (let n = 0; n < 2000; n++) {
      const len = (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 300;
      const b = Buffer.alloc(len);
      for (let i = 0; i < len; i++) b[i] = (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 256;
      // Half the time, splice garbage into a valid request.
      const body = n % 2 ? b : Buffer.concat([Buffer.from(request('a@b.c').slice(0, len)), b]);
      const r = parseAutodiscoverRequest(body);
      assert.equal(typeof r.ok, 'boolean');
    }
  });
});

describe('buildAutodiscoverResponse', () => {
  it('builds the [MS-ASCMD] 4.2.4 shape with MobileSync Url and Name, escaping everything', () => {
    const xml = buildAutodiscoverResponse({
      emailAddress: 'chris@woodgrovebank.com',
      displayName: 'Chris <Gray> & "Co"',
      url: 'https://loandept.woodgrovebank.com/Microsoft-Server-ActiveSync',
    });
    assert.equal(XMLValidator.validate(xml), true);
    const doc = reader.parse(xml);
    assert.equal(doc.Autodiscover['@xmlns'], AUTODISCOVER_RESPONSE_SCHEMA);
    const res = doc.Autodiscover.Response;
    assert.equal(res['@xmlns'], MOBILESYNC_RESPONSE_SCHEMA);
    assert.equal(res.Culture, 'en:us');
    assert.equal(res.User.DisplayName, 'Chris <Gray> & "Co"');
    assert.equal(res.User.EMailAddress, 'chris@woodgrovebank.com');
    assert.deepEqual(res.Action.Settings.Server, {
      Type: 'MobileSync',
      Url: 'https://loandept.woodgrovebank.com/Microsoft-Server-ActiveSync',
      Name: 'https://loandept.woodgrovebank.com/Microsoft-Server-ActiveSync',
    });
    assert.ok(
      !buildAutodiscoverResponse({ emailAddress: 'a@b.c', url: 'https://h/x' }).includes('DisplayName'),
    );
  });

  it('builds 600/601 error documents ([MS-ASCMD] 2.2.3.63, 2.2.3.64)', () => {
    for (const [code, msg] of [
      [600, 'Invalid Request'],
      [601, 'Requested schema version not supported'],
    ] as const) {
      const xml = buildAutodiscoverError(code, { now: new Date('2026-01-02T16:56:32.616Z') });
      assert.equal(XMLValidator.validate(xml), true);
      const err = reader.parse(xml).Autodiscover.Response.Error;
      assert.equal(err.ErrorCode, code);
      assert.equal(err.Message, msg);
      assert.equal(err['@Time'], '16:56:32.616');
    }
    assert.ok(!buildAutodiscoverError(600).includes('Time='));
  });
});

describe('activeSyncUrl', () => {
  it('builds the endpoint URL from a plain host[:port]', () => {
    assert.equal(activeSyncUrl('mail.example.com'), 'https://mail.example.com/Microsoft-Server-ActiveSync');
    assert.equal(
      activeSyncUrl('127.0.0.1:8443', 'http'),
      'http://127.0.0.1:8443/Microsoft-Server-ActiveSync',
    );
    assert.equal(activeSyncUrl('[::1]:443'), 'https://[::1]:443/Microsoft-Server-ActiveSync');
  });

  it('refuses Host values that are not a host', () => {
    for (const h of [
      '',
      'evil.com/path',
      'a b',
      'x"><y',
      'user@host',
      'host:port',
      '-a.com',
      'a'.repeat(300),
    ]) {
      assert.equal(activeSyncUrl(h), null, h);
    }
  });
});
