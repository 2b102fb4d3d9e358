// The per-collection Sync engine over the memory mail backend and an in-memory state store:
// priming, paging, retries with the previous key, client changes, ClientId dedupe, conflicts,
// filter windows and the read-only quarantine view.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createQuarantineView } from '../../mail/quarantine-view.js';
import { child, childText, children, el, isElement } from '../../wbxml/index.js';
import type { WbxmlElement } from '../../wbxml/types.js';
import type { Budget, SyncEnv } from './collection.js';
import { estimateCollection, newBudget, syncCollection } from './collection.js';
import { currentHierarchy, emptyHierarchy } from './folder-map.js';
import type { ClientCommand, CollectionOptions, CollectionRequest } from './sync-request.js';
import { MemorySyncStates, TEST_USER, syncFixture } from './test-support.js';

interface Outcome {
  status: number;
  syncKey: string;
  more: boolean;
  adds: Array<{ serverId: string; subject: string | null; read: string | null }>;
  changes: Array<{ serverId: string; read: string | null }>;
  deletes: string[];
  softDeletes: string[];
  responses: WbxmlElement[];
}

function read(e: WbxmlElement | null): Outcome | null {
  if (!e) return null;
  const t = (x: WbxmlElement | null, tag: string) => childText(x, tag, 'AirSync');
  const out: Outcome = {
    status: Number(t(e, 'Status')),
    syncKey: t(e, 'SyncKey') ?? '',
    more: child(e, 'MoreAvailable') !== null,
    adds: [],
    changes: [],
    deletes: [],
    softDeletes: [],
    responses: children(child(e, 'Responses')),
  };
  for (const c of child(e, 'Commands')?.children ?? []) {
    if (!isElement(c)) continue;
    const sid = t(c, 'ServerId') ?? '';
    const data = child(c, 'ApplicationData');
    if (c.tag === 'Add')
      out.adds.push({
        serverId: sid,
        subject: childText(data, 'Subject', 'Email'),
        read: childText(data, 'Read', 'Email'),
      });
    if (c.tag === 'Change') out.changes.push({ serverId: sid, read: childText(data, 'Read', 'Email') });
    if (c.tag === 'Delete') out.deletes.push(sid);
    if (c.tag === 'SoftDelete') out.softDeletes.push(sid);
  }
  return out;
}

function request(
  collectionId: string,
  syncKey: string,
  o: Partial<CollectionRequest> = {},
): CollectionRequest {
  return {
    syncKey,
    collectionId,
    getChanges: null,
    deletesAsMoves: null,
    windowSize: null,
    options: null,
    commands: [],
    ...o,
  };
}

async function run(
  env: SyncEnv,
  c: CollectionRequest,
  budget: Budget = newBudget(null),
): Promise<Outcome | null> {
  return read(await syncCollection(env, c, budget));
}

async function primed(env: SyncEnv, collectionId: string): Promise<string> {
  const r = await run(env, request(collectionId, '0'));
  assert.equal(r?.status, 1);
  return r.syncKey;
}

const readChange = (serverId: string, value: 0 | 1): ClientCommand => ({
  kind: 'change',
  serverId,
  data: el('AirSync', 'ApplicationData', el('Email', 'Read', value)),
});

test('priming returns a key and no items; a duplicate initial Sync gets the same key (iOS)', async () => {
  const fx = await syncFixture();
  await fx.deliver('one');
  const inbox = fx.collectionOf('inbox');
  const first = await run(fx.env, request(inbox, '0'));
  assert.equal(first?.status, 1);
  assert.deepEqual(first?.adds, []);
  const dup = await run(fx.env, request(inbox, '0'));
  assert.equal(dup?.syncKey, first?.syncKey);
  const next = await run(fx.env, request(inbox, first?.syncKey ?? ''));
  assert.deepEqual(
    next?.adds.map((a) => a.subject),
    ['one'],
  );
});

