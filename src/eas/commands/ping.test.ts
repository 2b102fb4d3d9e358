import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import type { Device } from '../../devices/types.js';
import { DEFAULT_POLICY_SETTINGS } from '../../policy/defaults.js';
import { DEFAULT_PUSH_LIMITS, PushHub } from '../../push/hub.js';
import type { PushLimits } from '../../push/hub.js';
import { child, childText, children, decodeWbxml, el, text } from '../../wbxml/index.js';
import type { WbxmlElement } from '../../wbxml/types.js';
import type { CommandContext } from '../context.js';
import { EasStatusError } from '../errors.js';
import { serializeCollection } from '../sync/item-state.js';
import { SYNC_REQUEST_STATE } from '../sync/state-store.js';
import { syncFixture } from '../sync/test-support.js';
import type { EasResponse, ProtocolVersion } from '../types.js';
import {
  PING_STATE,
  PingSyntaxError,
  parseCachedPing,
  parsePingRequest,
  pingCommand,
  planPing,
  serializeCachedPing,
} from './ping.js';

const p = (tag: string, ...c: Array<WbxmlElement | string | Uint8Array>) => el('Ping', tag, ...c);
const folder = (id: string, cls = 'Email') => p('Folder', p('Id', id), p('Class', cls));
const ping = (heartbeat: string | null, ...folders: WbxmlElement[]) =>
  p(
    'Ping',
    ...(heartbeat === null ? [] : [p('HeartbeatInterval', heartbeat)]),
    ...(folders.length ? [p('Folders', ...folders)] : []),
  );

function parsed(res: EasResponse): {
  status: number;
  folders: string[];
  heartbeat: string | null;
  maxFolders: string | null;
} {
  const body = res.body as WbxmlElement;
  assert.equal(res.httpStatus, 200);
  assert.equal(body.ns, 'Ping');
  assert.equal(body.tag, 'Ping');
  return {
    status: Number(childText(body, 'Status', 'Ping')),
    folders: children(child(body, 'Folders', 'Ping'), 'Folder', 'Ping').map((f) => text(f)),
    heartbeat: childText(body, 'HeartbeatInterval', 'Ping'),
    maxFolders: childText(body, 'MaxFolders', 'Ping'),
  };
}

/** A device 'dev1' with a synced hierarchy, a memory mailbox, a hub fed by it, and a ping(). */
async function setup(o: { limits?: Partial<PushLimits>; version?: ProtocolVersion } = {}) {
  const f = await syncFixture();
  const hub = new PushHub({ limits: { minHeartbeatSeconds: 1, maxHeartbeatSeconds: 60, ...o.limits } });
  f.backend.onChange((e) => hub.publish(e));
  const patches: Array<Partial<Device>> = [];
  const device = { id: 'dev1', lastPingHeartbeat: null, accessState: 'Allowed' } as unknown as Device;
  const store = Object.assign(f.states, {
    async patchDevice(_id: string, patch: Partial<Device>) {
      patches.push(patch);
      Object.assign(device, patch);
      return device;
    },
  });
  const log = pino({ level: 'silent' });
  const inbox = f.collectionOf('inbox');
  const run = (body: WbxmlElement | null, raw?: Buffer) =>
    pingCommand.handle({
      svc: { store, push: hub, clock: () => f.env.now, log },
      req: { protocolVersion: o.version ?? '16.1', body: raw ?? Buffer.alloc(body ? 1 : 0) },
      user: { id: 'u1' },
      device,
      policy: { settings: DEFAULT_POLICY_SETTINGS },
      body,
      log,
      mailbox: async () => f.session,
    } as unknown as CommandContext);
  /** The device has been sent exactly these messages of the Inbox. */
  const deviceHas = async (ids: string[]) => {
    const row = await f.states.getSyncState('dev1', inbox);
    await f.states.putSyncState(
      {
        deviceId: 'dev1',
        collectionId: inbox,
        syncKey: `{00000000}${Number(row?.syncKey.slice(10) ?? 0) + 1}`,
        data: serializeCollection({
          folderId: f.folderIdOf('inbox'),
          next: ids.length + 1,
          ids: new Map(ids.map((id, i) => [id, i + 1])),
          items: new Map(ids.map((id) => [id, 0])),
          clients: [],
        }),
        previousSyncKey: null,
        previousData: null,
        updatedAt: f.env.now,
      },
      row?.syncKey ?? null,
    );
  };
  return { ...f, hub, run, inbox, device, patches, deviceHas };
}

