// Compose request parsing: 14.0+ ComposeMail WBXML (Mime opaque or string, Source, flags,
// Forwardees), the ≤12.1 raw form with query parameters, and every malformed shape as a status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { el } from '../../../wbxml/index.js';
import type { ElChild } from '../../../wbxml/index.js';
import { EasStatusError } from '../../errors.js';
import type { EasRequest, ProtocolVersion } from '../../types.js';
import type { ComposeKind } from './request.js';
import { parseComposeRequest } from './request.js';

const cm = (tag: string, ...c: ElChild[]) => el('ComposeMail', tag, ...c);
const MIME = 'To: b@example.com\r\nSubject: hi\r\n\r\nhello\r\n';

function request(o: Partial<EasRequest> = {}): EasRequest {
  return {
    cmd: 'SendMail',
    user: 'ana',
    deviceId: 'D1',
    deviceType: 'iPhone',
    protocolVersion: '16.1',
    policyKey: '1',
    userAgent: null,
    locale: null,
    params: {},
    queryForm: 'plain',
    credentials: { kind: 'none' },
    contentType: 'application/vnd.ms-sync.wbxml',
    body: Buffer.from([3, 1, 0x6a, 0]),
    remoteAddress: '127.0.0.1',
    requestId: 'r',
    ...o,
  };
}

function statusOf(fn: () => unknown): number {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof EasStatusError, String(err));
    return err.status;
  }
  return 0;
}

test('14.0+ SendMail: ClientId, SaveInSentItems, Mime as opaque or as a string', () => {
  const opaque = parseComposeRequest(
    'SendMail',
    request(),
    cm('SendMail', cm('ClientId', 'c1'), cm('SaveInSentItems'), cm('Mime', new TextEncoder().encode(MIME))),
  );
  assert.deepEqual(
    [opaque.clientId, opaque.saveInSent, opaque.replaceMime, opaque.mime.toString(), opaque.source],
    ['c1', true, false, MIME, null],
  );
  const str = parseComposeRequest(
    'SendMail',
    request(),
    cm('SendMail', cm('ClientId', 'c2'), cm('Mime', MIME)),
  );
  assert.deepEqual([str.saveInSent, str.mime.toString()], [false, MIME]);
});

test('14.0+ SmartReply / SmartForward: Source, ReplaceMime, Forwardees', () => {
  const r = parseComposeRequest(
    'SmartForward',
    request({ cmd: 'SmartForward' }),
    cm(
      'SmartForward',
      cm('ClientId', 'c3'),
      cm('Source', cm('FolderId', '5'), cm('ItemId', '5:2')),
      cm('ReplaceMime'),
      cm(
        'Forwardees',
        cm('Forwardee', cm('Name', 'Eve'), cm('Email', 'eve@example.org')),
        cm('Forwardee', cm('Email', 'f@example.org')),
      ),
      cm('Mime', MIME),
    ),
  );
  assert.deepEqual(r.source, { folderId: '5', itemId: '5:2', longId: null, instanceId: null });
  assert.equal(r.replaceMime, true);
  assert.deepEqual(r.forwardees, [
    { name: 'Eve', email: 'eve@example.org' },
    { name: null, email: 'f@example.org' },
  ]);
});

test('≤12.1: raw message/rfc822, SaveInSent and the source in the query', () => {
  const raw = request({ protocolVersion: '12.1', contentType: 'message/rfc822', body: Buffer.from(MIME) });
  const send = parseComposeRequest('SendMail', { ...raw, params: { SaveInSent: 'T' } }, null);
  assert.deepEqual([send.clientId, send.saveInSent, send.mime.toString()], [null, true, MIME]);
  const reply = parseComposeRequest(
    'SmartReply',
    { ...raw, params: { ItemId: '5:1', CollectionId: '5' } },
    null,
  );
  assert.deepEqual(reply.source, { folderId: '5', itemId: '5:1', longId: null, instanceId: null });
  assert.equal(reply.saveInSent, false);
  // Raw MIME from a 14.x client is taken as well.
  assert.equal(
    parseComposeRequest('SendMail', { ...raw, protocolVersion: '14.1' }, null).mime.toString(),
    MIME,
  );
});

test('malformed requests are statuses: 101, 103, 106, 107, 179', () => {
  const wb = (body: ReturnType<typeof cm>, kind: ComposeKind = 'SendMail', v: ProtocolVersion = '16.1') =>
    statusOf(() => parseComposeRequest(kind, request({ protocolVersion: v }), body));
  // WBXML from a 12.1 client, and a body that is neither WBXML nor MIME.
  assert.equal(wb(cm('SendMail', cm('ClientId', 'a'), cm('Mime', MIME)), 'SendMail', '12.1'), 101);
  assert.equal(
    statusOf(() => parseComposeRequest('SendMail', request({ contentType: 'text/plain' }), null)),
    101,
  );
  assert.equal(
    statusOf(() =>
      parseComposeRequest(
        'SendMail',
        request({ contentType: 'message/rfc822', body: Buffer.alloc(0) }),
        null,
      ),
    ),
    101,
  );
  // Wrong root, missing or repeated parts, non-text ClientId.
  assert.equal(wb(el('Settings', 'Settings')), 103);
  assert.equal(wb(cm('SmartReply', cm('ClientId', 'a'), cm('Mime', MIME))), 103);
  assert.equal(wb(cm('SendMail', cm('Mime', MIME))), 103);
  assert.equal(wb(cm('SendMail', cm('ClientId', 'x'.repeat(200)), cm('Mime', MIME))), 103);
  assert.equal(wb(cm('SendMail', cm('ClientId', 'a'))), 103);
  assert.equal(wb(cm('SendMail', cm('ClientId', 'a'), cm('Mime', MIME), cm('Mime', MIME))), 103);
  assert.equal(wb(cm('SendMail', cm('ClientId', 'a', cm('X')), cm('Mime', MIME))), 103);
  assert.equal(wb(cm('SendMail', cm('ClientId', 'a'), cm('Mime'))), 107);
  // Smart commands need a source item.
  assert.equal(wb(cm('SmartReply', cm('ClientId', 'a'), cm('Mime', MIME)), 'SmartReply'), 103);
  assert.equal(
    statusOf(() =>
      parseComposeRequest(
        'SmartReply',
        request({ protocolVersion: '12.1', contentType: 'message/rfc822', body: Buffer.from(MIME) }),
        null,
      ),
    ),
    106,
  );
  // Forwardees: an Email is required, and only in SmartForward.
  assert.equal(
    wb(
      cm(
        'SmartForward',
        cm('ClientId', 'a'),
        cm('Source', cm('ItemId', '1:1')),
        cm('Forwardees', cm('Forwardee', cm('Name', 'n'))),
        cm('Mime', MIME),
      ),
      'SmartForward',
    ),
    179,
  );
  assert.equal(
    wb(
      cm(
        'SendMail',
        cm('ClientId', 'a'),
        cm('Forwardees', cm('Forwardee', cm('Email', 'e@x'))),
        cm('Mime', MIME),
      ),
    ),
    103,
  );
});
