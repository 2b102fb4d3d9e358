// Headers of the HTTP OPTIONS response ([MS-ASHTTP] 2.2.4, 3.2.5.2): versions and commands.
// The command list comes from the registry; this module only formats it.
import { PROTOCOL_VERSIONS } from './types.js';

/**
 * The [MS-ASHTTP] 4.3 / 2.2.4 example list without the 2.5-era GetHierarchy, CreateCollection,
 * DeleteCollection and MoveCollection, which this server neither implements nor can receive in
 * the base64 form (their codes are not in the current spec).
 */
export const DEFAULT_COMMANDS: readonly string[] = [
  'Sync',
  'SendMail',
  'SmartForward',
  'SmartReply',
  'GetAttachment',
  'FolderSync',
  'FolderCreate',
  'FolderDelete',
  'FolderUpdate',
  'MoveItems',
  'GetItemEstimate',
  'MeetingResponse',
  'Search',
  'Settings',
  'Ping',
  'ItemOperations',
  'Provision',
  'ResolveRecipients',
  'ValidateCert',
  'Find',
];

/**
 * MS-Server-ActiveSync value. Exchange 2016+ sends "15.1" while advertising 16.1; some clients pick
 * their behaviour from this string, so we look like that server rather than invent a build number.
 */
export const SERVER_ACTIVESYNC_VERSION = '15.1';

export interface OptionsHeadersInput {
  /** Command wire names to advertise (the registry's keys); default {@link DEFAULT_COMMANDS}. */
  commands?: readonly string[];
  /** Versions to advertise; default all of PROTOCOL_VERSIONS ("12.1,14.0,14.1,16.0,16.1"). */
  versions?: readonly string[];
  serverVersion?: string;
}

/** OPTIONS response headers, with the spec's exact names, in the order of the [MS-ASHTTP] 4.3 example. */
export function optionsHeaders(input: OptionsHeadersInput = {}): Record<string, string> {
  return {
    'Cache-Control': 'private',
    Allow: 'OPTIONS,POST',
    'MS-Server-ActiveSync': input.serverVersion ?? SERVER_ACTIVESYNC_VERSION,
    'MS-ASProtocolVersions': (input.versions ?? PROTOCOL_VERSIONS).join(','),
    'MS-ASProtocolCommands': (input.commands ?? DEFAULT_COMMANDS).join(','),
    Public: 'OPTIONS,POST',
  };
}
