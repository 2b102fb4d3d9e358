// Resend detection for SendMail, SmartReply and SmartForward ([MS-ASCMD] 2.2.2 status 118
// MessagePreviouslySent: "the server remembers recent ClientIds"). A ClientId is remembered per
// device once its message went out, in the device's sync states (so it survives restarts and
// other server processes). While a message is still being sent, a second request with the same
// ClientId (a phone retrying after a timeout) waits for the first and gets 118 if it succeeded.
import type { SyncStateStore } from '../../../store/sync-state.js';

/** Row of the device's sync states holding the recent ClientIds (not a folder). */
export const COMPOSE_CLIENT_IDS_STATE = 'compose-client-ids';

/** ClientIds remembered per device: a phone's outbox retries its last few messages, not hundreds. */
export const MAX_CLIENT_IDS = 200;

interface Stored {
  v: 1;
  ids: Array<[string, number]>;
}

function parse(json: string | null): Stored {
  try {
    const s = JSON.parse(json ?? '') as Stored;
    if (s?.v === 1 && Array.isArray(s.ids)) {
      return { v: 1, ids: s.ids.filter((x) => Array.isArray(x) && typeof x[0] === 'string') };
    }
  } catch {
    // A state we did not write counts as none.
  }
  return { v: 1, ids: [] };
}

export async function wasSent(states: SyncStateStore, deviceId: string, clientId: string): Promise<boolean> {
  const row = await states.getSyncState(deviceId, COMPOSE_CLIENT_IDS_STATE);
  return parse(row?.data ?? null).ids.some(([id]) => id === clientId);
}

/** Records a ClientId as sent; a concurrent writer is retried over, never overwritten. */
export async function rememberSent(
  states: SyncStateStore,
  deviceId: string,
  clientId: string,
  now: Date,
): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const row = await states.getSyncState(deviceId, COMPOSE_CLIENT_IDS_STATE);
    const s = parse(row?.data ?? null);
    if (s.ids.some(([id]) => id === clientId)) return;
    s.ids.push([clientId, now.getTime()]);
    if (s.ids.length > MAX_CLIENT_IDS) s.ids.splice(0, s.ids.length - MAX_CLIENT_IDS);
    const ok = await states.putSyncState(
      {
        deviceId,
        collectionId: COMPOSE_CLIENT_IDS_STATE,
        syncKey: String((Number(row?.syncKey) || 0) + 1),
        data: JSON.stringify(s),
        previousSyncKey: null,
        previousData: null,
        updatedAt: now,
      },
      row?.syncKey ?? null,
    );
    if (ok) return;
  }
  throw new Error('compose: could not record the ClientId');
}

/** Sends in flight in this process, by device and ClientId. */
const inFlight = new Map<string, Promise<'sent' | 'duplicate'>>();

/**
 * Runs `send` once per (device, ClientId): 'duplicate' when it already ran successfully (now or
 * earlier), 'sent' when this call sent. A failed send is not remembered: the device may retry.
 * Recording happens after the send: a crash in between means a resend, never a lost message.
 */
export async function sendOnce(
  states: SyncStateStore,
  deviceId: string,
  clientId: string,
  now: () => Date,
  send: () => Promise<void>,
  onRecordError: (err: unknown) => void,
): Promise<'sent' | 'duplicate'> {
  const key = `${deviceId}\n${clientId}`;
  let failed: Promise<unknown> | null = null;
  for (;;) {
    const running = inFlight.get(key);
    if (!running || running === failed) break;
    try {
      await running;
      return 'duplicate';
    } catch {
      // The first attempt failed: this request tries for itself.
      failed = running;
    }
  }
  const attempt = (async (): Promise<'sent' | 'duplicate'> => {
    if (await wasSent(states, deviceId, clientId)) return 'duplicate';
    await send();
    try {
      await rememberSent(states, deviceId, clientId, now());
    } catch (err) {
      onRecordError(err);
    }
    return 'sent';
  })();
  inFlight.set(key, attempt);
  try {
    return await attempt;
  } finally {
    if (inFlight.get(key) === attempt) inFlight.delete(key);
  }
}
