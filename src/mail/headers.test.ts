import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { headerEnd, headerValues, recipientsOf, withoutBcc } from './headers.js';

describe('mail header helpers', () => {
  const mime = Buffer.from(
    'From: a@x.test\r\nTo: "B" <b@x.test>, grp: c@x.test, d@x.test;\r\nCc: B@X.test\r\nBcc: e@x.test,\r\n f@x.test\r\nSubject: s\r\n\r\nBcc: not a header\r\n',
  );

  test('the header block ends after the first blank line, CRLF or LF; no blank line: the whole', () => {
    assert.equal(headerEnd(Buffer.from('A: 1\r\n\r\nbody\n\nmore')), 8);
    assert.equal(headerEnd(Buffer.from('A: 1\n\nbody\r\n\r\nmore')), 6);
    assert.equal(headerEnd(Buffer.from('A: 1\r\n')), 6);
  });

  test('header values are unfolded, by lower-case name, in order, the body left out', () => {
    const h = headerValues(mime);
    assert.deepEqual(h.get('bcc'), ['e@x.test, f@x.test']);
    assert.deepEqual(h.get('to'), ['"B" <b@x.test>, grp: c@x.test, d@x.test;']);
    assert.deepEqual(headerValues(Buffer.from('X-A: 1\nx-a: 2\n\nX-A: 3')).get('x-a'), ['1', '2']);
  });

  test('recipients from To, Cc and Bcc, groups flattened, deduplicated', () => {
    assert.deepEqual(recipientsOf(mime), ['b@x.test', 'c@x.test', 'd@x.test', 'e@x.test', 'f@x.test']);
    const nested = Buffer.from('To: Outer: Inner: n@x.test; , m@x.test;\r\nCc: undisclosed:;\r\n\r\n');
    assert.deepEqual(recipientsOf(nested), ['n@x.test', 'm@x.test']);
    assert.deepEqual(recipientsOf(Buffer.from('To: z@xn--bcher-kva.example\n\n')), [
      'z@xn--bcher-kva.example',
    ]);
  });

  test('Bcc (with its continuation lines) is removed from the header only', () => {
    const out = withoutBcc(mime).toString();
    assert.ok(!/^bcc:/im.test(out.split('\r\n\r\n')[0] ?? ''));
    assert.ok(!out.includes('f@x.test'));
    assert.ok(out.endsWith('\r\n\r\nBcc: not a header\r\n'));
    const none = Buffer.from('To: a@x.test\r\n\r\nbody');
    assert.equal(withoutBcc(none), none);
    assert.equal(withoutBcc(Buffer.from('BCC: x@y\nTo: a@x\n\nbody')).toString(), 'To: a@x\n\nbody');
    assert.equal(withoutBcc(Buffer.from('To: a@x\r\nBcc: x@y\r\n')).toString(), 'To: a@x\r\n');
  });
});
