import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createHarness } from './test-harness.js';
import type { Harness } from './test-harness.js';

describe('admin plugin inside the EAS app', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(() => h.close());

  it('answers an unexpected failure with 500 EAS_ERR_SERVER_INTERNAL and no internals', async () => {
    const original = h.store.listUsers.bind(h.store);
    h.store.listUsers = async () => {
      throw new Error('SQLITE_IOERR: disk I/O error at /var/lib/syncward/syncward.db');
    };
    try {
      const res = await h.api('GET', '/users');
      assert.equal(res.statusCode, 500);
      const body = res.json();
      assert.equal(body.code, 'EAS_ERR_SERVER_INTERNAL');
      assert.equal(body.message, 'internal server error');
      assert.equal(typeof body.requestId, 'string');
      assert.doesNotMatch(res.body, /SQLITE|syncward\.db|at /);
    } finally {
      h.store.listUsers = original;
    }
  });

  it('refuses bodies over 1 MiB with 413', async () => {
    const res = await h.api('POST', '/what-if', { deviceType: 'x', model: 'y'.repeat(1024 * 1024) });
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().code, 'EAS_ERR_REQUEST_TOO_LARGE');
  });

  it('keeps request ids unique per request and in the error body', async () => {
    const a = (await h.app.inject({ method: 'GET', url: '/api/v1/users' })).json();
    const b = (await h.app.inject({ method: 'GET', url: '/api/v1/users' })).json();
    assert.notEqual(a.requestId, b.requestId);
  });

  it('leaves the EAS routes with their raw body handling', async () => {
    // Autodiscover still gets its XML as bytes (the admin scope's JSON-only parsing is encapsulated).
    const res = await h.app.inject({
      method: 'POST',
      url: '/autodiscover/autodiscover.xml',
      headers: { 'content-type': 'text/xml' },
      payload: '<Autodiscover/>',
    });
    assert.equal(res.statusCode, 200);
    const eas = await h.app.inject({
      method: 'POST',
      url: '/Microsoft-Server-ActiveSync?Cmd=FolderSync&User=a&DeviceId=D1&DeviceType=iPhone',
      headers: { 'content-type': 'application/json', 'MS-ASProtocolVersion': '14.1' },
      payload: '{not json',
    });
    assert.equal(eas.statusCode, 200);
  });
});
