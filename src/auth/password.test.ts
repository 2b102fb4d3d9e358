import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SCRYPT_PARAMS, hashPassword, needsRehash, parseBasicAuth, verifyPassword } from './password.js';

describe('hashPassword / verifyPassword', () => {
  it('hashes to a self-describing scrypt string with a fresh salt each time', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    assert.match(a, /^scrypt\$32768\$8\$1\$[A-Za-z0-9+/]+={0,2}\$[A-Za-z0-9+/]+={0,2}$/);
    assert.notEqual(a, b);
    const [, , , , salt, key] = a.split('$');
    assert.equal(Buffer.from(salt as string, 'base64').length, SCRYPT_PARAMS.saltBytes);
    assert.equal(Buffer.from(key as string, 'base64').length, SCRYPT_PARAMS.keyBytes);
    assert.equal(needsRehash(a), false);
  });

  it('verifies the right password only (including non-ASCII and ":" in the password)', async () => {
    const pw = 'x$pIAK9@p9!:ümlaut🙂';
    const stored = await hashPassword(pw);
    assert.equal(await verifyPassword(pw, stored), true);
    assert.equal(await verifyPassword(pw + ' ', stored), false);
    assert.equal(await verifyPassword('', stored), false);
    assert.equal(await verifyPassword(pw.normalize('NFD'), stored), false);
  });

  it('returns false, never throws, for malformed stored strings and bad arguments', async () => {
    const good = await hashPassword('pw');
    const [, N, r, p, salt, key] = good.split('$') as string[];
    const malformed = [
      '',
      'plain',
      'bcrypt$10$abc',
      `scrypt$${N}$${r}$${p}$${salt}`,
      `scrypt$${N}$${r}$${p}$${salt}$${key}$extra`,
      `scrypt$32767$${r}$${p}$${salt}$${key}`, // N not a power of two
      `scrypt$1$${r}$${p}$${salt}$${key}`,
      `scrypt$${2 ** 24}$${r}$${p}$${salt}$${key}`, // would need gigabytes
      `scrypt$${N}$9999$${p}$${salt}$${key}`,
      `scrypt$${N}$0$${p}$${salt}$${key}`,
      `scrypt$${N}$${r}$-1$${salt}$${key}`,
      `scrypt$${N}$${r}$${p}$!!!$${key}`,
      `scrypt$${N}$${r}$${p}$${salt}$AAAA`, // key too short
      `scrypt$0x8000$${r}$${p}$${salt}$${key}`,
    ];
    for (const s of malformed) assert.equal(await verifyPassword('pw', s), false, s);
    for (const s of malformed) assert.equal(needsRehash(s), true, s);
    assert.equal(await verifyPassword(undefined as unknown as string, good), false);
    assert.equal(await verifyPassword('pw', null as unknown as string), false);
    assert.equal(await verifyPassword('x'.repeat(5000), good), false);
  });

  it('verifies hashes made with other (bounded) parameters, and flags them for re-hashing', async () => {
    const { scryptSync, randomBytes } = await import('node:crypto');
    const salt = randomBytes(16);
    const key = scryptSync('pw', salt, 32, { N: 1024, r: 8, p: 1 });
    const stored = `scrypt$1024$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
    assert.equal(await verifyPassword('pw', stored), true);
    assert.equal(needsRehash(stored), true);
  });
});

describe('parseBasicAuth', () => {
  it('decodes the [MS-ASHTTP] 2.2.1.1.2.2 example (erratum: the user is fakeuser)', () => {
    const line = readFileSync(
      new URL('../../test/fixtures/http/ashttp_2.2.1.1.2.2_authorization_basic.txt', import.meta.url),
      'utf8',
    ).trim();
    const value = line.slice(line.indexOf(':') + 1).trim();
    assert.deepEqual(parseBasicAuth(value), { kind: 'basic', username: 'fakeuser', password: 'x$pIAK9@p9!' });
  });

  const enc = (s: string, encoding: BufferEncoding = 'utf8') => Buffer.from(s, encoding).toString('base64');

  it('splits at the first colon, so passwords may contain colons; user may carry a domain', () => {
    assert.deepEqual(parseBasicAuth(`Basic ${enc('CONTOSO\\ana:a:b::c')}`), {
      kind: 'basic',
      username: 'CONTOSO\\ana',
      password: 'a:b::c',
    });
    assert.deepEqual(parseBasicAuth(`Basic ${enc('ana:')}`), {
      kind: 'basic',
      username: 'ana',
      password: '',
    });
  });

  it('is case-insensitive in the scheme and tolerant of surrounding whitespace', () => {
    assert.equal(parseBasicAuth(`basic ${enc('a:b')}`).kind, 'basic');
    assert.equal(parseBasicAuth(`  BASIC   ${enc('a:b')}  `).kind, 'basic');
  });

  it('decodes UTF-8, and Latin-1 when the bytes are not UTF-8', () => {
    assert.deepEqual(parseBasicAuth(`Basic ${enc('jösé:pässwörd')}`), {
      kind: 'basic',
      username: 'jösé',
      password: 'pässwörd',
    });
    assert.deepEqual(parseBasicAuth(`Basic ${enc('jösé:pässwörd', 'latin1')}`), {
      kind: 'basic',
      username: 'jösé',
      password: 'pässwörd',
    });
  });

  it('returns none for anything that is not usable Basic credentials', () => {
    const none = [
      undefined,
      null,
      '',
      'Basic',
      'Basic ',
      'Bearer eyJhbGciOi',
      'Digest username="a"',
      `Basic ${enc('nocolon')}`,
      `Basic ${enc(':password')}`,
      `Basic ${enc('a\u0000b:pw')}`,
      'Basic !!!!',
      'Basic QUJD=x',
      'Basic Q',
      `Basic ${'A'.repeat(9000)}`,
      ['Basic YTpi', 'Basic YzpE'],
    ];
    for (const h of none) assert.deepEqual(parseBasicAuth(h as string), { kind: 'none' }, String(h));
  });
});