test('initial download with WindowSize pages newest first and sends every message exactly once', async () => {
  const fx = await syncFixture();
  for (let i = 0; i < 23; i++)
    await fx.deliver(`m${i}`, { receivedAt: new Date(Date.UTC(2024, 1, 1, 0, i)) });
  const inbox = fx.collectionOf('inbox');
  let key = await primed(fx.env, inbox);
  const seen: string[] = [];
  const ids = new Set<string>();
  for (let page = 0; page < 10; page++) {
    const r = await run(fx.env, request(inbox, key, { windowSize: 5 }));
    assert.ok(r);
    key = r.syncKey;
    for (const a of r.adds) {
      seen.push(a.subject ?? '');
      ids.add(a.serverId);
    }
    assert.ok(r.adds.length <= 5);
    if (!r.more) break;
  }
  assert.equal(seen.length, 23);
  assert.equal(new Set(seen).size, 23);
  assert.equal(ids.size, 23);
  assert.deepEqual(seen.slice(0, 3), ['m22', 'm21', 'm20'], 'newest first');
  assert.equal(await run(fx.env, request(inbox, key)), null, 'nothing left: the collection is left out');
});

test('the global WindowSize is shared by the collections of one request', async () => {
  const fx = await syncFixture();
  for (let i = 0; i < 4; i++) await fx.deliver(`m${i}`);
  const sentId = await fx.session.appendMessage(fx.folderIdOf('sent'), Buffer.from('Subject: s\r\n\r\nx'));
  assert.ok(sentId);
  const inbox = fx.collectionOf('inbox');
  const sent = fx.collectionOf('sent');
  const k1 = await primed(fx.env, inbox);
  const k2 = await primed(fx.env, sent);
  const budget = newBudget(3);
  const a = await run(fx.env, request(inbox, k1), budget);
  const b = await run(fx.env, request(sent, k2), budget);
  assert.equal(a?.adds.length, 3);
  assert.equal(a?.more, true);
  assert.equal(b?.adds.length, 0);
  assert.equal(b?.more, true, 'no room left: MoreAvailable, nothing lost');
});

test('a retry with the previous key gives the same items with the same ServerIds and applies nothing twice', async () => {
  const fx = await syncFixture();
  await fx.deliver('a');
  await fx.deliver('b');
  const inbox = fx.collectionOf('inbox');
  const k0 = await primed(fx.env, inbox);
  const first = await run(fx.env, request(inbox, k0));
  assert.ok(first);
  const k1 = first.syncKey;
  const target = first.adds[0]?.serverId ?? '';
  // The device marks one read and deletes the other; the response is lost.
  const cmds: ClientCommand[] = [
    readChange(target, 1),
    { kind: 'delete', serverId: first.adds[1]?.serverId ?? '' },
  ];
  const lost = await run(fx.env, request(inbox, k1, { commands: cmds }));
  assert.equal(lost?.status, 1);
  await fx.deliver('c'); // new mail arrives meanwhile
  const retry = await run(fx.env, request(inbox, k1, { commands: cmds }));
  assert.equal(retry?.status, 1);
  assert.notEqual(retry?.syncKey, lost?.syncKey, 'a fresh key, never the lost one');
  assert.deepEqual(
    retry?.adds.map((x) => x.subject),
    ['c'],
  );
  assert.deepEqual(retry?.changes, [], 'the client change is not echoed back');
  assert.equal(retry?.adds[0]?.serverId, lost?.adds[0]?.serverId ?? retry?.adds[0]?.serverId);
  // The mailbox: one message moved to Deleted Items once, one read.
  const trash = (await fx.session.listMessages(fx.folderIdOf('deleted'))).entries;
  assert.equal(trash.length, 1);
  const left = (await fx.session.listMessages(fx.folderIdOf('inbox'))).entries;
  assert.equal(left.length, 2);
  assert.equal(left.filter((e) => e.flags.read).length, 1);
  // The lost key is dead now; the new one works.
  assert.equal((await run(fx.env, request(inbox, lost?.syncKey ?? '')))?.status, 3);
  assert.equal(await run(fx.env, request(inbox, retry?.syncKey ?? '')), null);
});

