// Autodiscover over real HTTP: the mobilesync request schema, the URL handed back, auth, errors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from './harness.js';
import type { TestServer } from './harness.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
  await server.addUser('eve', 'pw-eve-123', { email: 'eve@corp.example', displayName: 'Eve Example' });
});
after(async () => server.close());

const request = (
  email: string,
  schema = 'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006',
) =>
  `<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006">
  <Request><EMailAddress>${email}</EMailAddress><AcceptableResponseSchema>${schema}</AcceptableResponseSchema></Request>
</Autodiscover>`;

const post = (path: string, body: string, auth: string | null = 'eve:pw-eve-123') =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'text/xml',
      ...(auth ? { Authorization: 'Basic ' + Buffer.from(auth).toString('base64') } : {}),
    },
    body,
  });

// Plain HTTP here, so the URL is http:; behind TLS it is https: (or --public-url).
test('answers the mobilesync schema with the server URL, on every path variant clients use', async () => {
  for (const path of [
    '/autodiscover/autodiscover.xml',
    '/Autodiscover/Autodiscover.xml',
    '/AutoDiscover/AutoDiscover.xml',
  ]) {
    const res = await post(path, request('eve@corp.example'));
    assert.equal(res.status, 200, path);
    const xml = await res.text();
    assert.match(xml, /<Type>MobileSync<\/Type>/);
    assert.match(xml, /<Url>http:\/\/127\.0\.0\.1:\d+\/Microsoft-Server-ActiveSync<\/Url>/);
    assert.match(xml, /<DisplayName>Eve Example<\/DisplayName>/);
  }
});

test('needs credentials, and answers only for the authenticated user', async () => {
  assert.equal((await post('/autodiscover/autodiscover.xml', request('eve@corp.example'), null)).status, 401);
  assert.equal(
    (await post('/autodiscover/autodiscover.xml', request('eve@corp.example'), 'eve:wrong')).status,
    401,
  );
  assert.equal((await post('/autodiscover/autodiscover.xml', request('boss@corp.example'))).status, 403);
});

test('wrong schema and malformed XML get Autodiscover error codes, not a crash', async () => {
  const wrong = await post('/autodiscover/autodiscover.xml', request('eve@corp.example', 'urn:other'));
  assert.match(await wrong.text(), /<ErrorCode>601<\/ErrorCode>/);
  const bad = await post('/autodiscover/autodiscover.xml', '<Autodiscover><Request>');
  assert.match(await bad.text(), /<ErrorCode>600<\/ErrorCode>/);
  const entity = await post(
    '/autodiscover/autodiscover.xml',
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><Autodiscover>&a;</Autodiscover>',
  );
  assert.match(await entity.text(), /<ErrorCode>600<\/ErrorCode>/);
});
