import { test } from 'node:test';
import assert from 'node:assert/strict';
import { effectiveFilter, parseFilterType, windowStart } from './filter.js';

const NOW = new Date('2024-03-31T12:00:00Z');

test('FilterType windows: days, then calendar months; 0 is everything', () => {
  const days = (f: number) => (NOW.getTime() - (windowStart(f as 1, NOW) as Date).getTime()) / 86_400_000;
  assert.deepEqual([1, 2, 3, 4].map(days), [1, 3, 7, 14]);
  assert.equal(windowStart(5, NOW)?.toISOString(), '2024-03-02T12:00:00.000Z');
  assert.equal(windowStart(6, NOW)?.toISOString(), '2023-12-31T12:00:00.000Z');
  assert.equal(windowStart(0, NOW), null);
});

test('the policy narrows the window, never widens it', () => {
  assert.equal(effectiveFilter(5, 3), 3, 'a month asked, a week allowed');
  assert.equal(effectiveFilter(2, 3), 2);
  assert.equal(effectiveFilter(0, 3), 3, 'all asked, the maximum given');
  assert.equal(effectiveFilter(null, 4), 4);
  assert.equal(effectiveFilter(null, 0), 0);
  assert.equal(effectiveFilter(7, 0), 7);
});

test('FilterType parsing: 0-7 for email, anything else is not one', () => {
  assert.equal(parseFilterType('3'), 3);
  for (const bad of ['8', '-1', '', 'x', '33', null]) assert.equal(parseFilterType(bad), null, String(bad));
});