test('a retry after a lost download response resends the same ServerIds', async () => {
  const fx = await syncFixture();
  for (let i = 0; i < 3; i++) await fx.deliver(`m${i}`, { receivedAt: new Date(Date.UTC(2024, 1, 1, i)) });
  const inbox = fx.collectionOf('inbox');
  const k0 = await primed(fx.env, inbox);
  const lost = await run(fx.env, request(inbox, k0));
  await fx.deliver('newer');
  const retry = await run(fx.env, request(inbox, k0));
  const ids = new Map(lost?.adds.map((a) => [a.subject, a.serverId]));
  for (const a of retry?.adds ?? [])
    if (ids.has(a.subject)) assert.equal(a.serverId, ids.get(a.subject), String(a.subject));
  assert.equal(retry?.adds.length, 4);
});

test('server changes: new mail is an Add, flags a Change, removal a Delete', async () => {
  const fx = await syncFixture();
  const id = await fx.deliver('x');
  const inbox = fx.collectionOf('inbox');
  let key = (await run(fx.env, request(inbox, await primed(fx.env, inbox))))?.syncKey ?? '';
  await fx.session.setFlags(fx.folderIdOf('inbox'), [id], { read: true });
  await fx.deliver('y');
  let r = await run(fx.env, request(inbox, key));
  assert.deepEqual(
    r?.changes.map((c) => c.read),
    ['1'],
  );
  assert.deepEqual(
    r?.adds.map((a) => a.subject),
    ['y'],
  );
  key = r?.syncKey ?? '';
  await fx.session.deleteMessages(fx.folderIdOf('inbox'), [id]);
  r = await run(fx.env, request(inbox, key));
  assert.equal(r?.deletes.length, 1);
  assert.deepEqual(r?.adds, []);
});

test('conflict: server wins by default (status 7, the server value is sent); client wins with Conflict 0', async () => {
  const fx = await syncFixture();
  const id = await fx.deliver('x');
  const inbox = fx.collectionOf('inbox');
  const first = await run(fx.env, request(inbox, await primed(fx.env, inbox)));
  const sid = first?.adds[0]?.serverId ?? '';
  await fx.session.setFlags(fx.folderIdOf('inbox'), [id], { read: true });
  const r = await run(fx.env, request(inbox, first?.syncKey ?? '', { commands: [readChange(sid, 0)] }));
  const resp = r?.responses[0];
  assert.equal(childText(resp, 'Status', 'AirSync'), '7');
  assert.deepEqual(r?.changes, [{ serverId: sid, read: '1' }]);
  await fx.session.setFlags(fx.folderIdOf('inbox'), [id], { read: false });
  const options: CollectionOptions = {
    filterType: null,
    conflict: 0,
    body: { prefs: [], mimeSupport: null, mimeTruncation: null },
  };
  const won = await run(
    fx.env,
    request(inbox, r?.syncKey ?? '', { options, commands: [readChange(sid, 1)] }),
  );
  assert.equal(won?.status, 1);
  assert.equal((await fx.session.listMessages(fx.folderIdOf('inbox'))).entries[0]?.flags.read, true);
});

