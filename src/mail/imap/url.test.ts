import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseImapUrl, parseSubmissionUrl } from './url.js';

test('imap and submission URLs with default ports and TLS modes', () => {
  assert.deepEqual(parseImapUrl('imap://mail.example.com'), {
    host: 'mail.example.com',
    port: 143,
    secure: false,
  });
  assert.deepEqual(parseImapUrl('imaps://mail.example.com'), {
    host: 'mail.example.com',
    port: 993,
    secure: true,
  });
  assert.deepEqual(parseImapUrl('imap://127.0.0.1:1143/'), { host: '127.0.0.1', port: 1143, secure: false });
  assert.deepEqual(parseImapUrl('imaps://[::1]:9993?tls=insecure'), {
    host: '::1',
    port: 9993,
    secure: true,
    tls: { rejectUnauthorized: false },
  });
  assert.deepEqual(parseSubmissionUrl('smtp://mx.example.com'), {
    host: 'mx.example.com',
    port: 587,
    secure: false,
    requireAuth: true,
  });
  assert.deepEqual(parseSubmissionUrl('smtps://mx.example.com:4465'), {
    host: 'mx.example.com',
    port: 4465,
    secure: true,
    requireAuth: true,
  });
});

test('refuses what is not a plain server address', () => {
  for (const bad of [
    '',
    'mail.example.com',
    'http://mail.example.com',
    'smtp://mail.example.com',
    'imap://alice:secret@mail.example.com',
    'imap://mail.example.com/INBOX',
    'imap://mail.example.com?tls=off',
    'imap://mail.example.com?tls=insecure&x=1',
    'imap://mail.example.com#x',
    'imap://:143',
  ]) {
    assert.throws(() => parseImapUrl(bad), Error, bad);
  }
  assert.throws(() => parseSubmissionUrl('imaps://mail.example.com'), /smtp/);
  assert.throws(() => parseImapUrl('imap://mail.example.com:99999'), Error);
});
