import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  COMMAND_CODES,
  QUERY_LIMITS,
  QueryError,
  formatBase64Query,
  formatPlainQuery,
  parseEasQuery,
  plainQueryHeaders,
} from './query.js';
import type { ParsedQuery, QueryErrorCode } from './query.js';
import { PROTOCOL_VERSIONS } from './types.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../test/fixtures/http/${name}`, import.meta.url), 'utf8');
const SPEC_B64 = fixture('ashttp_2.2.1.1.1.1_base64_query.b64').trim();
const V14 = { 'ms-asprotocolversion': '14.0' };

function ok(r: ParsedQuery | QueryError): ParsedQuery {
  if (r instanceof QueryError) assert.fail(`unexpected QueryError ${r.code}: ${r.message}`);
  return r;
}
function fails(r: ParsedQuery | QueryError, code: QueryErrorCode, field?: string): QueryError {
  assert.ok(r instanceof QueryError, `expected ${code}, got a parsed query`);
  assert.equal(r.code, code, r.message);
  if (field !== undefined) assert.equal(r.field, field);
  return r;
}
const b64 = (bytes: number[] | Buffer) => Buffer.from(bytes).toString('base64');
const ascii = (s: string) => [...Buffer.from(s, 'latin1')];
/** A base64 query byte array: version 14.1, given command, en-US, device id, key, type, params. */
function bytes(
  o: { v?: number; cmd?: number; id?: number[]; pk?: number[]; type?: number[]; tail?: number[] } = {},
) {
  const id = o.id ?? ascii('DEV1');
  const type = o.type ?? ascii('SP');
  const pk = o.pk ?? [];
  return [
    o.v ?? 141,
    o.cmd ?? 0,
    0x09,
    0x04,
    id.length,
    ...id,
    pk.length,
    ...pk,
    type.length,
    ...type,
    ...(o.tail ?? []),
  ];
}

describe('parseEasQuery: spec vectors', () => {
  it('decodes the [MS-ASHTTP] 2.2.1.1.1.1 base64 example', () => {
    const q = ok(parseEasQuery(SPEC_B64, {}));
    assert.deepEqual(q, {
      form: 'base64',
      cmd: 'Sync',
      user: null,
      deviceId: 'v140Device',
      deviceType: 'SmartPhone',
      protocolVersion: '14.0',
      policyKey: null,
      locale: 0x0409,
      params: {},
    });
    const hex = fixture('ashttp_2.2.1.1.1.1_base64_query.derived.hex')
      .trim()
      .replace(/\s+/g, '')
      .toLowerCase();
    assert.equal(Buffer.from(SPEC_B64, 'base64').toString('hex'), hex);
  });

  it('formats the [MS-ASHTTP] 2.2.1.1.1.1 example byte for byte', () => {
    const s = formatBase64Query({
      cmd: 'Sync',
      deviceId: 'v140Device',
      deviceType: 'SmartPhone',
      protocolVersion: '14.0',
      locale: 0x0409,
    });
    assert.equal(s, SPEC_B64);
  });

  it('parses the request lines of the 2.2.1.1.1 examples, and the two agree except for User', () => {
    const line = (f: string) => fixture(f).split('\n')[0] as string;
    const plainUrl = line('ashttp_2.2.1.1.1_request_plain_text_query.http').split(' ')[1] as string;
    const b64Url = line('ashttp_2.2.1.1.1_request_base64_query.http').split(' ')[1] as string;
    const plain = ok(parseEasQuery(plainUrl.slice(plainUrl.indexOf('?') + 1), V14));
    const base = ok(parseEasQuery(b64Url.slice(b64Url.indexOf('?') + 1), {}));
    assert.equal(plain.form, 'plain');
    assert.equal(plain.user, 'rmjones');
    assert.equal(base.user, null); // the base64 example carries no User (PROTOCOL.md §8 item 5)
    for (const k of ['cmd', 'deviceId', 'deviceType', 'protocolVersion', 'policyKey'] as const) {
      assert.equal(plain[k], base[k], k);
    }
  });
});

