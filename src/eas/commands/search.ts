// Search ([MS-ASCMD] 2.2.1.16): the Mailbox store (FreeText, folders, DateReceived bounds; results
// as Sync shows messages, named by LongIds that ItemOperations and SmartReply/SmartForward accept)
// and the GAL store (the server's users). Document libraries are not served. Results are never
// kept between requests: every request, paging included, searches afresh.
import type { CommandHandler } from '../context.js';
import { mailFailure } from '../mailbox.js';
import { loadHierarchy } from '../sync/item-lookup.js';
import { searchGal } from './search/gal.js';
import { searchMailbox } from './search/mailbox.js';
import { parseSearchRequest } from './search/request.js';
import type { StoreAnswer } from './search/response.js';
import { refusedAnswer, searchDocument } from './search/response.js';

export const searchCommand: CommandHandler = {
  name: 'Search',
  checksPolicyKey: true,
  blockedByWipe: true,
  countsAsSync: false,
  // Only the commands a quarantined device needs to provision and see its notice are served.
  quarantine: 'deny',
  async handle(ctx) {
    const req = parseSearchRequest(ctx.body);
    let answer: StoreAnswer;
    if (req.kind === 'refused') answer = refusedAnswer(req.status);
    else if (req.kind === 'gal') answer = await searchGal(ctx.svc.store, req);
    else {
      const mailbox = await ctx.mailbox().catch((err: unknown) => {
        throw mailFailure(err);
      });
      try {
        answer = await searchMailbox(
          {
            mailbox,
            hierarchy: await loadHierarchy(ctx.svc.store, ctx.device.id),
            deviceId: ctx.device.id,
            policy: ctx.policy.settings,
          },
          req,
        );
      } catch (err) {
        throw mailFailure(err);
      }
    }
    if (req.kind === 'refused') ctx.log.debug({ status: req.status }, 'search: request refused');
    return { httpStatus: 200, headers: {}, body: searchDocument(answer) };
  },
};
