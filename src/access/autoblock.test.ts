import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_AUTOBLOCK, createAutoblockTracker } from './autoblock.js';
import type { AutoblockSettings } from './types.js';

const START = Date.parse('2025-03-01T00:00:00Z');
const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;

function fakeClock() {
  let t = START;
  return { clock: () => new Date(t), advance: (ms: number) => (t += ms), now: () => t };
}

const off = { enabled: false, limit: 1, windowSeconds: 60, blockSeconds: 60 };
const only = (over: Partial<AutoblockSettings>): AutoblockSettings => ({
  commandFrequency: off,
  userAgentChanges: off,
  syncCommands: off,
  ...over,
});

test('defaults: [MS-ASHTTP] 3.2.5.1.1 user-agent churn, 2 changes per 24 h, 14 h block', () => {
  assert.deepEqual(DEFAULT_AUTOBLOCK.userAgentChanges, {
    enabled: true,
    limit: 2,
    windowSeconds: 86_400,
    blockSeconds: 14 * 3600,
  });
});

test('UserAgentsChanges: the third change inside 24 h blocks for 14 h', () => {
  const c = fakeClock();
  const t = createAutoblockTracker({ clock: c.clock });
  const req = (ua: string | null) => t.recordRequest('u1:D1', { cmd: 'FolderSync', userAgent: ua });
  // 1. First sighting and repeats are not changes; a request without a User-Agent is ignored.
  assert.equal(req('Apple-iPhone/1.0'), null);
  assert.equal(req('Apple-iPhone/1.0'), null);
  assert.equal(req(null), null);
  // 2. Two changes are allowed (an OS update, then the app's own update).
  c.advance(HOUR);
  assert.equal(req('Apple-iPhone/1.1'), null);
  c.advance(HOUR);
  assert.equal(req('Apple-iPhone/1.0'), null);
  // 3. The third change crosses the limit.
  c.advance(HOUR);
  const hit = req('Apple-iPhone/1.1');
  assert.deepEqual(hit, { reason: 'UserAgentsChanges', until: new Date(c.now() + 14 * HOUR) });
  assert.deepEqual(t.activeBlock('u1:D1'), hit);
  // 4. During the block requests are not counted and return null (the caller enforces the stored block).
  assert.equal(req('Apple-iPhone/9'), null);
  // 5. After the block the counters start afresh.
  c.advance(14 * HOUR);
  assert.equal(t.activeBlock('u1:D1'), null);
  assert.equal(req('Apple-iPhone/1.0'), null);
  assert.equal(req('Apple-iPhone/1.1'), null);
  assert.equal(req('Apple-iPhone/1.0')?.reason, 'UserAgentsChanges');
});

test('UserAgentsChanges: the window slides, so changes a day apart never block', () => {
  const c = fakeClock();
  const t = createAutoblockTracker({ clock: c.clock });
  for (let i = 0; i < 20; i++) {
    assert.equal(t.recordRequest('k', { cmd: 'Sync', userAgent: `UA/${i}` }), null, `change ${i}`);
    c.advance(12 * HOUR + 1);
  }
});

test('CommandFrequency: more than `limit` identical commands inside the window', () => {
  const c = fakeClock();
  const settings = only({
    commandFrequency: { enabled: true, limit: 5, windowSeconds: 60, blockSeconds: 300 },
  });
  const t = createAutoblockTracker({ clock: c.clock, settings });
  const same = { cmd: 'Sync', bodyDigest: 'aaa', userAgent: 'UA/1' };
  for (let i = 0; i < 5; i++) {
    assert.equal(t.recordRequest('k', same), null);
    c.advance(SEC);
  }
  // Other bodies, an untracked body and Ping (exempt) do not count towards "identical".
  assert.equal(t.recordRequest('k', { ...same, bodyDigest: 'bbb' }), null);
  assert.equal(t.recordRequest('k', { cmd: 'Sync', userAgent: 'UA/1' }), null);
  for (let i = 0; i < 50; i++) assert.equal(t.recordRequest('k', { ...same, cmd: 'Ping' }), null);
  // Another device is counted on its own.
  assert.equal(t.recordRequest('other', same), null);
  const hit = t.recordRequest('k', same);
  assert.equal(hit?.reason, 'CommandFrequency');
  assert.equal(hit?.until.getTime(), c.now() + 300 * SEC);
});

test('CommandFrequency: spaced out identical requests (Sync+Wait polling) never block', () => {
  const c = fakeClock();
  const t = createAutoblockTracker({ clock: c.clock });
  for (let i = 0; i < 2_000; i++) {
    assert.equal(t.recordRequest('k', { cmd: 'Sync', bodyDigest: 'same', userAgent: 'UA/1' }), null);
    c.advance(MIN);
  }
});

