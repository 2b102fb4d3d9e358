// What every command handler receives: the parsed request and the gate's findings.
// Handlers never parse HTTP and never see a store backend, only the interfaces.
import type { Logger } from 'pino';
import type { AccessService } from '../access/service.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { DeviceService } from '../devices/service.js';
import type { Device } from '../devices/types.js';
import type { MailBackend, MailSession } from '../mail/types.js';
import type { Policy } from '../policy/types.js';
import type { PushHub } from '../push/hub.js';
import type { Store, User } from '../store/types.js';
import type { WbxmlElement } from '../wbxml/types.js';
import type { EasRequest, EasResponse } from './types.js';

export interface EasServices {
  store: Store;
  devices: DeviceService;
  access: AccessService;
  audit: AuditLog;
  log: Logger;
  clock: () => Date;
  /**
   * The mail backend (chosen once, in src/http/server.ts). Commands open mailboxes only through
   * ctx.mailbox(); long polls (Sync Wait, Ping) wait on `push`, which its onChange feeds.
   */
  mail: MailBackend;
  /**
   * The server's one hub for held requests (Ping, Sync with Wait or HeartbeatInterval), fed by
   * `mail`'s change events; src/http/server.ts builds it with the configured heartbeat limits.
   */
  push: PushHub;
  /** Command names the server implements (the registry's keys), for FolderSync's SyncKey-0 headers. */
  commands?: readonly string[];
}

export interface CommandContext {
  svc: EasServices;
  req: EasRequest;
  user: User;
  device: Device;
  /** The policy in force for this user (user beats domain beats default). */
  policy: Policy;
  /** Decoded WBXML body; null when the request had no body. */
  body: WbxmlElement | null;
  log: Logger;
  /**
   * The mailbox this request may see, opened on first call and closed by the gate after the command:
   * the user's real mailbox (the request's credentials pass through, never stored) for an allowed
   * device, the read-only quarantine view for a quarantined one (src/eas/mailbox.ts).
   */
  mailbox(): Promise<MailSession>;
}

export interface CommandHandler {
  /** Wire name, e.g. 'Provision'. */
  readonly name: string;
  /** [MS-ASPROV] 3.2.5.1: every command but Provision and Ping carries and is checked against the policy key. */
  readonly checksPolicyKey: boolean;
  /** Whether a pending remote wipe stops the command with status 140 (false only for Provision, which delivers it). */
  readonly blockedByWipe: boolean;
  /**
   * What a quarantined device gets: 'serve' runs the command normally (Provision, Settings: the
   * device must still be able to provision and report itself), 'deny' answers 129.
   */
  readonly quarantine: 'serve' | 'deny';
  /** Whether success counts as a sync for FirstSyncTime / LastSuccessSync (FolderSync, Sync, Ping, ...). */
  readonly countsAsSync: boolean;
  handle(ctx: CommandContext): Promise<EasResponse>;
}
