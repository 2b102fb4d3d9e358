import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { encodeWbxml } from '../wbxml/index.js';
import { NAMESPACES } from '../wbxml/types.js';
import { tokenOf } from '../wbxml/index.js';
import {
  COMMAND_RESPONSE_ROOT,
  EasHttpError,
  EasStatusError,
  statusDocument,
  toEasResponse,
} from './errors.js';
import type { ErrorContext } from './errors.js';
import { EasStatus } from './status.js';

const hex = (name: string) =>
  readFileSync(new URL(`../../test/fixtures/http/${name}`, import.meta.url), 'utf8')
    .replace(/\s+/g, '')
    .toLowerCase();

function ctx(over: Partial<ErrorContext> = {}): ErrorContext & { logged: object[] } {
  const logged: object[] = [];
  return {
    cmd: 'FolderSync',
    protocolVersion: '14.0',
    hasPolicyKey: true,
    requestId: 'req-1',
    log: { error: (obj: object) => void logged.push(obj) },
    logged,
    ...over,
  };
}

describe('toEasResponse: EasStatusError', () => {
  it('answers 14.0+ with HTTP 200 and the [MS-ASPROV] 4.1.1 FolderSync Status 142 body, byte for byte', () => {
    const res = toEasResponse(new EasStatusError(EasStatus.DeviceNotProvisioned), ctx());
    assert.equal(res.httpStatus, 200);
    assert.ok(res.body && !Buffer.isBuffer(res.body));
    assert.equal(
      encodeWbxml(res.body).toString('hex'),
      hex('asprov_4.1.1_phase1_enforcement_response.derived.hex'),
    );
  });

  it('matches the FolderSync 144 and [MS-ASPROV] 4.2.2 status 140 vectors', () => {
    for (const [status, file] of [
      [144, 'foldersync_response_status_144.derived.hex'],
      [140, 'asprov_4.2.2_remote_wipe_step1_response.derived.hex'],
    ] as const) {
      const res = toEasResponse(new EasStatusError(status), ctx({ protocolVersion: '16.1' }));
      assert.ok(res.body && !Buffer.isBuffer(res.body));
      assert.equal(encodeWbxml(res.body).toString('hex'), hex(file));
    }
  });

  it('uses each command’s own namespace and root, and every root and Status exists in the code pages', () => {
    for (const [cmd, root] of Object.entries(COMMAND_RESPONSE_ROOT)) {
      assert.ok(NAMESPACES.includes(root.ns), cmd);
      assert.ok(tokenOf(root.ns, root.tag), `${root.ns}:${root.tag}`);
      assert.ok(tokenOf(root.ns, 'Status'), `${root.ns}:Status`);
      const doc = statusDocument(cmd, 129);
      assert.deepEqual(doc, {
        ns: root.ns,
        tag: root.tag,
        children: [{ ns: root.ns, tag: 'Status', children: ['129'] }],
      });
      encodeWbxml(doc as NonNullable<typeof doc>); // must not throw
    }
    assert.deepEqual(COMMAND_RESPONSE_ROOT.SmartReply, { ns: 'ComposeMail', tag: 'SmartReply' });
    assert.deepEqual(COMMAND_RESPONSE_ROOT.MoveItems, { ns: 'Move', tag: 'MoveItems' });
    assert.deepEqual(COMMAND_RESPONSE_ROOT.Sync, { ns: 'AirSync', tag: 'Sync' });
  });

  it('answers 12.1 with the mapped HTTP status and no body', () => {
    const c = ctx({ protocolVersion: '12.1' });
    assert.deepEqual(toEasResponse(new EasStatusError(142), c), { httpStatus: 449, headers: {}, body: null });
    assert.equal(toEasResponse(new EasStatusError(140), { ...c, hasPolicyKey: false }).httpStatus, 403);
    assert.equal(toEasResponse(new EasStatusError(129), c).httpStatus, 403);
    assert.equal(toEasResponse(new EasStatusError(177), c).httpStatus, 403);
    assert.equal(toEasResponse(new EasStatusError(111), c).httpStatus, 503);
    assert.equal(c.logged.length, 0);
  });

  it('falls back to the HTTP mapping for commands without a WBXML response and for an unknown version', () => {
    assert.equal(toEasResponse(new EasStatusError(142), ctx({ cmd: 'GetAttachment' })).httpStatus, 449);
    assert.equal(toEasResponse(new EasStatusError(137), ctx({ cmd: 'Bogus' })).httpStatus, 501);
    assert.equal(toEasResponse(new EasStatusError(137), ctx({ cmd: 'constructor' })).httpStatus, 501);
    assert.equal(toEasResponse(new EasStatusError(142), ctx({ protocolVersion: null })).httpStatus, 449);
  });

  it('keeps scope and cause', () => {
    const cause = new Error('x');
    const e = new EasStatusError(150, 'item', { cause });
    assert.equal(e.scope, 'item');
    assert.equal(e.cause, cause);
    assert.equal(new EasStatusError(142).scope, 'global');
  });
});

describe('toEasResponse: EasHttpError and unknown errors', () => {
  it('passes HTTP errors through with their headers and no body', () => {
    const res = toEasResponse(new EasHttpError(401, { 'WWW-Authenticate': 'Basic realm="Syncward"' }), ctx());
    assert.deepEqual(res, {
      httpStatus: 401,
      headers: { 'WWW-Authenticate': 'Basic realm="Syncward"' },
      body: null,
    });
  });

  it('builds 503 with Retry-After in whole seconds', () => {
    assert.deepEqual(toEasResponse(EasHttpError.retryLater(2.2), ctx()).headers, { 'Retry-After': '3' });
    assert.deepEqual(EasHttpError.retryLater(0).headers, { 'Retry-After': '1' });
    assert.equal(EasHttpError.retryLater(Number.NaN).headers['Retry-After'], '1');
  });

  it('logs an unknown error once with the request id and answers a bare 500', () => {
    const c = ctx();
    const secret = new Error('db password is hunter2');
    const res = toEasResponse(secret, c);
    assert.deepEqual(res, { httpStatus: 500, headers: {}, body: null });
    assert.equal(c.logged.length, 1);
    assert.deepEqual(c.logged[0], { err: secret, requestId: 'req-1', cmd: 'FolderSync' });
    assert.deepEqual(toEasResponse('a string', ctx()), { httpStatus: 500, headers: {}, body: null });
    assert.deepEqual(toEasResponse(undefined, ctx()), { httpStatus: 500, headers: {}, body: null });
  });
});