describe('parseEasQuery: plain form', () => {
  it('takes parameters in any order and names in any case (MS-ASPROV examples put Cmd last)', () => {
    const q = ok(
      parseEasQuery('user=ana&DEVICEID=ApplDNPXY1&DeviceType=iPhone&cmd=FolderSync', {
        ...V14,
        'x-ms-policykey': '3942919513',
        'user-agent': 'x',
      }),
    );
    assert.equal(q.cmd, 'FolderSync');
    assert.equal(q.user, 'ana');
    assert.equal(q.deviceId, 'ApplDNPXY1');
    assert.equal(q.policyKey, '3942919513');
    assert.equal(q.locale, null);
  });

  it('percent-decodes values, keeps + literally, ignores unknown parameters and empty segments', () => {
    const q = ok(
      parseEasQuery(
        'Cmd=SmartReply&User=CONTOSO%5Cana+tag%40example.com&DeviceId=abc-DEF_1.2&DeviceType=SAMSUNG-SM-G991B' +
          '&ItemId=5%3A12&CollectionId=5&SaveInSent=t&Foo=bar&&',
        V14,
      ),
    );
    assert.equal(q.user, 'CONTOSO\\ana+tag@example.com');
    assert.equal(q.deviceId, 'abc-DEF_1.2');
    assert.deepEqual(q.params, { CollectionId: '5', ItemId: '5:12', SaveInSent: 'T' });
  });

  it('accepts a DeviceId longer than the ABNF 32 up to the documented bound', () => {
    const id = 'a'.repeat(QUERY_LIMITS.maxDeviceId);
    assert.equal(ok(parseEasQuery(`Cmd=Ping&User=u&DeviceId=${id}&DeviceType=T`, V14)).deviceId, id);
  });

  it('reads X-MS-PolicyKey (empty = absent) and MS-ASAcceptMultiPart', () => {
    const q = ok(
      parseEasQuery('Cmd=ItemOperations&User=u&DeviceId=d&DeviceType=t', {
        ...V14,
        'x-ms-policykey': '',
        'ms-asacceptmultipart': 'T',
      }),
    );
    assert.equal(q.policyKey, null);
    assert.equal(q.params.AcceptMultiPart, 'T');
  });

  it('accepts every advertised protocol version', () => {
    for (const v of PROTOCOL_VERSIONS) {
      assert.equal(
        ok(parseEasQuery('Cmd=Sync&User=u&DeviceId=d&DeviceType=t', { 'ms-asprotocolversion': v }))
          .protocolVersion,
        v,
      );
    }
  });

  const base = { Cmd: 'Sync', User: 'u', DeviceId: 'd', DeviceType: 't' };
  const q = (o: Record<string, string>) =>
    Object.entries(o)
      .map(([k, v]) => `${k}=${v}`)
      .join('&');
  const cases: [string, string, Record<string, string | string[]>, QueryErrorCode, string | null][] = [
    ['empty query', '', V14, 'EAS_ERR_QUERY_EMPTY', null],
    [
      'query too long',
      q({ ...base, ItemId: 'x'.repeat(QUERY_LIMITS.maxQueryLength) }),
      V14,
      'EAS_ERR_QUERY_TOO_LONG',
      null,
    ],
    ['missing Cmd', q({ User: 'u', DeviceId: 'd', DeviceType: 't' }), V14, 'EAS_ERR_QUERY_MISSING', 'Cmd'],
    [
      'missing User',
      q({ Cmd: 'Sync', DeviceId: 'd', DeviceType: 't' }),
      V14,
      'EAS_ERR_QUERY_MISSING',
      'User',
    ],
    [
      'missing DeviceId',
      q({ Cmd: 'Sync', User: 'u', DeviceType: 't' }),
      V14,
      'EAS_ERR_QUERY_MISSING',
      'DeviceId',
    ],
    [
      'missing DeviceType',
      q({ Cmd: 'Sync', User: 'u', DeviceId: 'd' }),
      V14,
      'EAS_ERR_QUERY_MISSING',
      'DeviceType',
    ],
    ['duplicate Cmd', q(base) + '&Cmd=Ping', V14, 'EAS_ERR_QUERY_DUPLICATE', 'Cmd'],
    ['duplicate in another case', q(base) + '&deviceid=e', V14, 'EAS_ERR_QUERY_DUPLICATE', 'DeviceId'],
    ['duplicate command parameter', q(base) + '&ItemId=1&ItemId=2', V14, 'EAS_ERR_QUERY_DUPLICATE', 'ItemId'],
    ['no version header', q(base), {}, 'EAS_ERR_QUERY_VERSION', 'MS-ASProtocolVersion'],
    [
      'version 2.5',
      q(base),
      { 'ms-asprotocolversion': '2.5' },
      'EAS_ERR_QUERY_VERSION',
      'MS-ASProtocolVersion',
    ],
    ['version 12.0', q(base), { 'ms-asprotocolversion': '12.0' }, 'EAS_ERR_QUERY_VERSION', null],
    [
      'version header twice',
      q(base),
      { 'ms-asprotocolversion': ['14.0', '14.0'] },
      'EAS_ERR_QUERY_DUPLICATE',
      null,
    ],
    ['bad percent-encoding', q({ ...base, User: '%ZZ' }), V14, 'EAS_ERR_QUERY_ENCODING', 'User'],
    ['invalid UTF-8', q({ ...base, User: '%C3%28' }), V14, 'EAS_ERR_QUERY_ENCODING', 'User'],
    ['empty DeviceId', q({ ...base, DeviceId: '' }), V14, 'EAS_ERR_QUERY_INVALID', 'DeviceId'],
    ['DeviceId without =', 'Cmd=Sync&User=u&DeviceId&DeviceType=t', V14, 'EAS_ERR_QUERY_INVALID', 'DeviceId'],
    ['NUL in DeviceId', q({ ...base, DeviceId: 'ab%00c' }), V14, 'EAS_ERR_QUERY_INVALID', 'DeviceId'],
    ['newline in User', q({ ...base, User: 'a%0Ab' }), V14, 'EAS_ERR_QUERY_INVALID', 'User'],
    ['bidi override in User', q({ ...base, User: 'a%E2%80%AEb' }), V14, 'EAS_ERR_QUERY_INVALID', 'User'],
    ['space in DeviceId', q({ ...base, DeviceId: 'a%20b' }), V14, 'EAS_ERR_QUERY_INVALID', 'DeviceId'],
    [
      'non-ASCII DeviceType',
      q({ ...base, DeviceType: '%C3%A9' }),
      V14,
      'EAS_ERR_QUERY_INVALID',
      'DeviceType',
    ],
    [
      'overlong DeviceId',
      q({ ...base, DeviceId: 'a'.repeat(QUERY_LIMITS.maxDeviceId + 1) }),
      V14,
      'EAS_ERR_QUERY_INVALID',
      'DeviceId',
    ],
    [
      'overlong DeviceType',
      q({ ...base, DeviceType: 'a'.repeat(QUERY_LIMITS.maxDeviceType + 1) }),
      V14,
      'EAS_ERR_QUERY_INVALID',
      'DeviceType',
    ],
    [
      'overlong User',
      q({ ...base, User: 'a'.repeat(QUERY_LIMITS.maxUser + 1) }),
      V14,
      'EAS_ERR_QUERY_INVALID',
      'User',
    ],
    [
      'overlong ItemId',
      q({ ...base, ItemId: 'a'.repeat(QUERY_LIMITS.maxParamValue + 1) }),
      V14,
      'EAS_ERR_QUERY_INVALID',
      'ItemId',
    ],
    ['Cmd with a digit', q({ ...base, Cmd: 'Sync2' }), V14, 'EAS_ERR_QUERY_COMMAND', 'Cmd'],
    [
      'overlong Cmd',
      q({ ...base, Cmd: 'A'.repeat(QUERY_LIMITS.maxCommand + 1) }),
      V14,
      'EAS_ERR_QUERY_COMMAND',
      'Cmd',
    ],
    ['SaveInSent not T/F', q({ ...base, SaveInSent: 'yes' }), V14, 'EAS_ERR_QUERY_INVALID', 'SaveInSent'],
    [
      'policy key with a control char',
      q(base),
      { ...V14, 'x-ms-policykey': '12\u00013' },
      'EAS_ERR_QUERY_POLICY_KEY',
      null,
    ],
    [
      'overlong policy key',
      q(base),
      { ...V14, 'x-ms-policykey': '1'.repeat(65) },
      'EAS_ERR_QUERY_POLICY_KEY',
      null,
    ],
  ];
  for (const [name, query, headers, code, field] of cases) {
    it(`refuses: ${name}`, () => void fails(parseEasQuery(query, headers), code, field ?? undefined));
  }
});

