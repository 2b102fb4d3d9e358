// The one flow behind SendMail, SmartReply and SmartForward: parse, check the device's message,
// find the original (Smart*), build the outgoing message, send it once per ClientId, save it in
// Sent if asked (the backend does, MailSession.send), and mark the original answered or forwarded.
// Success is HTTP 200 with an empty body ([MS-ASCMD] 2.2.1.17); failures are EasStatusErrors.
import { MailAuthError, MailBackendError } from '../../../mail/types.js';
import type { MailSession } from '../../../mail/types.js';
import type { CommandContext } from '../../context.js';
import { EasStatusError } from '../../errors.js';
import { mailFailure } from '../../mailbox.js';
import { EasStatus } from '../../status.js';
import type { ItemRef } from '../../sync/item-lookup.js';
import { loadHierarchy, resolveItem } from '../../sync/item-lookup.js';
import type { EasResponse } from '../../types.js';
import { resolveLongId } from '../search/long-id.js';
import { sendOnce } from './client-ids.js';
import type { Mailbox } from './mime.js';
import { checkMessage, stampMessage } from './mime.js';
import type { ComposeKind, ComposeRequest } from './request.js';
import { parseComposeRequest } from './request.js';
import { buildSmartMessage } from './smart.js';

const itemNotFound = () =>
  new EasStatusError(EasStatus.ItemNotFound, 'global', { message: 'compose: the source item is not found' });

async function sourceItem(ctx: CommandContext, req: ComposeRequest): Promise<ItemRef> {
  const s = req.source;
  if (!s || (s.itemId === null && s.longId === null)) throw itemNotFound();
  const states = ctx.svc.store;
  const hierarchy = await loadHierarchy(states, ctx.device.id);
  // A synced item by ItemId (+ FolderId), else a Search result by its LongId ([MS-ASCMD] 2.2.3.102.1).
  const item =
    s.itemId !== null
      ? await resolveItem(states, ctx.device.id, hierarchy, s.itemId, s.folderId)
      : resolveLongId(ctx.device.id, hierarchy, s.longId as string);
  if (!item) throw itemNotFound();
  return item;
}

async function outgoing(
  mailbox: MailSession,
  req: ComposeRequest,
  original: ItemRef | null,
  from: Mailbox,
  extraTo: Mailbox[],
  now: Date,
): Promise<Buffer> {
  if (!original || req.replaceMime) return stampMessage(req.mime, from, now, { to: extraTo });
  const opened = await mailbox.openMime(original.folderId, original.messageId);
  if (!opened) throw itemNotFound();
  try {
    return await buildSmartMessage({
      kind: req.kind as 'SmartReply' | 'SmartForward',
      device: req.mime,
      original: opened.stream,
      from,
      now,
      extraTo,
    });
  } finally {
    // Frees the backend's connection if building stopped before reading the original to its end.
    opened.stream.destroy();
  }
}

export async function handleCompose(ctx: CommandContext, kind: ComposeKind): Promise<EasResponse> {
  const req = parseComposeRequest(kind, ctx.req, ctx.body);
  const from: Mailbox = { name: ctx.user.displayName.trim() || null, address: ctx.user.email };
  const extraTo: Mailbox[] = req.forwardees.map((f) => ({ name: f.name, address: f.email }));
  // The device's own message is checked before anything is looked up or sent (107, 116, 119).
  checkMessage(
    req.mime,
    extraTo.map((m) => m.address),
  );
  const send = async (): Promise<void> => {
    const mailbox = await ctx.mailbox();
    const original = kind === 'SendMail' ? null : await sourceItem(ctx, req);
    const mime = await outgoing(mailbox, req, original, from, extraTo, ctx.svc.clock());
    try {
      await mailbox.send(mime, { saveInSent: req.saveInSent });
    } catch (err) {
      // Refused by the submission server or not deliverable: 120, the device keeps it in its Outbox.
      if (err instanceof MailBackendError) {
        throw new EasStatusError(EasStatus.MailSubmissionFailed, 'global', { cause: err });
      }
      throw err;
    }
    if (!original) return;
    try {
      await mailbox.setFlags(
        original.folderId,
        [original.messageId],
        kind === 'SmartReply' ? { answered: true } : { forwarded: true },
      );
    } catch (err) {
      if (err instanceof MailAuthError) throw err;
      // The message went out; a missing flag is not worth failing the command for.
      ctx.log.warn({ err }, 'compose: original not marked');
    }
  };
  try {
    if (req.clientId === null) await send();
    else {
      const r = await sendOnce(ctx.svc.store, ctx.device.id, req.clientId, ctx.svc.clock, send, (err) =>
        ctx.log.warn({ err }, 'compose: ClientId not recorded'),
      );
      // [MS-ASCMD] 2.2.2: 118 MessagePreviouslySent.
      if (r === 'duplicate') throw new EasStatusError(EasStatus.MessagePreviouslySent);
    }
  } catch (err) {
    throw mailFailure(err);
  }
  ctx.log.debug({ kind, saveInSent: req.saveInSent }, 'message sent');
  return { httpStatus: 200, headers: {}, body: null };
}
