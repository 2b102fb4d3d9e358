import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_POLICY_OPTIONS, DEFAULT_POLICY_SETTINGS } from './defaults.js';
import { emailDomain, resolvePolicy, type ResolvePolicyInput } from './resolve.js';
import type { Policy } from './types.js';

const policy = (id: string, isDefault = false): Policy => ({
  id,
  name: id,
  isDefault,
  settings: DEFAULT_POLICY_SETTINGS,
  options: DEFAULT_POLICY_OPTIONS,
  revision: 1,
  createdAt: new Date(0),
  updatedAt: new Date(0),
});

const DEFAULT = policy('default', true);
const STRICT = policy('strict');
const SALES = policy('sales');
const POLICIES = new Map([STRICT, SALES, DEFAULT].map((p) => [p.id, p]));
const DOMAINS = new Map([
  ['example.com', 'sales'],
  ['gone.example', 'deleted-policy'],
]);

const input = (over: Partial<ResolvePolicyInput>): ResolvePolicyInput => ({
  userPolicyId: null,
  email: 'alice@example.com',
  domainAssignments: DOMAINS,
  policiesById: POLICIES,
  defaultPolicy: DEFAULT,
  ...over,
});

describe('resolvePolicy', () => {
  // [label, input overrides, expected policy id, expected source, expected dangling]
  const CASES: Array<[string, Partial<ResolvePolicyInput>, string, string, ResolvedDangling]> = [
    ['user assignment beats domain', { userPolicyId: 'strict' }, 'strict', 'user', []],
    ['domain when no user assignment', {}, 'sales', 'domain', []],
    ['domain is matched case-insensitively', { email: 'Alice@EXAMPLE.Com' }, 'sales', 'domain', []],
    ['default when the domain has no assignment', { email: 'bob@other.org' }, 'default', 'default', []],
    ['subdomains do not inherit', { email: 'carol@eu.example.com' }, 'default', 'default', []],
    ['default when there is no e-mail', { email: null }, 'default', 'default', []],
    ['default for a bare user name', { email: 'alice' }, 'default', 'default', []],
    [
      'dangling user id falls through to the domain',
      { userPolicyId: 'deleted' },
      'sales',
      'domain',
      [{ source: 'user', policyId: 'deleted' }],
    ],
    [
      'dangling domain id falls through to the default',
      { email: 'dave@gone.example' },
      'default',
      'default',
      [{ source: 'domain', policyId: 'deleted-policy' }],
    ],
    [
      'both dangling: default, both reported',
      { userPolicyId: 'deleted', email: 'dave@gone.example' },
      'default',
      'default',
      [
        { source: 'user', policyId: 'deleted' },
        { source: 'domain', policyId: 'deleted-policy' },
      ],
    ],
    [
      'user may be assigned the default policy explicitly',
      { userPolicyId: 'default' },
      'default',
      'user',
      [],
    ],
  ];
  for (const [label, over, id, source, dangling] of CASES) {
    it(label, () => {
      const result = resolvePolicy(input(over));
      assert.equal(result.policy.id, id);
      assert.equal(result.source, source);
      assert.deepEqual(result.dangling, dangling);
    });
  }

  it('accepts lookup functions instead of maps', () => {
    const asked: string[] = [];
    const result = resolvePolicy(
      input({
        userPolicyId: 'nope',
        domainAssignments: (d) => (asked.push(d), d === 'example.com' ? 'strict' : null),
        policiesById: (id) => (id === 'strict' ? STRICT : undefined),
      }),
    );
    assert.equal(result.policy, STRICT);
    assert.equal(result.source, 'domain');
    assert.deepEqual(asked, ['example.com']);
  });

  it('does not look up the domain when the user assignment resolves', () => {
    const result = resolvePolicy(
      input({
        userPolicyId: 'strict',
        domainAssignments: () => assert.fail('domain looked up'),
      }),
    );
    assert.equal(result.source, 'user');
  });
});

type ResolvedDangling = Array<{ source: 'user' | 'domain'; policyId: string }>;

describe('emailDomain', () => {
  const CASES: Array<[string | null, string | null]> = [
    ['alice@example.com', 'example.com'],
    ['Alice@Example.COM', 'example.com'],
    ['"odd@name"@example.com', 'example.com'],
    ['alice@', null],
    ['alice', null],
    ['DOMAIN\\alice', null],
    ['', null],
    [null, null],
  ];
  for (const [email, expected] of CASES) {
    it(`${JSON.stringify(email)} -> ${JSON.stringify(expected)}`, () => {
      assert.equal(emailDomain(email), expected);
    });
  }
});
