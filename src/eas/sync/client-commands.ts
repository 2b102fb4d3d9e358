// Client changes in a Sync request ([MS-ASCMD] 2.2.3.32 Commands: Add, Change, Delete, Fetch),
// applied to the mailbox and to the device's snapshot, with the per-item Responses. Every
// operation is idempotent or deduplicated (ClientId), so a retried request changes nothing twice.
//
// Read-only mailboxes (the quarantine view): a Change is accepted and dropped, leaving the snapshot
// as it was, so nothing is echoed back; a Delete is accepted and the item comes back on the next
// diff (the notice cannot be deleted); an Add is refused with status 6 like any refused item.
import { MailReadOnlyError } from '../../mail/quarantine-view.js';
import type { MailSession, MessageEntry } from '../../mail/types.js';
import { child, childText, el } from '../../wbxml/index.js';
import type { ElChild } from '../../wbxml/index.js';
import type { WbxmlElement } from '../../wbxml/types.js';
import type { BodyChoice } from './body.js';
import { loadBody } from './body.js';
import { draftMime } from './draft.js';
import { emailApplicationData } from './email-data.js';
import type { CollectionData } from './item-state.js';
import {
  FLAGGED,
  MAX_CLIENT_IDS,
  READ,
  flagBits,
  itemIndex,
  numberFor,
  parseServerId,
  serverIdOf,
} from './item-state.js';
import { MAX_ID_LENGTH } from './state-store.js';
import type { ClientCommand } from './sync-request.js';
import { SyncStatus } from './sync-request.js';

export interface ClientCommandInput {
  mailbox: MailSession;
  folderId: string;
  collectionId: string;
  /** The device's snapshot; changed in place. */
  base: CollectionData;
  /** The folder's entries now (within the window), for conflict detection. */
  entries: readonly MessageEntry[];
  commands: readonly ClientCommand[];
  /** 1 = server wins (default), 0 = client wins ([MS-ASCMD] Conflict element). */
  conflict: 0 | 1;
  /** Delete moves to Deleted Items (default for email, [MS-ASCMD] 2.2.3.43 DeletesAsMoves). */
  deletesAsMoves: boolean;
  /** Backend id of Deleted Items, null when the mailbox has none (deletes are then permanent). */
  deletedFolderId: string | null;
  /** Whether client Adds are accepted here: Drafts, 16.0 and later. */
  addsAllowed: boolean;
  bodyChoice: BodyChoice;
  user: { email: string; displayName: string };
  now: Date;
}

export interface ClientCommandResult {
  responses: WbxmlElement[];
  /** The snapshot changed (a new sync key is due). */
  mutated: boolean;
  /** The mailbox changed (list it again before diffing). */
  wrote: boolean;
  /** Rough size of the responses, for the response budget. */
  bytes: number;
}

const a = (tag: string, ...c: ElChild[]) => el('AirSync', tag, ...c);

/** The flag changes a client Change carries: null where it does not touch the property. */
export function parseFlagChange(data: WbxmlElement): { read: boolean | null; flagged: boolean | null } {
  const r = childText(data, 'Read', 'Email');
  const flag = child(data, 'Flag', 'Email');
  // Flag Status: 0 cleared, 1 complete, 2 active ([MS-ASEMAIL] Flag/Status). Only 2 is "flagged";
  // an empty Flag element clears the flag.
  const status = flag ? childText(flag, 'Status', 'Email') : null;
  return {
    read: r === '1' ? true : r === '0' ? false : null,
    flagged: flag ? status === '2' : null,
  };
}

function bitsWith(bits: number, change: { read: boolean | null; flagged: boolean | null }): number {
  let out = bits;
  if (change.read !== null) out = change.read ? out | READ : out & ~READ;
  if (change.flagged !== null) out = change.flagged ? out | FLAGGED : out & ~FLAGGED;
  return out;
}

/**
 * Server wins ([MS-ASCMD] Conflict element): a property the server changed since the device's snapshot
 * and that the client sets to another value is a conflict; the server's value is sent instead.
 */
function conflicts(
  known: number,
  server: number,
  change: { read: boolean | null; flagged: boolean | null },
): boolean {
  const clash = (bit: number, want: boolean | null) =>
    want !== null && (known & bit) !== (server & bit) && ((server & bit) !== 0) !== want;
  return clash(READ, change.read) || clash(FLAGGED, change.flagged);
}

