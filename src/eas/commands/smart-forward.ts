// SmartForward ([MS-ASCMD] 2.2.1.19): the device's text; the server adds the original inline with
// its attachments (unless ReplaceMime), sends, and marks the original forwarded. The flow is in
// compose/run.ts.
import type { CommandHandler } from '../context.js';
import { handleCompose } from './compose/run.js';

export const smartForwardCommand: CommandHandler = {
  name: 'SmartForward',
  checksPolicyKey: true,
  blockedByWipe: true,
  countsAsSync: false,
  quarantine: 'deny',
  handle: (ctx) => handleCompose(ctx, 'SmartForward'),
};
