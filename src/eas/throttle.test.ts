import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createThrottle } from './throttle.js';
import type { ThrottleDecision } from './throttle.js';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms), set: (ms: number) => void (now = ms) };
}
function granted(d: ThrottleDecision): () => void {
  assert.ok(d.ok, `expected a grant, got ${JSON.stringify(d)}`);
  return d.release;
}

describe('createThrottle', () => {
  it('allows a burst, then refuses with a Retry-After from the refill rate', () => {
    const c = clock();
    const t = createThrottle({ ratePerSecond: 0.5, burst: 3, maxConcurrent: 10, clock: c.now });
    for (let i = 0; i < 3; i++) granted(t.acquire('dev'))();
    const d = t.acquire('dev');
    assert.deepEqual(d, { ok: false, reason: 'rate', retryAfterSeconds: 2 });
    c.advance(1000); // half a token
    assert.deepEqual(t.acquire('dev'), { ok: false, reason: 'rate', retryAfterSeconds: 1 });
    c.advance(1000);
    granted(t.acquire('dev'))();
  });

  it('refills to the burst size and no further', () => {
    const c = clock();
    const t = createThrottle({ ratePerSecond: 10, burst: 2, maxConcurrent: 10, clock: c.now });
    c.advance(3_600_000);
    granted(t.acquire('k'))();
    granted(t.acquire('k'))();
    assert.equal(t.acquire('k').ok, false);
  });

  it('keeps keys apart', () => {
    const t = createThrottle({ ratePerSecond: 1, burst: 1, maxConcurrent: 1, clock: clock().now });
    granted(t.acquire('a'));
    granted(t.acquire('b'));
    assert.equal(t.acquire('a').ok, false);
  });

  it('caps requests in flight per key; release frees the slot exactly once', () => {
    const c = clock();
    const t = createThrottle({
      ratePerSecond: 100,
      burst: 100,
      maxConcurrent: 2,
      concurrencyRetryAfterSeconds: 7,
      clock: c.now,
    });
    const r1 = granted(t.acquire('dev'));
    const r2 = granted(t.acquire('dev'));
    assert.deepEqual(t.acquire('dev'), { ok: false, reason: 'concurrency', retryAfterSeconds: 7 });
    r1();
    r1(); // a second release must not free another slot
    const r3 = granted(t.acquire('dev'));
    assert.equal(t.acquire('dev').ok, false);
    r2();
    r3();
  });

  it('a refused request takes no token', () => {
    const c = clock();
    const t = createThrottle({ ratePerSecond: 1, burst: 1, maxConcurrent: 1, clock: c.now });
    const held = granted(t.acquire('k'));
    c.advance(1000);
    assert.equal(t.acquire('k').ok, false); // concurrency
    held();
    granted(t.acquire('k'))();
  });

  it('survives a clock that steps backwards', () => {
    const c = clock();
    const t = createThrottle({ ratePerSecond: 1, burst: 1, maxConcurrent: 5, clock: c.now });
    granted(t.acquire('k'))();
    c.advance(-60_000);
    assert.equal(t.acquire('k').ok, false);
    c.advance(61_000);
    granted(t.acquire('k'))();
  });

  it('bounds the number of tracked keys, dropping idle ones but never keys in flight', () => {
    const c = clock();
    const t = createThrottle({ ratePerSecond: 1, burst: 1, maxConcurrent: 1, maxKeys: 3, clock: c.now });
    const hold = granted(t.acquire('busy'));
    for (let i = 0; i < 50; i++) granted(t.acquire(`k${i}`))();
    assert.ok(t.size <= 3, `size ${t.size}`);
    assert.equal(t.acquire('busy').ok, false, 'the in-flight key is still tracked');
    hold();
  });

  it('rejects nonsensical options', () => {
    assert.throws(() => createThrottle({ ratePerSecond: 0, burst: 1, maxConcurrent: 1 }), RangeError);
    assert.throws(() => createThrottle({ ratePerSecond: 1, burst: 0, maxConcurrent: 1 }), RangeError);
    assert.throws(() => createThrottle({ ratePerSecond: 1, burst: 1, maxConcurrent: 0 }), RangeError);
  });
});
