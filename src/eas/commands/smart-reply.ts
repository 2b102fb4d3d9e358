// SmartReply ([MS-ASCMD] 2.2.1.20): the device's reply text; the server quotes the original (unless
// ReplaceMime), sends, and marks the original answered. The flow is in compose/run.ts.
import type { CommandHandler } from '../context.js';
import { handleCompose } from './compose/run.js';

export const smartReplyCommand: CommandHandler = {
  name: 'SmartReply',
  checksPolicyKey: true,
  blockedByWipe: true,
  countsAsSync: false,
  quarantine: 'deny',
  handle: (ctx) => handleCompose(ctx, 'SmartReply'),
};
