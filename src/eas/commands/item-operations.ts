// ItemOperations ([MS-ASCMD] 2.2.1.10): Fetch (mail item or attachment), EmptyFolderContents, and
// the conversation Move (refused: this server keeps no conversations). Operations run in request
// order, each with its own Status. With MS-ASAcceptMultiPart: T (or base64 Options 0x02) the answer
// is application/vnd.ms-sync.multipart, its data parts streamed ([MS-ASCMD] 2.2.1.10.1).
import { el, encodeWbxml } from '../../wbxml/index.js';
import type { ElChild } from '../../wbxml/index.js';
import type { WbxmlElement } from '../../wbxml/types.js';
import type { CommandHandler } from '../context.js';
import { mailFailure } from '../mailbox.js';
import { loadHierarchy } from '../sync/item-lookup.js';
import type { EasResponse } from '../types.js';
import { emptyFolder } from './item-operations/empty-folder.js';
import type { FetchEnv } from './item-operations/fetch.js';
import {
  INLINE_RESPONSE_MAX,
  MULTIPART_RESPONSE_MAX,
  fetchAttachment,
  fetchItem,
} from './item-operations/fetch.js';
import { multipartBody } from './item-operations/multipart.js';
import { ItemOpsStatus, parseItemOperations } from './item-operations/request.js';

const io = (tag: string, ...c: ElChild[]) => el('ItemOperations', tag, ...c);

/** A request answered with only the global Status ([MS-ASCMD] 2.2.3.177.8: 2 protocol error). */
function globalStatus(status: number): EasResponse {
  return { httpStatus: 200, headers: {}, body: io('ItemOperations', io('Status', status)) };
}

export const itemOperationsCommand: CommandHandler = {
  name: 'ItemOperations',
  checksPolicyKey: true,
  blockedByWipe: true,
  countsAsSync: false,
  quarantine: 'deny',
  async handle(ctx) {
    const ops = parseItemOperations(ctx.body);
    if (!ops) return globalStatus(ItemOpsStatus.ProtocolError);
    const multipart = ctx.req.params.AcceptMultiPart === 'T';
    const states = ctx.svc.store;
    const env: FetchEnv = {
      mailbox: await ctx.mailbox().catch((err: unknown) => {
        throw mailFailure(err);
      }),
      states,
      deviceId: ctx.device.id,
      hierarchy: await loadHierarchy(states, ctx.device.id),
      policy: ctx.policy.settings,
      multipart,
      parts: [],
      budget: { inline: INLINE_RESPONSE_MAX, parts: MULTIPART_RESPONSE_MAX },
    };
    let doc: WbxmlElement;
    try {
      const responses: WbxmlElement[] = [];
      for (const op of ops) {
        if (op.kind === 'fetch') {
          responses.push(await (op.fileReference !== null ? fetchAttachment(env, op) : fetchItem(env, op)));
        } else if (op.kind === 'empty') {
          responses.push(await emptyFolder(env.mailbox, env.hierarchy, op));
        } else {
          // Conversation moves need conversation ids, which this server never hands out.
          responses.push(
            io('Move', io('Status', ItemOpsStatus.ProtocolError), io('ConversationId', op.conversationId)),
          );
        }
      }
      doc = io('ItemOperations', io('Status', ItemOpsStatus.Success), io('Response', responses));
      if (!multipart) return { httpStatus: 200, headers: {}, body: doc };
      return { httpStatus: 200, headers: {}, body: null, stream: multipartBody(encodeWbxml(doc), env.parts) };
    } catch (err) {
      for (const p of env.parts) await p.discard();
      throw mailFailure(err);
    }
  },
};
