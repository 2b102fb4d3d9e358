// MoveItems ([MS-ASCMD] 2.2.1.12): moves messages between folders, one Response per Move with the
// message's new ServerId (DstMsgId). The new ServerId is reserved in the destination's item state
// (sync/item-lookup.ts allocateItem) until the destination's Sync Adds the message under exactly
// that id, however many windows that takes, and the source's next Sync Deletes the old one: one
// Delete, one Add, no duplicate.
import { MailBackendError, MailNotFoundError } from '../../mail/types.js';
import { children, el } from '../../wbxml/index.js';
import type { ElChild } from '../../wbxml/index.js';
import type { WbxmlElement } from '../../wbxml/types.js';
import type { CommandHandler } from '../context.js';
import { EasStatusError } from '../errors.js';
import { mailFailure } from '../mailbox.js';
import { EasStatus } from '../status.js';
import { serverIdOf } from '../sync/item-state.js';
import { allocateItem, folderOfCollection, loadHierarchy, resolveItem } from '../sync/item-lookup.js';
import { MAX_ID_LENGTH } from '../sync/state-store.js';

/** MoveItems Status ([MS-ASCMD] 2.2.3.177.9): 3 is success. */
export const MoveStatus = {
  InvalidSource: 1,
  InvalidDestination: 2,
  Success: 3,
  SameFolder: 4,
  Failure: 5,
} as const;

/**
 * Moves per request. Phones move what the user selected (a few hundred at most); each Move is a
 * backend round trip, so a request far beyond that is refused whole rather than half done.
 */
export const MAX_MOVES = 1000;

export interface MoveRequest {
  srcMsgId: string;
  srcFldId: string;
  dstFldId: string;
}

/** The Moves of a request; null when the document is not a MoveItems request at all. */
export function parseMoveItems(body: WbxmlElement | null): MoveRequest[] | null {
  if (!body || body.ns !== 'Move' || body.tag !== 'MoveItems') return null;
  const moves = children(body, 'Move', 'Move');
  return moves.map((m) => {
    const t = (tag: string) => {
      const c = children(m, tag, 'Move');
      // Absent, repeated or non-text: treated as empty, which no folder or item is called.
      if (c.length !== 1 || (c[0] as WbxmlElement).children.some((x) => typeof x !== 'string')) return '';
      return (c[0] as WbxmlElement).children.join('');
    };
    return { srcMsgId: t('SrcMsgId'), srcFldId: t('SrcFldId'), dstFldId: t('DstFldId') };
  });
}

const m = (tag: string, ...c: ElChild[]) => el('Move', tag, ...c);

export const moveItemsCommand: CommandHandler = {
  name: 'MoveItems',
  checksPolicyKey: true,
  blockedByWipe: true,
  countsAsSync: false,
  quarantine: 'deny',
  async handle(ctx) {
    const moves = parseMoveItems(ctx.body);
    if (!moves || moves.length === 0) throw new EasStatusError(EasStatus.InvalidXML);
    if (moves.length > MAX_MOVES) throw new EasStatusError(EasStatus.InvalidContent);
    const states = ctx.svc.store;
    const responses: WbxmlElement[] = [];
    try {
      const mailbox = await ctx.mailbox();
      const hierarchy = await loadHierarchy(states, ctx.device.id);
      for (const mv of moves) {
        // [MS-ASCMD] 2.2.3.177.9 Response order: SrcMsgId, Status, DstMsgId.
        const answer = (status: number, dst?: string) =>
          responses.push(
            m('Response', m('SrcMsgId', mv.srcMsgId), m('Status', status), dst ? m('DstMsgId', dst) : null),
          );
        const bad = (v: string) => v === '' || v.length > MAX_ID_LENGTH;
        if (bad(mv.srcMsgId) || bad(mv.srcFldId)) {
          answer(MoveStatus.InvalidSource);
          continue;
        }
        const item = await resolveItem(states, ctx.device.id, hierarchy, mv.srcMsgId, mv.srcFldId);
        if (!item) {
          answer(MoveStatus.InvalidSource);
          continue;
        }
        const dstFolder = bad(mv.dstFldId) ? null : folderOfCollection(hierarchy, mv.dstFldId);
        if (dstFolder === null) {
          answer(MoveStatus.InvalidDestination);
          continue;
        }
        if (dstFolder === item.folderId) {
          answer(MoveStatus.SameFolder);
          continue;
        }
        let moved: Map<string, string>;
        try {
          moved = await mailbox.moveMessages(item.folderId, [item.messageId], dstFolder);
        } catch (err) {
          if (err instanceof MailNotFoundError) {
            // Which side is gone: the source is listed first when both are.
            const present = new Set((await mailbox.listFolders()).map((f) => f.id));
            answer(present.has(item.folderId) ? MoveStatus.InvalidDestination : MoveStatus.InvalidSource);
            continue;
          }
          if (!(err instanceof MailBackendError)) throw err;
          // [MS-ASCMD] Status 5: the backend refused (locked, over quota...); the device may retry.
          ctx.log.warn({ err }, 'move failed');
          answer(MoveStatus.Failure);
          continue;
        }
        const newId = moved.get(item.messageId);
        // Gone since the device saw it (deleted or moved elsewhere, or this is a retry).
        if (newId === undefined) {
          answer(MoveStatus.InvalidSource);
          continue;
        }
        const n = await allocateItem(states, ctx.device.id, mv.dstFldId, dstFolder, newId, ctx.svc.clock());
        answer(MoveStatus.Success, serverIdOf(mv.dstFldId, n));
      }
    } catch (err) {
      throw mailFailure(err);
    }
    return { httpStatus: 200, headers: {}, body: m('MoveItems', responses) };
  },
};
