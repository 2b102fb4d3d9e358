// The one path every EAS command takes, in order: authenticate, command lookup, user enabled,
// device association, remote wipe, access state, policy key, body decode, command.
// No command can be reached any other way (see gate.test.ts and the e2e walk over the registry).
import { createHash } from 'node:crypto';
import { WbxmlDecodeError, decodeWbxml } from '../wbxml/index.js';
import type { Device } from '../devices/types.js';
import { DeviceLimitError, pendingWipe } from '../devices/service.js';
import { needsReprovision } from '../policy/index.js';
import type { Policy } from '../policy/types.js';
import type { Store, User } from '../store/types.js';
import type { Authenticator } from './authenticate.js';
import { queryUserMatches } from './authenticate.js';
import type { CommandContext, EasServices } from './context.js';
import { EasHttpError, EasStatusError, toEasResponse } from './errors.js';
import type { CommandRegistry } from './registry.js';
import { mailFailure, mailboxAccess } from './mailbox.js';
import type { MailboxAccess } from './mailbox.js';
import { EasStatus } from './status.js';
import type { Throttle } from './throttle.js';
import type { EasRequest, EasResponse } from './types.js';

export interface GateOptions {
  svc: EasServices;
  auth: Authenticator;
  registry: CommandRegistry;
  /** Per (user, device) rate and concurrency limits; absent = unlimited. */
  throttle?: Throttle;
}

/** One audit entry per (user, address) per minute: a phone with a stale password retries forever. */
class FailureSampler {
  private readonly last = new Map<string, number>();
  shouldRecord(key: string, now: number): boolean {
    const prev = this.last.get(key);
    if (prev !== undefined && now - prev < 60_000) return false;
    if (this.last.size > 10_000) this.last.clear();
    this.last.set(key, now);
    return true;
  }
}
const authFailures = new FailureSampler();

const WBXML_TYPES = new Set(['application/vnd.ms-sync.wbxml', 'application/vnd.ms-sync']);

export function createEasHandler(opts: GateOptions): (req: EasRequest) => Promise<EasResponse> {
  return (req) => handleEasRequest(opts, req);
}