test('parses the spec-shaped request (constructed fixture) and the empty Ping', () => {
  const hex = readFileSync(
    join(import.meta.dirname, '../../../test/fixtures/wbxml/constructed/ping_request.derived.hex'),
    'utf8',
  );
  const body = decodeWbxml(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));
  assert.deepEqual(parsePingRequest(body, '14.1'), {
    heartbeatInterval: 480,
    folders: [{ id: '5', class: 'Email' }],
  });
  assert.deepEqual(parsePingRequest(null, '14.1'), { heartbeatInterval: null, folders: null });
  // [MS-ASCMD] 6.29: xs:all, either order.
  const reversed = p('Ping', p('Folders', folder('7', 'Calendar')), p('HeartbeatInterval', ' 90 '));
  assert.deepEqual(parsePingRequest(reversed, '16.1'), {
    heartbeatInterval: 90,
    folders: [{ id: '7', class: 'Calendar' }],
  });
});

const HOSTILE: Array<[string, WbxmlElement]> = [
  ['wrong root', el('AirSync', 'Sync')],
  ['wrong namespace root', el('Settings', 'Ping')],
  ['unknown child', p('Ping', p('Status', '1'))],
  ['child from another page', p('Ping', el('AirSync', 'HeartbeatInterval', '60'))],
  ['two HeartbeatIntervals', p('Ping', p('HeartbeatInterval', '60'), p('HeartbeatInterval', '90'))],
  ['two Folders', p('Ping', p('Folders', folder('1')), p('Folders', folder('2')))],
  ['letters in HeartbeatInterval', ping('sixty', folder('1'))],
  ['negative HeartbeatInterval', ping('-60', folder('1'))],
  ['fractional HeartbeatInterval', ping('60.5', folder('1'))],
  ['huge HeartbeatInterval', ping('99999999999999999999', folder('1'))],
  ['empty HeartbeatInterval', ping('', folder('1'))],
  ['element inside HeartbeatInterval', p('Ping', p('HeartbeatInterval', p('Id', '60')))],
  ['opaque HeartbeatInterval', p('Ping', p('HeartbeatInterval', new Uint8Array([0x36, 0x30])))],
  ['empty Folders', p('Ping', p('HeartbeatInterval', '60'), p('Folders'))],
  ['Folder without Id', ping('60', p('Folder', p('Class', 'Email')))],
  ['Folder without Class', ping('60', p('Folder', p('Id', '1')))],
  ['two Ids', ping('60', p('Folder', p('Id', '1'), p('Id', '2'), p('Class', 'Email')))],
  ['empty Id', ping('60', folder(''))],
  ['65-character Id', ping('60', folder('x'.repeat(65)))],
  ['unknown Class', ping('60', folder('1', 'Journal'))],
  ['lower-case Class', ping('60', folder('1', 'email'))],
  ['duplicate Id', ping('60', folder('1'), folder('1', 'Calendar'))],
  ['stranger in Folders', ping('60', folder('1'), p('Id', '2'))],
  ['text in Folders', p('Ping', p('Folders', folder('1'), 'junk'))],
  ['opaque in Ping', p('Ping', new Uint8Array([1, 2, 3]))],
  ['deep nesting in Id', ping('60', p('Folder', p('Id', p('Id', p('Id', '1'))), p('Class', 'Email')))],
];

test('hostile bodies are syntax errors: PingSyntaxError from the parser, Status 4 from the command', async () => {
  const s = await setup();
  for (const [name, body] of HOSTILE) {
    assert.throws(() => parsePingRequest(body, '16.1'), PingSyntaxError, name);
    assert.equal(parsed(await s.run(body)).status, 4, name);
  }
  assert.throws(
    () => parsePingRequest(ping('60', folder('1', 'Notes')), '12.1'),
    PingSyntaxError,
    'Notes before 14.0',
  );
  assert.doesNotThrow(() => parsePingRequest(ping('60', folder('1', 'Notes')), '14.0'));
  assert.equal(s.hub.size, 0, 'nothing held');
});