export async function applyClientCommands(i: ClientCommandInput): Promise<ClientCommandResult> {
  const out: ClientCommandResult = { responses: [], mutated: false, wrote: false, bytes: 0 };
  const index = itemIndex(i.base);
  const entries = new Map(i.entries.map((e) => [e.id, e]));
  const backendOf = (serverId: string): string | null => {
    const n = parseServerId(i.collectionId, serverId);
    return n === null ? null : (index.get(n) ?? null);
  };
  for (const cmd of i.commands) {
    switch (cmd.kind) {
      case 'change': {
        const id = backendOf(cmd.serverId);
        if (!id) {
          out.responses.push(
            a('Change', a('ServerId', cmd.serverId), a('Status', SyncStatus.ObjectNotFound)),
          );
          break;
        }
        if (!cmd.data) {
          out.responses.push(a('Change', a('ServerId', cmd.serverId), a('Status', SyncStatus.ProtocolError)));
          break;
        }
        const change = parseFlagChange(cmd.data);
        if (change.read === null && change.flagged === null) break; // nothing we keep (categories...)
        const known = i.base.items.get(id) ?? 0;
        const current = entries.get(id);
        const server = current ? flagBits(current.flags) : known;
        if (i.conflict === 1 && conflicts(known, server, change)) {
          out.responses.push(a('Change', a('ServerId', cmd.serverId), a('Status', SyncStatus.Conflict)));
          break;
        }
        try {
          await i.mailbox.setFlags(i.folderId, [id], {
            ...(change.read === null ? {} : { read: change.read }),
            ...(change.flagged === null ? {} : { flagged: change.flagged }),
          });
          out.wrote = true;
        } catch (err) {
          if (err instanceof MailReadOnlyError) break;
          throw err;
        }
        i.base.items.set(id, bitsWith(known, change));
        out.mutated = true;
        break;
      }
      case 'delete': {
        const id = backendOf(cmd.serverId);
        // Unknown: already gone (a retry, or deleted elsewhere) - the device wanted it gone.
        if (!id) break;
        try {
          if (i.deletesAsMoves && i.deletedFolderId !== null && i.deletedFolderId !== i.folderId) {
            await i.mailbox.moveMessages(i.folderId, [id], i.deletedFolderId);
          } else {
            await i.mailbox.deleteMessages(i.folderId, [id]);
          }
          out.wrote = true;
        } catch (err) {
          if (!(err instanceof MailReadOnlyError)) throw err;
        }
        i.base.items.delete(id);
        index.delete(parseServerId(i.collectionId, cmd.serverId) ?? -1);
        out.mutated = true;
        break;
      }
      case 'add':
        out.responses.push(await clientAdd(i, cmd.clientId, cmd.data, out, entries));
        break;
      case 'fetch': {
        const id = backendOf(cmd.serverId);
        const [h] = id ? await i.mailbox.getHeaders(i.folderId, [id]) : [];
        const body = id && h ? await loadBody(i.mailbox, i.folderId, id, i.bodyChoice, true) : null;
        if (!id || !h) {
          out.responses.push(a('Fetch', a('ServerId', cmd.serverId), a('Status', SyncStatus.ObjectNotFound)));
          break;
        }
        const n = parseServerId(i.collectionId, cmd.serverId) as number;
        out.responses.push(
          a(
            'Fetch',
            a('ServerId', cmd.serverId),
            a('Status', SyncStatus.Success),
            emailApplicationData({
              headers: h,
              body,
              fileReference: (partId) => `${serverIdOf(i.collectionId, n)}:${partId}`,
            }),
          ),
        );
        out.bytes += 512 + (typeof body?.data === 'string' ? body.data.length : (body?.data?.length ?? 0));
        break;
      }
    }
  }
  return out;
}

async function clientAdd(
  i: ClientCommandInput,
  clientId: string,
  data: WbxmlElement | null,
  out: ClientCommandResult,
  entries: ReadonlyMap<string, MessageEntry>,
): Promise<WbxmlElement> {
  const reply = (status: number, serverId?: string) =>
    a('Add', a('ClientId', clientId), serverId ? a('ServerId', serverId) : null, a('Status', status));
  if (!clientId || clientId.length > MAX_ID_LENGTH || !data) return reply(SyncStatus.ProtocolError);
  // A ClientId we already answered: the device did not get that answer. Same ServerId, no second draft.
  const dup = i.base.clients.find((c) => c.clientId === clientId);
  if (dup) {
    const entry = entries.get(dup.backendId);
    if (!i.base.items.has(dup.backendId)) {
      i.base.items.set(dup.backendId, entry ? flagBits(entry.flags) : READ);
      i.base.ids.set(dup.backendId, dup.n);
      out.mutated = true;
    }
    return reply(SyncStatus.Success, serverIdOf(i.collectionId, dup.n));
  }
  if (!i.addsAllowed) return reply(SyncStatus.ConversionError);
  let id: string;
  try {
    id = await i.mailbox.appendMessage(i.folderId, draftMime(data, i.user, i.now), { read: true });
  } catch (err) {
    if (err instanceof MailReadOnlyError) return reply(SyncStatus.ConversionError);
    throw err;
  }
  const n = numberFor(i.base, id);
  i.base.items.set(id, READ);
  i.base.clients.push({ clientId, n, backendId: id });
  if (i.base.clients.length > MAX_CLIENT_IDS)
    i.base.clients.splice(0, i.base.clients.length - MAX_CLIENT_IDS);
  out.mutated = true;
  out.wrote = true;
  return reply(SyncStatus.Success, serverIdOf(i.collectionId, n));
}