test('client items: unknown ServerIds are 8 for Change and Fetch, ignored for Delete; Fetch sends the whole item', async () => {
  const fx = await syncFixture();
  await fx.deliver('x', { body: 'y'.repeat(3000) });
  const inbox = fx.collectionOf('inbox');
  const first = await run(fx.env, request(inbox, await primed(fx.env, inbox)));
  const sid = first?.adds[0]?.serverId ?? '';
  const r = await syncCollection(
    fx.env,
    request(inbox, first?.syncKey ?? '', {
      options: {
        filterType: null,
        conflict: null,
        body: {
          prefs: [{ type: 1, truncationSize: 10, allOrNone: false, preview: null }],
          mimeSupport: null,
          mimeTruncation: null,
        },
      },
      commands: [
        readChange(`${inbox}:99`, 1),
        { kind: 'delete', serverId: `${inbox}:98` },
        { kind: 'fetch', serverId: `${inbox}:97` },
        { kind: 'fetch', serverId: sid },
      ],
    }),
    newBudget(null),
  );
  const responses = children(child(r, 'Responses'));
  assert.deepEqual(
    responses.map((x) => [x.tag, childText(x, 'Status', 'AirSync')]),
    [
      ['Change', '8'],
      ['Fetch', '8'],
      ['Fetch', '1'],
    ],
  );
  const data = child(child(responses[2] ?? null, 'ApplicationData'), 'Body', 'AirSyncBase');
  assert.ok((childText(data, 'Data', 'AirSyncBase') ?? '').length >= 3000, 'Fetch ignores TruncationSize');
});

test('client Adds go to Drafts on 16.x, are deduplicated by ClientId, and are refused elsewhere', async () => {
  const fx = await syncFixture({ version: '16.1' });
  const drafts = fx.collectionOf('drafts');
  const draft = (clientId: string): ClientCommand => ({
    kind: 'add',
    clientId,
    data: el(
      'AirSync',
      'ApplicationData',
      el('Email', 'To', 'Bob <bob@example.net>\r\nBcc: evil@example.net'),
      el('Email', 'Subject', 'Draft\r\nX-Injected: 1'),
      el('AirSyncBase', 'Body', el('AirSyncBase', 'Type', 1), el('AirSyncBase', 'Data', 'Hello')),
    ),
  });
  const k0 = await primed(fx.env, drafts);
  const first = await run(fx.env, request(drafts, k0, { commands: [draft('c-1')] }));
  const add = first?.responses[0];
  assert.equal(childText(add, 'Status', 'AirSync'), '1');
  const sid = childText(add, 'ServerId', 'AirSync');
  assert.match(sid ?? '', new RegExp(`^${drafts}:\\d+$`));
  assert.deepEqual(first?.adds, [], 'the new draft is not sent back');
  // The response is lost; the device sends the same Add with the old key.
  const retry = await run(fx.env, request(drafts, k0, { commands: [draft('c-1')] }));
  assert.equal(childText(retry?.responses[0], 'ServerId', 'AirSync'), sid);
  assert.deepEqual(retry?.adds, []);
  const entries = (await fx.session.listMessages(fx.folderIdOf('drafts'))).entries;
  assert.equal(entries.length, 1, 'one draft, not two');
  const [h] = await fx.session.getHeaders(fx.folderIdOf('drafts'), [entries[0]?.id ?? '']);
  assert.equal(h?.subject, 'Draft X-Injected: 1', 'device text never becomes a header');
  // Elsewhere (or before 16.0) a client Add is refused per item.
  const inbox = fx.collectionOf('inbox');
  const no = await run(fx.env, request(inbox, await primed(fx.env, inbox), { commands: [draft('c-2')] }));
  assert.equal(childText(no?.responses[0], 'Status', 'AirSync'), '6');
});

test('a narrower filter soft-deletes what aged out; deleted mail is a Delete', async () => {
  const now = new Date('2024-03-01T12:00:00Z');
  const fx = await syncFixture({ now });
  await fx.deliver('today', { receivedAt: new Date(now.getTime() - 3_600_000) });
  await fx.deliver('old', { receivedAt: new Date(now.getTime() - 10 * 86_400_000) });
  const inbox = fx.collectionOf('inbox');
  const all = await run(fx.env, request(inbox, await primed(fx.env, inbox)));
  assert.equal(all?.adds.length, 2);
  const week: CollectionOptions = {
    filterType: 3,
    conflict: null,
    body: { prefs: [], mimeSupport: null, mimeTruncation: null },
  };
  const r = await run(fx.env, request(inbox, all?.syncKey ?? '', { options: week }));
  assert.deepEqual(r?.softDeletes.length, 1);
  assert.deepEqual(r?.deletes, []);
  // The policy clamps a device asking for everything.
  const clamped = await syncFixture({ now, policy: { MaxEmailAgeFilter: 1 } });
  await clamped.deliver('today', { receivedAt: new Date(now.getTime() - 3_600_000) });
  await clamped.deliver('old', { receivedAt: new Date(now.getTime() - 3 * 86_400_000) });
  const ci = clamped.collectionOf('inbox');
  const got = await run(clamped.env, request(ci, await primed(clamped.env, ci)));
  assert.deepEqual(
    got?.adds.map((a) => a.subject),
    ['today'],
  );
});