test('random Ping-shaped trees never crash the command', async () => {
  const s = await setup({ limits: { maxFolders: 3 } });
  // mulberry32: a fixed seed, so a failure names a reproducible tree.
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
  const tags = ['Ping', 'HeartbeatInterval', 'Folders', 'Folder', 'Id', 'Class', 'Status', 'MaxFolders'];
  const values = [
    '',
    '0',
    '1',
    '60',
    '-1',
    'Email',
    'Notes',
    '99999999999',
    '1',
    '2',
    'x'.repeat(70),
    '\u0000',
  ];
  const tree = (depth: number): WbxmlElement => {
    const kids: Array<WbxmlElement | string> = [];
    const n = depth > 3 ? 0 : rnd(4);
    for (let i = 0; i < n; i++)
      kids.push(rnd(3) === 0 ? (values[rnd(values.length)] as string) : tree(depth + 1));
    return p(tags[rnd(tags.length)] as string, ...kids);
  };
  const seen = new Map<number, number>();
  const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)] as T;
  // Nearly valid: the right shape with random values, some parts missing or repeated.
  const nearlyValid = (): WbxmlElement => {
    const kids: WbxmlElement[] = [];
    if (rnd(4)) kids.push(p('HeartbeatInterval', pick(values)));
    if (rnd(4)) {
      const folders = Array.from({ length: rnd(7) }, () =>
        p(
          'Folder',
          ...(rnd(8) ? [p('Id', rnd(6) ? String(1 + rnd(9)) : pick(['', 'x'.repeat(65)]))] : []),
          p('Class', pick(['Email', 'Email', 'Email', 'Notes', 'Mail'])),
        ),
      );
      kids.push(p('Folders', ...folders));
    }
    if (!rnd(8)) kids.push(tree(1));
    return p('Ping', ...kids);
  };
  for (let i = 0; i < 400; i++) {
    const body = i % 2 ? nearlyValid() : p('Ping', ...Array.from({ length: rnd(4) }, () => tree(1)));
    // A tree that happens to be valid and names a known folder is held: end such a hold the way a
    // newer Ping of the device would.
    const pending = s.run(body);
    const res = await Promise.race([pending, new Promise<null>((r) => setTimeout(() => r(null), 20))]);
    if (res === null) {
      s.hub.watch({ userId: 'u1', deviceKey: 'ping:dev1', folderIds: [] }).close();
      assert.equal(parsed(await pending).status, 1);
      seen.set(0, (seen.get(0) ?? 0) + 1);
      continue;
    }
    const { status } = parsed(res);
    assert.ok([1, 2, 3, 4, 5, 6, 7].includes(status), `tree ${i}`);
    seen.set(status, (seen.get(status) ?? 0) + 1);
  }
  for (const status of [0, 3, 4, 5, 6, 7]) assert.ok(seen.has(status), `the trees reached status ${status}`);
});

test('bounds: Status 5 carries the limit crossed, Status 6 carries MaxFolders, Status 3 when nothing is cached', () => {
  const limits = { ...DEFAULT_PUSH_LIMITS };
  const one = [{ id: '1', class: 'Email' as const }];
  assert.deepEqual(planPing({ heartbeatInterval: 59, folders: one }, null, limits), {
    ok: false,
    status: 5,
    heartbeatInterval: 60,
  });
  assert.deepEqual(planPing({ heartbeatInterval: 3541, folders: one }, null, limits), {
    ok: false,
    status: 5,
    heartbeatInterval: 3540,
  });
  assert.equal(planPing({ heartbeatInterval: 60, folders: one }, null, limits).ok, true);
  assert.equal(planPing({ heartbeatInterval: 3540, folders: one }, null, limits).ok, true);
  const many = Array.from({ length: 301 }, (_, i) => ({ id: String(i), class: 'Email' as const }));
  assert.deepEqual(planPing({ heartbeatInterval: 60, folders: many }, null, limits), {
    ok: false,
    status: 6,
    maxFolders: 300,
  });
  assert.deepEqual(planPing({ heartbeatInterval: 60, folders: many.slice(0, 300) }, null, limits).ok, true);
  assert.deepEqual(planPing({ heartbeatInterval: null, folders: one }, null, limits), {
    ok: false,
    status: 3,
  });
  assert.deepEqual(planPing({ heartbeatInterval: 60, folders: null }, null, limits), {
    ok: false,
    status: 3,
  });
  assert.deepEqual(
    planPing({ heartbeatInterval: null, folders: null }, { heartbeatInterval: 90, folders: one }, limits),
    {
      ok: true,
      heartbeatSeconds: 90,
      folders: one,
      fromCache: true,
    },
  );
  const mixed = planPing(
    { heartbeatInterval: 120, folders: null },
    { heartbeatInterval: 90, folders: one },
    limits,
  );
  assert.deepEqual(mixed, { ok: true, heartbeatSeconds: 120, folders: one, fromCache: true });
});