test('CommandFrequency: a sync loop with the defaults blocks within the window', () => {
  const c = fakeClock();
  const t = createAutoblockTracker({ clock: c.clock });
  let hit = null;
  let n = 0;
  while (!hit && n < 1_000) {
    hit = t.recordRequest('k', { cmd: 'Sync', bodyDigest: 'loop', userAgent: 'UA/1' });
    n++;
    c.advance(2 * SEC);
  }
  assert.equal(hit?.reason, 'CommandFrequency');
  assert.equal(n, 101);
});

test('SyncCommands: bucketed window for large limits, sliding and expiring', () => {
  const c = fakeClock();
  const settings = only({
    syncCommands: { enabled: true, limit: 120, windowSeconds: 120, blockSeconds: 60 },
  });
  const t = createAutoblockTracker({ clock: c.clock, settings });
  const sync = () => t.recordRequest('k', { cmd: 'Sync', userAgent: null });
  // 1. One Sync a second is exactly the limit over any 120 s: never more than 120 inside the window.
  for (let i = 0; i < 600; i++) {
    assert.equal(sync(), null, `sync ${i}`);
    c.advance(SEC);
  }
  // 2. Other commands do not count.
  for (let i = 0; i < 500; i++) assert.equal(t.recordRequest('k', { cmd: 'Ping', userAgent: null }), null);
  // 3. A burst pushes it over.
  let hit = null;
  for (let i = 0; i < 200 && !hit; i++) hit = sync();
  assert.equal(hit?.reason, 'SyncCommands');
  // 4. The block expires after blockSeconds and counting restarts from zero.
  c.advance(60 * SEC);
  for (let i = 0; i < 120; i++) assert.equal(sync(), null);
  assert.equal(sync()?.reason, 'SyncCommands');
});

test('disabled rules and non-positive limits never block', () => {
  const c = fakeClock();
  const settings = only({ syncCommands: { enabled: true, limit: 0, windowSeconds: 60, blockSeconds: 60 } });
  const t = createAutoblockTracker({ clock: c.clock, settings });
  for (let i = 0; i < 1_000; i++) {
    assert.equal(t.recordRequest('k', { cmd: 'Sync', bodyDigest: 'x', userAgent: `UA/${i}` }), null);
  }
});

test('memory: idle devices are evicted, and the key cap drops the least recently seen', () => {
  const c = fakeClock();
  const t = createAutoblockTracker({ clock: c.clock, maxDevices: 100 });
  for (let i = 0; i < 50; i++) t.recordRequest(`old-${i}`, { cmd: 'Sync', userAgent: 'UA/1' });
  assert.equal(t.size, 50);
  // 1. Idle for longer than the longest window (24 h): swept when a new device arrives.
  c.advance(24 * HOUR + 1);
  t.recordRequest('fresh', { cmd: 'Sync', userAgent: 'UA/1' });
  assert.equal(t.size, 1);
  // 2. The cap: 1,000 devices in quick succession keep at most 100, the most recent ones.
  for (let i = 0; i < 1_000; i++) t.recordRequest(`d-${i}`, { cmd: 'Sync', userAgent: 'UA/1' });
  assert.equal(t.size, 100);
  // d-999 is still tracked (its earlier UA counts), d-0 is gone (a change there is a first sighting).
  t.recordRequest('d-999', { cmd: 'Sync', userAgent: 'UA/2' });
  t.recordRequest('d-999', { cmd: 'Sync', userAgent: 'UA/3' });
  assert.equal(t.recordRequest('d-999', { cmd: 'Sync', userAgent: 'UA/4' })?.reason, 'UserAgentsChanges');
  t.forget('d-999');
  assert.equal(t.activeBlock('d-999'), null);
  // 3. An explicit sweep once everything is idle.
  c.advance(25 * HOUR);
  assert.equal(t.sweep(), 99);
  assert.equal(t.size, 0);
});

test('a blocked device is kept until its block ends, even when idle', () => {
  const c = fakeClock();
  const settings = only({
    userAgentChanges: { enabled: true, limit: 1, windowSeconds: 60, blockSeconds: 3600 },
  });
  const t = createAutoblockTracker({ clock: c.clock, settings });
  t.recordRequest('k', { cmd: 'Sync', userAgent: 'A' });
  t.recordRequest('k', { cmd: 'Sync', userAgent: 'B' });
  assert.equal(t.recordRequest('k', { cmd: 'Sync', userAgent: 'A' })?.reason, 'UserAgentsChanges');
  c.advance(2 * MIN);
  assert.equal(t.sweep(), 0);
  assert.ok(t.activeBlock('k'));
  c.advance(HOUR);
  assert.equal(t.sweep(), 1);
});

test('hostile keys and user agents do not throw; a long UA repeated is not a change', () => {
  const t = createAutoblockTracker();
  const long = 'UA/' + 'x'.repeat(10_240);
  for (let i = 0; i < 10; i++) assert.equal(t.recordRequest('long', { cmd: 'Sync', userAgent: long }), null);
  for (const s of ['x'.repeat(10_240), '\u0000', '\u202e', '🙂', '\ud800']) {
    assert.equal(t.recordRequest(s, { cmd: s, bodyDigest: s, userAgent: s }), null);
  }
});
