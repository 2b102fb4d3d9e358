// The admin REST API over real HTTP against a running server: an admin logs in with the
// first-start credentials, previews and saves a version rule, and sees the phone's decision and audit.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from './harness.js';
import type { TestServer } from './harness.js';

let server: TestServer;
let token: string;
before(async () => {
  server = await startTestServer();
  await server.addUser('gil', 'pw-gil-1');
  const creds = server.seed.credentials;
  assert.ok(creds);
  const res = await fetch(`${server.url}/api/v1/auth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: creds.admin.username, password: creds.admin.password }),
  });
  assert.equal(res.status, 201);
  token = ((await res.json()) as { token: string }).token;
});
after(async () => server.close());

const api = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown> & { changes?: unknown[] },
  };
};

test('an EAS password does not open the admin API', async () => {
  const res = await fetch(`${server.url}/api/v1/auth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'gil', password: 'pw-gil-1' }),
  });
  assert.equal(res.status, 401);
  assert.equal((await fetch(`${server.url}/api/v1/devices`)).status, 401);
});

test('preview and save a version rule; the phone is blocked and the audit says why', async () => {
  const phone = server.client({
    username: 'gil',
    password: 'pw-gil-1',
    userAgent: 'Outlook-iOS-Android/1.0.1',
  });
  assert.equal((await phone.provision()).ackStatus, 1);
  const rule = {
    characteristic: 'UserAgent',
    queryString: 'Outlook-iOS-Android',
    versionRange: '<1.0.4',
    accessLevel: 'Block',
  };
  const preview = await api('POST', '/rules/preview', rule);
  assert.equal(preview.status, 200);
  assert.equal(preview.body.changes?.length, 1);
  const saved = await api('POST', '/rules?dryRun=false', rule);
  assert.equal(saved.status, 201, JSON.stringify(saved.body));
  assert.equal(saved.body.changes?.length, 1);
  assert.equal((await phone.request('Settings', null)).status, 129);
  const devices = await api('GET', '/devices?family=Outlook-iOS-Android&version=%3C1.0.4');
  assert.equal(devices.status, 200);
  assert.match(JSON.stringify(devices.body), /Blocked/);
  const audit = await api('GET', '/audit?action=rule.');
  assert.match(JSON.stringify(audit.body), /rule\.created/);
  const whatIf = await api('POST', '/what-if', {
    deviceType: 'Outlook',
    userAgent: 'Outlook-iOS-Android/1.0.4',
  });
  assert.equal(whatIf.body.state, 'Allowed');
});