test('the command answers 5 and 6 with the limit, in the schema order, and caches nothing', async () => {
  const s = await setup({ limits: { minHeartbeatSeconds: 30, maxHeartbeatSeconds: 600, maxFolders: 2 } });
  assert.deepEqual(parsed(await s.run(ping('29', folder(s.inbox)))), {
    status: 5,
    folders: [],
    heartbeat: '30',
    maxFolders: null,
  });
  assert.deepEqual(parsed(await s.run(ping('601', folder(s.inbox)))), {
    status: 5,
    folders: [],
    heartbeat: '600',
    maxFolders: null,
  });
  const res = await s.run(ping('60', folder('1'), folder('2'), folder('3')));
  assert.deepEqual(parsed(res), { status: 6, folders: [], heartbeat: null, maxFolders: '2' });
  assert.deepEqual(
    (res.body as WbxmlElement).children.map((c) => (c as WbxmlElement).tag),
    ['Status', 'MaxFolders'],
  );
  assert.equal(await s.states.getSyncState('dev1', PING_STATE), null);
  assert.equal(parsed(await s.run(null)).status, 3, 'empty Ping with nothing cached');
  assert.equal(parsed(await s.run(p('Ping'))).status, 3, 'a bare <Ping/> is an empty Ping');
});

test('mail the device has not been sent answers 2 at once; the parameters are cached and reused', async () => {
  const s = await setup();
  await s.deviceHas([]);
  await s.deliver('waiting for you');
  const first = parsed(await s.run(ping('45', folder(s.inbox), folder(s.collectionOf('sent')))));
  assert.deepEqual(first, { status: 2, folders: [s.inbox], heartbeat: null, maxFolders: null });
  assert.deepEqual(parseCachedPing((await s.states.getSyncState('dev1', PING_STATE))?.data ?? null), {
    heartbeatInterval: 45,
    folders: [
      { id: s.inbox, class: 'Email' },
      { id: s.collectionOf('sent'), class: 'Email' },
    ],
  });
  assert.deepEqual(s.patches, [{ lastPingHeartbeat: 45 }], 'LastPingHeartbeat recorded');
  // Empty body, then heartbeat only: the cached folders apply.
  assert.deepEqual(parsed(await s.run(null)).folders, [s.inbox]);
  assert.deepEqual(parsed(await s.run(ping('50'))).folders, [s.inbox]);
  assert.equal(s.device.lastPingHeartbeat, 50);
  assert.equal(s.patches.length, 2, 'written only when it changes');
  assert.equal(s.hub.size, 0);
});

test('held: new mail wakes it with the folder; flag changes and other folders do not', async () => {
  const s = await setup();
  const old = await s.deliver('already synced');
  await s.deviceHas([old]);
  const t0 = Date.now();
  const held = s.run(ping('30', folder(s.inbox)));
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(s.hub.size, 1);
  await s.session.setFlags(s.folderIdOf('inbox'), [old], { read: true });
  await s.session.appendMessage(s.folderIdOf('drafts'), Buffer.from('Subject: draft\r\n\r\nx'));
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(s.hub.size, 1, 'still held');
  await s.deliver('new');
  assert.deepEqual(parsed(await held).folders, [s.inbox]);
  assert.ok(Date.now() - t0 < 2000);
  assert.equal(s.hub.size, 0);
});

test('a folder the device never synced: its mail is not news, an arrival is', async () => {
  const s = await setup();
  await s.deliver('before any Sync');
  const held = s.run(ping('30', folder(s.inbox)));
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(s.hub.size, 1, 'existing mail does not answer');
  await s.deliver('arrived');
  assert.deepEqual(parsed(await held).folders, [s.inbox]);
});