test('bad keys are 3 (key 0 to restart), unknown collections 12, GetChanges 0 sends nothing', async () => {
  const fx = await syncFixture();
  await fx.deliver('x');
  const inbox = fx.collectionOf('inbox');
  const bad = await run(fx.env, request(inbox, '{deadbeef}7'));
  assert.deepEqual([bad?.status, bad?.syncKey], [3, '0']);
  assert.equal((await run(fx.env, request('999', '0')))?.status, 12);
  const k = await primed(fx.env, inbox);
  assert.equal(await run(fx.env, request(inbox, k, { getChanges: false })), null);
  const noHierarchy = { ...fx.env, hierarchy: null };
  assert.equal((await run(noHierarchy, request(inbox, k)))?.status, 12);
});

test('GetItemEstimate counts what the next Sync would send', async () => {
  const fx = await syncFixture();
  for (let i = 0; i < 3; i++) await fx.deliver(`m${i}`);
  const inbox = fx.collectionOf('inbox');
  assert.deepEqual(await estimateCollection(fx.env, inbox, '0', null), { status: 'notPrimed' });
  assert.deepEqual(await estimateCollection(fx.env, '999', '0', null), { status: 'unknown' });
  const k = await primed(fx.env, inbox);
  assert.deepEqual(await estimateCollection(fx.env, inbox, k, null), { estimate: 3 });
  assert.deepEqual(await estimateCollection(fx.env, inbox, '{00000000}9', null), { status: 'badKey' });
  const r = await run(fx.env, request(inbox, k, { windowSize: 2 }));
  assert.deepEqual(await estimateCollection(fx.env, inbox, r?.syncKey ?? '', null), { estimate: 1 });
});

test('the quarantine view: only the notice; a Change is dropped silently, a Delete brings it back', async () => {
  const now = new Date('2024-03-01T12:00:00Z');
  const view = await createQuarantineView({
    user: TEST_USER,
    device: { id: 'dev1', deviceId: 'ABC', deviceType: 'iPhone', model: 'iPhone14C2', quarantinedAt: now },
    userMailInsert: 'Call 555-0100',
    now,
  });
  const folders = await view.listFolders();
  const h = currentHierarchy(emptyHierarchy(), folders);
  const env: SyncEnv = {
    ...(await syncFixture({ now })).env,
    states: new MemorySyncStates(),
    mailbox: view,
    folders,
    hierarchy: { next: h.next, ids: h.ids, folders: h.folders },
  };
  const inbox = h.ids.get(folders.find((f) => f.role === 'inbox')?.id ?? '') ?? '';
  const first = await run(env, request(inbox, await primed(env, inbox)));
  assert.deepEqual(
    first?.adds.map((a) => a.subject),
    ['Your device is quarantined'],
  );
  const sid = first?.adds[0]?.serverId ?? '';
  const changed = await run(env, request(inbox, first?.syncKey ?? '', { commands: [readChange(sid, 1)] }));
  assert.equal(changed?.status, 1);
  assert.deepEqual(changed?.responses, [], 'no error for the device');
  assert.deepEqual(changed?.changes, [], 'and nothing echoed back');
  const deleted = await run(
    env,
    request(inbox, changed?.syncKey ?? '', { commands: [{ kind: 'delete', serverId: sid }] }),
  );
  assert.deepEqual(
    deleted?.adds.map((a) => [a.serverId, a.subject]),
    [[sid, 'Your device is quarantined']],
  );
});