describe('parseEasQuery: base64 form', () => {
  it('reads the policy key little-endian, options flags and every parameter tag', () => {
    const tail = [
      ...[0, 3, ...ascii('a.b')],
      ...[1, 1, ...ascii('5')],
      ...[3, 4, ...ascii('5:12')],
      ...[4, 2, ...ascii('RL')],
      ...[6, 8, ...ascii('20260101')],
      ...[7, 1, 0x03],
      ...[8, 5, ...ascii('ana@x')],
    ];
    const q = ok(parseEasQuery(b64(bytes({ cmd: 2, pk: [0x04, 0x03, 0x02, 0x01], tail })), {}));
    assert.equal(q.cmd, 'SmartForward');
    assert.equal(q.policyKey, String(0x01020304));
    assert.equal(q.user, 'ana@x');
    assert.deepEqual(q.params, {
      AttachmentName: 'a.b',
      CollectionId: '5',
      ItemId: '5:12',
      LongId: 'RL',
      Occurrence: '20260101',
      SaveInSent: 'T',
      AcceptMultiPart: 'T',
    });
  });

  it('reads the largest policy key and reports only set Options flags', () => {
    const q = ok(parseEasQuery(b64(bytes({ pk: [0xff, 0xff, 0xff, 0xff], tail: [7, 1, 0x00] })), {}));
    assert.equal(q.policyKey, '4294967295');
    assert.deepEqual(q.params, {});
  });

  it('maps every command code and version byte', () => {
    for (const [name, code] of Object.entries(COMMAND_CODES)) {
      assert.equal(ok(parseEasQuery(b64(bytes({ cmd: code })), {})).cmd, name);
    }
    for (const [byte, v] of [
      [121, '12.1'],
      [140, '14.0'],
      [141, '14.1'],
      [160, '16.0'],
      [161, '16.1'],
    ] as const) {
      assert.equal(ok(parseEasQuery(b64(bytes({ v: byte })), {})).protocolVersion, v);
    }
  });

  it('turns a binary (GUID) device id into lower-case hex', () => {
    const guid = [
      0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
    ];
    assert.equal(
      ok(parseEasQuery(b64(bytes({ id: guid })), {})).deviceId,
      '00112233445566778899aabbccddeeff',
    );
  });

  it('accepts percent-encoded and unpadded base64', () => {
    for (const id of ['DEV1', 'DEV12', 'DEV123']) {
      const padded = b64(bytes({ id: ascii(id) }));
      assert.equal(ok(parseEasQuery(padded, {})).deviceId, id);
      assert.equal(ok(parseEasQuery(padded.replace(/=+$/, ''), {})).deviceId, id);
      assert.equal(ok(parseEasQuery(encodeURIComponent(padded), {})).deviceId, id);
    }
  });

  it('uses X-MS-PolicyKey / MS-ASAcceptMultiPart only as a fallback, and ignores MS-ASProtocolVersion', () => {
    const noKey = ok(
      parseEasQuery(b64(bytes()), { 'x-ms-policykey': '77', 'ms-asacceptmultipart': 'T', ...V14 }),
    );
    assert.equal(noKey.policyKey, '77');
    assert.equal(noKey.params.AcceptMultiPart, 'T');
    assert.equal(noKey.protocolVersion, '14.1');
    const withKey = ok(parseEasQuery(b64(bytes({ pk: [1, 0, 0, 0] })), { 'x-ms-policykey': '77' }));
    assert.equal(withKey.policyKey, '1');
  });

  const cases: [string, string, QueryErrorCode, string | null][] = [
    ['invalid base64 characters', 'jAAJ!Ap2', 'EAS_ERR_QUERY_BASE64', null],
    [
      'base64url alphabet',
      b64(bytes({ id: [0xfb, 0xff] }))
        .replace(/\+/g, '-')
        .replace(/\//g, '_'),
      'EAS_ERR_QUERY_BASE64',
      null,
    ],
    ['impossible base64 length', 'jAAJB', 'EAS_ERR_QUERY_BASE64', null],
    ['bad percent-encoding', 'jA%ZZ', 'EAS_ERR_QUERY_ENCODING', null],
    ['version 2.5 byte', b64(bytes({ v: 25 })), 'EAS_ERR_QUERY_VERSION', 'ProtocolVersion'],
    ['version 12.0 byte', b64(bytes({ v: 120 })), 'EAS_ERR_QUERY_VERSION', 'ProtocolVersion'],
    ['version 0', b64(bytes({ v: 0 })), 'EAS_ERR_QUERY_VERSION', 'ProtocolVersion'],
    ['zero-length device id', b64(bytes({ id: [] })), 'EAS_ERR_QUERY_INVALID', 'DeviceId'],
    ['zero-length device type', b64(bytes({ type: [] })), 'EAS_ERR_QUERY_INVALID', 'DeviceType'],
    [
      'control char in device type',
      b64(bytes({ type: [0x41, 0x0a] })),
      'EAS_ERR_QUERY_INVALID',
      'DeviceType',
    ],
    [
      'device id over the bound',
      b64(bytes({ id: Array(QUERY_LIMITS.maxDeviceId + 1).fill(0x41) })),
      'EAS_ERR_QUERY_INVALID',
      'DeviceId',
    ],
    [
      'binary device id over the bound',
      b64(bytes({ id: Array(65).fill(0) })),
      'EAS_ERR_QUERY_INVALID',
      'DeviceId',
    ],
    [
      'device id length beyond the data',
      b64([141, 0, 9, 4, 200, ...ascii('DEV1')]),
      'EAS_ERR_QUERY_TRUNCATED',
      'DeviceId',
    ],
    [
      'device type length beyond the data',
      b64([141, 0, 9, 4, 1, 0x41, 0, 9, 0x41]),
      'EAS_ERR_QUERY_TRUNCATED',
      'DeviceType',
    ],
    [
      'parameter length beyond the data',
      b64(bytes({ tail: [3, 10, 0x41] })),
      'EAS_ERR_QUERY_TRUNCATED',
      'ItemId',
    ],
    ['parameter without a length', b64(bytes({ tail: [3] })), 'EAS_ERR_QUERY_TRUNCATED', 'ItemId length'],
    [
      'duplicate parameter tag',
      b64(bytes({ tail: [3, 1, 0x41, 3, 1, 0x42] })),
      'EAS_ERR_QUERY_DUPLICATE',
      'ItemId',
    ],
    ['duplicate User tag', b64(bytes({ tail: [8, 1, 0x41, 8, 1, 0x42] })), 'EAS_ERR_QUERY_DUPLICATE', 'User'],
    ['unused tag 2', b64(bytes({ tail: [2, 1, 0x41] })), 'EAS_ERR_QUERY_PARAM', 'ParameterTag'],
    ['unused tag 5', b64(bytes({ tail: [5, 1, 0x41] })), 'EAS_ERR_QUERY_PARAM', 'ParameterTag'],
    ['unknown tag 9', b64(bytes({ tail: [9, 1, 0x41] })), 'EAS_ERR_QUERY_PARAM', 'ParameterTag'],
    ['Options of 2 bytes', b64(bytes({ tail: [7, 2, 1, 0] })), 'EAS_ERR_QUERY_PARAM', 'Options'],
    ['zero-length parameter', b64(bytes({ tail: [1, 0] })), 'EAS_ERR_QUERY_INVALID', 'CollectionId'],
    ['User not UTF-8', b64(bytes({ tail: [8, 2, 0xc3, 0x28] })), 'EAS_ERR_QUERY_ENCODING', 'User'],
    [
      'control char in a parameter',
      b64(bytes({ tail: [3, 2, 0x41, 0x00] })),
      'EAS_ERR_QUERY_INVALID',
      'ItemId',
    ],
    ['invalid header policy key as fallback', b64(bytes()), 'EAS_ERR_QUERY_POLICY_KEY', 'X-MS-PolicyKey'],
  ];
  for (const [name, query, code, field] of cases) {
    it(`refuses: ${name}`, () => {
      const headers = name.startsWith('invalid header') ? { 'x-ms-policykey': 'a\u0007' } : {};
      fails(parseEasQuery(query, headers), code, field ?? undefined);
    });
  }

  for (const code of [5, 6, 7, 8, 24, 99, 255]) {
    it(`refuses unknown command code ${code}`, () =>
      void fails(parseEasQuery(b64(bytes({ cmd: code })), {}), 'EAS_ERR_QUERY_COMMAND'));
  }
  for (const len of [1, 2, 3, 5, 8, 255]) {
    it(`refuses policy key length ${len}`, () => {
      const data = bytes({ pk: Array(len).fill(1) });
      fails(parseEasQuery(b64(data), {}), 'EAS_ERR_QUERY_POLICY_KEY', 'PolicyKey');
    });
  }

  it('refuses the query truncated at every byte, except at parameter boundaries', () => {
    const tail = [...[3, 2, ...ascii('17')], ...[7, 1, 1], ...[8, 3, ...ascii('ana')]];
    const full = bytes({ cmd: 3, pk: [1, 2, 3, 4], tail });
    const headerEnd = full.length - tail.length;
    const boundaries = new Set([headerEnd, headerEnd + 4, headerEnd + 7]);
    for (let i = 0; i < full.length; i++) {
      const r = parseEasQuery(b64(full.slice(0, i)), {});
      if (i === 0) fails(r, 'EAS_ERR_QUERY_EMPTY');
      else if (boundaries.has(i)) ok(r);
      else fails(r, 'EAS_ERR_QUERY_TRUNCATED');
    }
    assert.equal(ok(parseEasQuery(b64(full), {})).user, 'ana');
  });
});

/** Deterministic PRNG (mulberry32) so a failing fuzz case can be replayed. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('parseEasQuery: fuzz', () => {
  const isResult = (r: unknown) =>
    r instanceof QueryError || (typeof r === 'object' && r !== null && (r as ParsedQuery).form !== undefined);

  it('never throws on random bytes as base64', () => {
    const rand = rng(1);
    for (let n = 0; n < 20000; n++) {
      const len = Math.floor(rand() * 64);
      const buf = Buffer.alloc(len);
      for (let i = 0; i < len; i++) buf[i] = Math.floor(rand() * 256);
      // Bias the first bytes toward valid versions/commands so the fuzz reaches deeper fields.
      if (len > 1 && rand() < 0.7) buf[0] = [121, 140, 141, 160, 161][n % 5] as number;
      if (len > 2 && rand() < 0.7) buf[1] = n % 24;
      assert.ok(isResult(parseEasQuery(buf.toString('base64'), {})));
    }
  });

  it('never throws on bit-flipped spec vectors', () => {
    const rand = rng(2);
    const valid = Buffer.from(bytes({ pk: [1, 2, 3, 4], tail: [3, 2, 0x31, 0x37, 7, 1, 1, 8, 1, 0x61] }));
    for (let n = 0; n < 20000; n++) {
      const b = Buffer.from(valid);
      for (let k = 0; k < 1 + Math.floor(rand() * 3); k++) {
        const at = Math.floor(rand() * b.length);
        b[at] = (b[at] as number) ^ (1 << Math.floor(rand() * 8));
      }
      const cut = rand() < 0.3 ? Math.floor(rand() * b.length) : b.length;
      assert.ok(isResult(parseEasQuery(b.subarray(0, cut).toString('base64'), {})));
    }
  });

  it('never throws on random query strings', () => {
    const rand = rng(3);
    const alphabet = 'CmdUserDeviceIdType=&%+/0123456789abcdefABCDEF\u0000\u00e9\ud800 ?#;=';
    for (let n = 0; n < 20000; n++) {
      let s = '';
      const len = Math.floor(rand() * 80);
      for (let i = 0; i < len; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
      assert.ok(isResult(parseEasQuery(s, { 'ms-asprotocolversion': rand() < 0.5 ? '14.1' : 'x' })));
    }
  });
});

describe('formatPlainQuery / formatBase64Query', () => {
  const ids = ['ApplF4GXYZ12', 'androidc1234567890abcdef', 'a-b_c.d', 'X'];
  const users = ['ana', 'CONTOSO\\ana', 'ana+tag@example.com', 'José Müller', 'a&b=c%d'];
  const cmds = Object.keys(COMMAND_CODES);

  it('round-trips through parseEasQuery (plain)', () => {
    const rand = rng(4);
    for (let n = 0; n < 500; n++) {
      const pick = <T>(a: readonly T[]) => a[Math.floor(rand() * a.length)] as T;
      const params: Record<string, string> = {};
      if (rand() < 0.5) params.ItemId = pick(['5:12', 'a b&c', 'ü=1']);
      if (rand() < 0.5) params.SaveInSent = pick(['T', 'F']);
      if (rand() < 0.3) params.AttachmentName = pick(['5:3:1', 'file name.pdf']);
      const input = { cmd: pick(cmds), user: pick(users), deviceId: pick(ids), deviceType: 'iPhone', params };
      const protocolVersion = pick(PROTOCOL_VERSIONS);
      const policyKey = rand() < 0.5 ? null : String(Math.floor(rand() * 2 ** 32));
      const headers = Object.fromEntries(
        Object.entries(plainQueryHeaders({ protocolVersion, policyKey })).map(([k, v]) => [
          k.toLowerCase(),
          v,
        ]),
      );
      const q = ok(parseEasQuery(formatPlainQuery(input), headers));
      assert.deepEqual(q, { form: 'plain', ...input, protocolVersion, policyKey, locale: null });
    }
  });

  it('round-trips through parseEasQuery (base64)', () => {
    const rand = rng(5);
    for (let n = 0; n < 500; n++) {
      const pick = <T>(a: readonly T[]) => a[Math.floor(rand() * a.length)] as T;
      const params: Record<string, string> = {};
      if (rand() < 0.5) params.CollectionId = pick(['5', '7:1']);
      if (rand() < 0.5) params.SaveInSent = 'T';
      if (rand() < 0.5) params.AcceptMultiPart = 'T';
      if (rand() < 0.3) params.LongId = 'RgAAAAD';
      const input = {
        cmd: pick(cmds),
        user: rand() < 0.5 ? null : pick(users),
        deviceId: pick(ids),
        deviceType: pick(['SmartPhone', 'iPhone', 'Android']),
        protocolVersion: pick(PROTOCOL_VERSIONS),
        policyKey: rand() < 0.5 ? null : String(Math.floor(rand() * 2 ** 32)),
        locale: Math.floor(rand() * 0x10000),
        params,
      };
      const q = ok(parseEasQuery(formatBase64Query(input), {}));
      assert.deepEqual(q, { form: 'base64', ...input });
    }
  });

  it('writes the plain form in canonical order and headers with exact names', () => {
    assert.equal(
      formatPlainQuery({
        cmd: 'SendMail',
        user: 'a@b',
        deviceId: 'D1',
        deviceType: 'T',
        params: { SaveInSent: 'T', ItemId: '1' },
      }),
      'Cmd=SendMail&User=a%40b&DeviceId=D1&DeviceType=T&ItemId=1&SaveInSent=T',
    );
    assert.deepEqual(plainQueryHeaders({ protocolVersion: '16.1', policyKey: '5', acceptMultiPart: true }), {
      'MS-ASProtocolVersion': '16.1',
      'X-MS-PolicyKey': '5',
      'MS-ASAcceptMultiPart': 'T',
    });
  });

  it('throws RangeError on input the server would refuse', () => {
    const base = { cmd: 'Sync', user: 'u', deviceId: 'd', deviceType: 't' };
    const b = { ...base, protocolVersion: '14.1' as const };
    assert.throws(() => formatPlainQuery({ ...base, cmd: 'Sync2' }), RangeError);
    assert.throws(() => formatPlainQuery({ ...base, deviceId: 'a b' }), RangeError);
    assert.throws(() => formatPlainQuery({ ...base, params: { AcceptMultiPart: 'T' } }), RangeError);
    assert.throws(() => formatPlainQuery({ ...base, params: { Bogus: '1' } }), RangeError);
    assert.throws(() => formatPlainQuery({ ...base, params: { SaveInSent: 'yes' } }), RangeError);
    assert.throws(() => formatBase64Query({ ...b, cmd: 'GetHierarchy' }), RangeError);
    assert.throws(() => formatBase64Query({ ...b, policyKey: 'abc' }), RangeError);
    assert.throws(() => formatBase64Query({ ...b, policyKey: '4294967296' }), RangeError);
    assert.throws(() => formatBase64Query({ ...b, locale: 70000 }), RangeError);
    assert.throws(() => formatBase64Query({ ...b, params: { ItemId: 'x'.repeat(256) } }), RangeError);
    assert.throws(() => formatBase64Query({ ...b, protocolVersion: '2.5' as never }), RangeError);
  });
});