test('the heartbeat ends with 1; mail outside the window the device synced with is not news', async () => {
  const s = await setup();
  await s.deviceHas([]);
  // The device's last Sync asked for one day (FilterType 1); this message is a month old.
  await s.states.putSyncState(
    {
      deviceId: 'dev1',
      collectionId: SYNC_REQUEST_STATE,
      syncKey: '1',
      data: JSON.stringify({
        holdSeconds: null,
        windowSize: null,
        collections: [
          {
            collectionId: s.inbox,
            getChanges: null,
            deletesAsMoves: null,
            windowSize: null,
            options: {
              filterType: 1,
              conflict: null,
              body: { prefs: [], mimeSupport: null, mimeTruncation: null },
            },
          },
        ],
      }),
      previousSyncKey: null,
      previousData: null,
      updatedAt: s.env.now,
    },
    null,
  );
  await s.deliver('old news', { receivedAt: new Date(s.env.now.getTime() - 30 * 86_400_000) });
  const t0 = Date.now();
  assert.equal(parsed(await s.run(ping('1', folder(s.inbox)))).status, 1);
  const took = Date.now() - t0;
  assert.ok(took >= 900 && took < 3000, `held for the heartbeat (${took} ms)`);
});

test('a newer Ping of the device ends the held one with 1 at once', async () => {
  const s = await setup();
  await s.deviceHas([]);
  const first = s.run(ping('30', folder(s.inbox)));
  await new Promise((r) => setTimeout(r, 20));
  const t0 = Date.now();
  const second = s.run(null);
  assert.equal(parsed(await first).status, 1);
  assert.ok(Date.now() - t0 < 1000);
  assert.equal(s.hub.size, 1, 'the newer one is held');
  s.hub.close();
  assert.equal(parsed(await second).status, 1, 'shutdown answers 1');
});

test('unknown folders and hierarchy changes answer 7; a stale cached list is dropped', async () => {
  const s = await setup();
  assert.equal(parsed(await s.run(ping('30', folder('999')))).status, 7);
  assert.equal(await s.states.getSyncState('dev1', PING_STATE), null, 'a refused list is not cached');
  // A cached list naming a folder that is gone from the device's hierarchy.
  await s.states.putSyncState(
    {
      deviceId: 'dev1',
      collectionId: PING_STATE,
      syncKey: '1',
      data: serializeCachedPing({ heartbeatInterval: 30, folders: [{ id: '999', class: 'Email' }] }),
      previousSyncKey: null,
      previousData: null,
      updatedAt: s.env.now,
    },
    null,
  );
  assert.equal(parsed(await s.run(null)).status, 7);
  assert.equal(parsed(await s.run(null)).status, 3, 'the device must send its folders again');
  // The mailbox gained a folder the device was not told about: FolderSync first.
  await s.session.createFolder(null, 'Projects');
  assert.equal(parsed(await s.run(ping('30', folder(s.inbox)))).status, 7);
});

test('a hierarchy change while held answers 7', async () => {
  const s = await setup();
  await s.deviceHas([]);
  const held = s.run(ping('30', folder(s.inbox)));
  await new Promise((r) => setTimeout(r, 20));
  await s.session.createFolder(null, 'Projects');
  assert.equal(parsed(await held).status, 7);
});

test('a body that is not WBXML is InvalidContent (101)', async () => {
  const s = await setup();
  await assert.rejects(
    s.run(null, Buffer.from('Ping please')),
    (err: unknown) => err instanceof EasStatusError && err.status === 101,
  );
});

test('cache documents: round trip, and anything else reads as no cache', () => {
  const c = { heartbeatInterval: 480, folders: [{ id: '5', class: 'Email' as const }] };
  assert.deepEqual(parseCachedPing(serializeCachedPing(c)), c);
  assert.deepEqual(parseCachedPing(serializeCachedPing({ heartbeatInterval: null, folders: null })), {
    heartbeatInterval: null,
    folders: null,
  });
  for (const junk of [
    '',
    '{',
    'null',
    '{"v":2}',
    '{"v":1,"hb":"60","folders":null}',
    '{"v":1,"hb":60,"folders":[["1","Mail"]]}',
  ]) {
    assert.equal(parseCachedPing(junk), null, junk);
  }
});
