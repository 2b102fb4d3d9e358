// The streamed EasResponse body (EasResponse.stream): written as it is read, with the announced
// Content-Length and Content-Type; a stream that fails half-way ends the connection; bad headers
// destroy the stream and answer 500.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import type { EasResponse } from '../eas/types.js';
import { buildApp } from './app.js';

const AUTH = `Basic ${Buffer.from('ana:pw').toString('base64')}`;
const URL_PATH = '/Microsoft-Server-ActiveSync?Cmd=ItemOperations&User=ana&DeviceId=DEV1&DeviceType=iPhone';

function appWith(res: () => EasResponse) {
  return buildApp({
    log: false,
    commands: ['ItemOperations'],
    handleEas: async () => res(),
    authenticate: async () => true,
    autodiscover: async () => ({ status: 200, headers: {}, body: '' }),
  });
}

describe('streamed response bodies', () => {
  const apps: Array<ReturnType<typeof buildApp>> = [];
  after(async () => {
    for (const a of apps) await a.close();
  });

  it('writes the stream with its Content-Length and Content-Type, plus the usual headers', async () => {
    const chunks = [Buffer.from('abc'), Buffer.alloc(100_000, 1), Buffer.from('z')];
    const app = appWith(() => ({
      httpStatus: 200,
      headers: { 'X-Test': '1' },
      body: null,
      stream: {
        stream: Readable.from(chunks),
        length: 100_004,
        contentType: 'application/vnd.ms-sync.multipart',
      },
    }));
    apps.push(app);
    const res = await app.inject({
      method: 'POST',
      url: URL_PATH,
      headers: { 'MS-ASProtocolVersion': '14.1', Authorization: AUTH },
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-length'], '100004');
    assert.equal(res.headers['content-type'], 'application/vnd.ms-sync.multipart');
    assert.equal(res.headers['x-test'], '1');
    assert.equal(res.headers['cache-control'], 'private');
    assert.deepEqual(res.rawPayload, Buffer.concat(chunks));
  });

  it('a header Node refuses: the stream is destroyed and the answer is an empty 500', async () => {
    const stream = Readable.from([Buffer.from('x')]);
    const app = appWith(() => ({
      httpStatus: 200,
      headers: { 'Bad\nName': 'v' },
      body: null,
      stream: { stream, length: 1, contentType: 'application/octet-stream' },
    }));
    apps.push(app);
    const res = await app.inject({
      method: 'POST',
      url: URL_PATH,
      headers: { 'MS-ASProtocolVersion': '14.1', Authorization: AUTH },
    });
    assert.equal(res.statusCode, 500);
    assert.equal(res.rawPayload.length, 0);
    assert.equal(stream.destroyed, true);
  });

  it('a stream failing half-way ends the connection: the client gets less than announced', async () => {
    let sent = 0;
    const failing = new Readable({
      read() {
        if (sent++ < 3) this.push(Buffer.alloc(16 * 1024, 2));
        else this.destroy(new Error('disk gone'));
      },
    });
    const app = appWith(() => ({
      httpStatus: 200,
      headers: {},
      body: null,
      stream: { stream: failing, length: 1024 * 1024, contentType: 'application/octet-stream' },
    }));
    apps.push(app);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const got = await new Promise<{ status: number; bytes: number; aborted: boolean }>((resolve) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: URL_PATH,
          headers: { 'MS-ASProtocolVersion': '14.1', Authorization: AUTH },
        },
        (res) => {
          let bytes = 0;
          res.on('data', (c: Buffer) => (bytes += c.length));
          res.on('error', () => resolve({ status: res.statusCode ?? 0, bytes, aborted: true }));
          res.on('aborted', () => resolve({ status: res.statusCode ?? 0, bytes, aborted: true }));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, aborted: false }));
        },
      );
      req.on('error', () => resolve({ status: 0, bytes: 0, aborted: true }));
      req.end();
    });
    assert.equal(got.status, 200);
    assert.ok(got.bytes < 1024 * 1024, `got ${got.bytes} bytes`);
    assert.equal(got.aborted, true);
  });
});
