// SendMail ([MS-ASCMD] 2.2.1.17): a new message from the device, as ComposeMail WBXML (14.0+) or a
// raw message/rfc822 body (≤12.1, SaveInSent in the query). The flow is in compose/run.ts.
import type { CommandHandler } from '../context.js';
import { handleCompose } from './compose/run.js';

export const sendMailCommand: CommandHandler = {
  name: 'SendMail',
  checksPolicyKey: true,
  blockedByWipe: true,
  countsAsSync: false,
  quarantine: 'deny',
  handle: (ctx) => handleCompose(ctx, 'SendMail'),
};
