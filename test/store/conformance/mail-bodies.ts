// Conformance group: MailStore kept bodies (getMailBodies, putMailBodies, addMailMessage `bodies`):
// returned as given, kept by a move, gone with a delete, scoped to the user.
import assert from 'node:assert/strict';
import type { StoreTest } from './index.js';
import { addMessage, folder, mailUser } from './mail-helpers.js';

const BODIES = { text: 'Grüße,\r\nline two\n', html: '<p>Grüße — <b>bold</b> 😀</p>' };

export function mailBodyTests(storeTest: StoreTest): void {
  storeTest('bodies given to addMailMessage read back exactly, nulls included', async (store) => {
    const userId = await mailUser(store);
    const f = await folder(store, userId);
    const a = await addMessage(store, userId, f.id, { bodies: BODIES });
    const b = await addMessage(store, userId, f.id, { bodies: { text: null, html: '<i>only</i>' } });
    const c = await addMessage(store, userId, f.id, { bodies: { text: '', html: null } });
    const big = { text: 'x'.repeat(1_500_000), html: null };
    const d = await addMessage(store, userId, f.id, { bodies: big });
    assert.deepEqual(await store.getMailBodies(userId, f.id, a.id), BODIES);
    assert.deepEqual(await store.getMailBodies(userId, f.id, b.id), { text: null, html: '<i>only</i>' });
    assert.deepEqual(await store.getMailBodies(userId, f.id, c.id), { text: '', html: null });
    assert.deepEqual(await store.getMailBodies(userId, f.id, d.id), big);
  });

  storeTest('no bodies kept, or a missing message, folder or user: null', async (store) => {
    const userId = await mailUser(store);
    const other = await mailUser(store);
    const f = await folder(store, userId);
    const none = await addMessage(store, userId, f.id);
    const nulled = await addMessage(store, userId, f.id, { bodies: null });
    const kept = await addMessage(store, userId, f.id, { bodies: BODIES });
    assert.equal(await store.getMailBodies(userId, f.id, none.id), null);
    assert.equal(await store.getMailBodies(userId, f.id, nulled.id), null);
    assert.equal(await store.getMailBodies(userId, f.id, 999), null);
    assert.equal(await store.getMailBodies(userId, f.id, -1), null);
    assert.equal(await store.getMailBodies(userId, f.id, 1.5), null);
    assert.equal(await store.getMailBodies(userId, 'no-such-folder', kept.id), null);
    assert.equal(await store.getMailBodies(other, f.id, kept.id), null, "another user's message");
  });

  storeTest('putMailBodies fills in and replaces; false for what is missing', async (store) => {
    const userId = await mailUser(store);
    const other = await mailUser(store);
    const f = await folder(store, userId);
    const m = await addMessage(store, userId, f.id);
    assert.equal(await store.putMailBodies(userId, f.id, m.id, BODIES), true);
    assert.deepEqual(await store.getMailBodies(userId, f.id, m.id), BODIES);
    assert.equal(await store.putMailBodies(userId, f.id, m.id, BODIES), true, 'idempotent');
    const replaced = { text: null, html: '<p>new</p>' };
    assert.equal(await store.putMailBodies(userId, f.id, m.id, replaced), true);
    assert.deepEqual(await store.getMailBodies(userId, f.id, m.id), replaced);
    assert.equal(await store.putMailBodies(userId, f.id, 999, BODIES), false);
    assert.equal(await store.putMailBodies(userId, 'no-such-folder', m.id, BODIES), false);
    assert.equal(await store.putMailBodies(other, f.id, m.id, BODIES), false, "another user's message");
    assert.deepEqual(await store.getMailBodies(userId, f.id, m.id), replaced);
  });

  storeTest('a move keeps the bodies; a delete removes them', async (store) => {
    const userId = await mailUser(store);
    const a = await folder(store, userId);
    const b = await folder(store, userId);
    const m = await addMessage(store, userId, a.id, { bodies: BODIES });
    const moved = await store.moveMailMessages(userId, a.id, [m.id], b.id);
    const newId = moved?.get(m.id);
    assert.ok(newId !== undefined);
    assert.equal(await store.getMailBodies(userId, a.id, m.id), null);
    assert.deepEqual(await store.getMailBodies(userId, b.id, newId), BODIES);
    assert.equal(await store.putMailBodies(userId, a.id, m.id, BODIES), false, 'the old id is gone');
    await store.deleteMailMessages(userId, b.id, [newId]);
    assert.equal(await store.getMailBodies(userId, b.id, newId), null);
    assert.equal(await store.putMailBodies(userId, b.id, newId, BODIES), false);
    // A new message with a reused id would show if the row outlived its content.
    const again = await addMessage(store, userId, b.id);
    assert.equal(await store.getMailBodies(userId, b.id, again.id), null);
  });

  storeTest('U+0000 in bodies is refused; in ids it finds nothing', async (store) => {
    const userId = await mailUser(store);
    const f = await folder(store, userId);
    const m = await addMessage(store, userId, f.id);
    const nul = { text: 'a\u0000b', html: null };
    await assert.rejects(addMessage(store, userId, f.id, { bodies: nul }), TypeError);
    await assert.rejects(store.putMailBodies(userId, f.id, m.id, nul), TypeError);
    assert.equal(await store.getMailBodies(userId, 'f\u0000', m.id), null);
    assert.equal(await store.putMailBodies(userId, 'f\u0000', m.id, { text: 'x', html: null }), false);
    assert.equal(await store.getMailBodies(userId, f.id, m.id), null);
  });
}
