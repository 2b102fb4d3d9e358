import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FailureLimiter } from './rate-limit.js';

describe('FailureLimiter', () => {
  const setup = (maxKeys?: number) => {
    let now = 0;
    const limiter = new FailureLimiter({
      max: 2,
      windowMs: 60_000,
      clock: () => new Date(now),
      ...(maxKeys ? { maxKeys } : {}),
    });
    return { limiter, advance: (ms: number) => (now += ms) };
  };

  it('refuses after max failures until the window ends, per key', () => {
    const { limiter, advance } = setup();
    assert.equal(limiter.retryAfter('a'), 0);
    limiter.fail('a');
    assert.equal(limiter.retryAfter('a'), 0);
    limiter.fail('a');
    assert.equal(limiter.retryAfter('a'), 60);
    assert.equal(limiter.retryAfter('b'), 0);
    advance(45_500);
    assert.equal(limiter.retryAfter('a'), 15);
    advance(14_500);
    assert.equal(limiter.retryAfter('a'), 0);
  });

  it('stays bounded under a flood of addresses', () => {
    const { limiter } = setup(100);
    for (let i = 0; i < 1000; i++) {
      limiter.fail(`10.0.${i >> 8}.${i & 255}`);
      limiter.fail(`10.0.${i >> 8}.${i & 255}`);
    }
    // The most recent addresses are still tracked; the oldest were dropped.
    assert.equal(limiter.retryAfter('10.0.3.231'), 60);
    assert.equal(limiter.retryAfter('10.0.0.0'), 0);
    assert.ok((limiter as unknown as { entries: Map<string, unknown> }).entries.size <= 100);
  });
});