export async function handleEasRequest(opts: GateOptions, req: EasRequest): Promise<EasResponse> {
  const { svc, auth, registry } = opts;
  const log = svc.log.child({ reqId: req.requestId, cmd: req.cmd, deviceId: req.deviceId });
  let release: (() => void) | null = null;
  let mailbox: MailboxAccess | null = null;
  try {
    // 1. Authenticate. [MS-ASHTTP] 2.2.2.1.1: 401 makes the client re-prompt / run Autodiscover.
    // An IMAP server that checks passwords may be unreachable: "retry later", not a 500.
    const user = await auth.authenticate(req.credentials).catch((err: unknown) => {
      throw mailFailure(err);
    });
    if (!user) {
      const name = req.credentials.kind === 'basic' ? req.credentials.username : null;
      log.info({ user: name }, 'authentication failed');
      if (
        name !== null &&
        authFailures.shouldRecord(`${name}\n${req.remoteAddress}`, svc.clock().getTime())
      ) {
        await svc.audit.record({
          actor: `user:${name}`,
          action: 'auth.failed',
          targetType: 'user',
          reason: `EAS ${req.cmd} from device ${req.deviceId}`,
          source: req.remoteAddress,
        });
      }
      throw new EasHttpError(401, { 'WWW-Authenticate': 'Basic realm="Syncward"' });
    }
    // The query's User claims an identity: it must be the authenticated one.
    if (req.user !== null && !queryUserMatches(req.user, user)) {
      log.warn({ queryUser: req.user, user: user.username }, 'query User does not match credentials');
      throw new EasHttpError(403);
    }
    // 2. Command lookup. [MS-ASHTTP] 501: unknown or unsupported command.
    const handler = registry.get(req.cmd);
    if (!handler) throw new EasHttpError(501);
    // Throttle after authentication, so nobody can spend another user's budget. [MS-ASHTTP] 503 + Retry-After.
    if (opts.throttle) {
      const t = opts.throttle.acquire(`${user.id}\n${req.deviceId}`);
      if (!t.ok) {
        log.warn({ reason: t.reason, retryAfter: t.retryAfterSeconds }, 'throttled');
        throw new EasHttpError(503, { 'Retry-After': String(t.retryAfterSeconds) });
      }
      release = t.release;
    }
    // 3. User enabled for ActiveSync (Set-CASMailbox -ActiveSyncEnabled).
    if (!user.easEnabled) throw new EasStatusError(EasStatus.UserDisabledForSync);

    // 4. The association (created at first contact).
    let device: Device;
    try {
      ({ device } = await svc.devices.touch(
        { userId: user.id, brokerId: '', deviceId: req.deviceId },
        { deviceType: req.deviceType, userAgent: req.userAgent, protocolVersion: req.protocolVersion },
      ));
    } catch (err) {
      if (err instanceof DeviceLimitError) throw new EasStatusError(EasStatus.MaximumDevicesReached);
      throw err;
    }

    // 5. A requested wipe preempts everything but the Provision that delivers it ([MS-ASPROV] 3.2.5.1.2.2).
    if (handler.blockedByWipe && pendingWipe(device)) throw new EasStatusError(EasStatus.RemoteWipeRequested);

    // 6. Access: the allow/block/quarantine decision, re-evaluated on every request.
    const policy = await effectivePolicy(svc.store, user);
    device = await svc.access.checkDevice(user, device, policy, {
      cmd: req.cmd,
      noPolicyKey: req.policyKey === null,
      bodyDigest: req.body.length ? createHash('sha1').update(req.body).digest('hex') : '',
      source: req.remoteAddress,
    });
    refuseByAccess(device, handler.name, handler.quarantine, req.policyKey === null);

    // 7. Policy key ([MS-ASPROV] 3.2.5.1). A request without any key header comes from a client that
    // cannot provision; if access let it through, the policy allows such devices.
    if (handler.checksPolicyKey && req.policyKey !== null) {
      const status = needsReprovision({
        device,
        presentedKey: req.policyKey,
        policy,
        now: svc.clock(),
      });
      if (status !== null) {
        log.info({ status, presentedKey: req.policyKey }, 'policy key refused');
        throw new EasStatusError(status);
      }
    }

    // 8. Body.
    let body = null;
    if (req.body.length > 0 && (req.contentType === null || WBXML_TYPES.has(req.contentType))) {
      try {
        body = decodeWbxml(req.body);
      } catch (err) {
        if (err instanceof WbxmlDecodeError) {
          log.info({ code: err.code, offset: err.offset }, 'malformed WBXML');
          throw new EasStatusError(EasStatus.InvalidWBXML);
        }
        throw err;
      }
    }

    // 9. The mailbox, opened only if the command asks for it, and closed below whatever happens.
    const mb = mailboxAccess({
      mail: svc.mail,
      access: svc.access,
      user,
      device,
      credentials: req.credentials,
      clock: svc.clock,
    });
    mailbox = mb;
    const ctx: CommandContext = { svc, req, user, device, policy, body, log, mailbox: () => mb.get() };
    const res = await handler.handle(ctx);
    if (handler.countsAsSync && res.httpStatus === 200) {
      // Exchange's FirstSyncTime / LastSuccessSync count synchronisation commands only.
      const now = svc.clock();
      await svc.store.patchDevice(device.id, {
        lastSuccessSyncAt: now,
        ...(device.firstSyncAt ? {} : { firstSyncAt: now }),
      });
    }
    return res;
  } catch (err) {
    return toEasResponse(err, {
      cmd: req.cmd,
      protocolVersion: req.protocolVersion,
      hasPolicyKey: req.policyKey !== null,
      log,
      requestId: req.requestId,
    });
  } finally {
    await mailbox?.close();
    release?.();
  }
}

/**
 * The protocol answer for a device the access decision refuses. Blocked by policy compliance keeps
 * Provision open, so the device can apply the policy in full and get out.
 */
function refuseByAccess(
  device: Device,
  cmd: string,
  onQuarantine: 'serve' | 'deny',
  noPolicyKey: boolean,
): void {
  if (device.accessState === 'Blocked') {
    if (device.accessReason === 'Policy') {
      if (cmd === 'Provision') return;
      if (noPolicyKey) throw new EasStatusError(EasStatus.LegacyDeviceOnStrictPolicy);
      if (device.policyStatus === 'ExternallyManaged') {
        throw new EasStatusError(EasStatus.ExternallyManagedDevicesNotAllowed);
      }
      throw new EasStatusError(EasStatus.DeviceNotFullyProvisionable);
    }
    if (device.accessReason === 'UserDisabled') throw new EasStatusError(EasStatus.UserDisabledForSync);
    throw new EasStatusError(EasStatus.DeviceIsBlockedForThisUser);
  }
  if (device.accessState === 'Quarantined' && onQuarantine === 'deny') {
    throw new EasStatusError(EasStatus.DeviceIsBlockedForThisUser);
  }
}

/** The policy in force for a user: explicit assignment, else the e-mail domain's, else the default. */
export async function effectivePolicy(store: Store, user: User): Promise<Policy> {
  if (user.policyId) {
    const p = await store.getPolicy(user.policyId);
    if (p) return p;
  }
  const domain = user.email.slice(user.email.lastIndexOf('@') + 1).toLowerCase();
  if (domain) {
    const id = await store.getDomainPolicy(domain);
    const p = id ? await store.getPolicy(id) : null;
    if (p) return p;
  }
  const def = await store.getDefaultPolicy();
  if (!def) throw new Error('gate: no default policy in the store');
  return def;
}
