// Settings ([MS-ASCMD] 2.2.1.18): DeviceInformation Set, UserInformation Get, Oof Get,
// DevicePassword Set, RightsManagementInformation Get. Properties are answered in request order.
import { child, el } from '../../wbxml/index.js';
import type { WbxmlElement } from '../../wbxml/types.js';
import type { CommandContext, CommandHandler } from '../context.js';
import { parseDeviceInformation } from './device-information.js';

/** Settings Status values ([MS-ASCMD] 2.2.3.177.x). */
const S = { Success: 1, ProtocolError: 2, InvalidArguments: 5, DeniedByPolicy: 7 } as const;

const s = (tag: string, ...children: Array<WbxmlElement | string | number | null>) =>
  el('Settings', tag, ...children);

export const settingsCommand: CommandHandler = {
  name: 'Settings',
  checksPolicyKey: true,
  blockedByWipe: true,
  countsAsSync: false,
  quarantine: 'serve',
  async handle(ctx) {
    const { body } = ctx;
    if (!body || body.ns !== 'Settings' || body.tag !== 'Settings') {
      return { httpStatus: 200, headers: {}, body: s('Settings', s('Status', S.ProtocolError)) };
    }
    const replies: WbxmlElement[] = [];
    for (const prop of body.children) {
      if (typeof prop === 'string' || prop instanceof Uint8Array || prop.ns !== 'Settings') continue;
      const reply = await property(ctx, prop);
      if (reply) replies.push(reply);
    }
    return { httpStatus: 200, headers: {}, body: s('Settings', s('Status', S.Success), ...replies) };
  },
};

async function property(ctx: CommandContext, prop: WbxmlElement): Promise<WbxmlElement | null> {
  switch (prop.tag) {
    case 'DeviceInformation': {
      const info = parseDeviceInformation(prop);
      if (!info) return s('DeviceInformation', s('Status', S.ProtocolError));
      await ctx.svc.devices.applyDeviceInformation(ctx.device, info);
      return s('DeviceInformation', s('Status', S.Success));
    }
    case 'UserInformation':
      if (!child(prop, 'Get', 'Settings')) return s('UserInformation', s('Status', S.ProtocolError));
      return s('UserInformation', s('Status', S.Success), userInformation(ctx));
    case 'Oof':
      if (child(prop, 'Get', 'Settings')) {
        // Out-of-office is not managed by Syncward yet: report it as disabled, which is the truth.
        return s('Oof', s('Status', S.Success), s('Get', s('OofState', 0)));
      }
      return s('Oof', s('Status', S.InvalidArguments));
    case 'DevicePassword':
      // Recovery passwords are secrets we do not keep; 7 = recovery disabled by the administrator.
      return s('DevicePassword', s('Status', S.DeniedByPolicy));
    case 'RightsManagementInformation':
      return s(
        'RightsManagementInformation',
        s('Status', S.Success),
        s('Get', el('RightsManagement', 'RightsManagementTemplates')),
      );
    default:
      return null;
  }
}

/** 12.1/14.0 list SMTP addresses; 14.1+ use Accounts ([MS-ASCMD] 2.2.3.186 UserInformation). */
function userInformation(ctx: CommandContext): WbxmlElement {
  const { user, req } = ctx;
  if (req.protocolVersion === '12.1' || req.protocolVersion === '14.0') {
    return s('Get', s('EmailAddresses', s('SMTPAddress', user.email)));
  }
  return s(
    'Get',
    s(
      'Accounts',
      s(
        'Account',
        s('UserDisplayName', user.displayName),
        s('EmailAddresses', s('PrimarySmtpAddress', user.email)),
      ),
    ),
  );
}
