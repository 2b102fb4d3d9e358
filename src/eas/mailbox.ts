// Which mailbox a request may see, decided once per request by the gate: the user's real mailbox
// for an allowed device, the read-only quarantine view for a quarantined one. Also the one mapping
// of mail-backend failures to protocol answers, shared by every mail command.
import type { AccessService } from '../access/service.js';
import type { Device } from '../devices/types.js';
import { createQuarantineView } from '../mail/quarantine-view.js';
import { MailAuthError, MailBackendError, type MailBackend, type MailSession } from '../mail/types.js';
import type { User } from '../store/types.js';
import { stripDomain } from './authenticate.js';
import { EasHttpError, EasStatusError } from './errors.js';
import { EasStatus } from './status.js';
import type { Credentials } from './types.js';

export interface MailboxAccess {
  /** Opens on first call; later calls share the session. */
  get(): Promise<MailSession>;
  /** Closes the session if one was opened; never throws. */
  close(): Promise<void>;
}

export interface MailboxInput {
  mail: MailBackend;
  access: Pick<AccessService, 'orgSettings'>;
  user: User;
  device: Device;
  credentials: Credentials;
  clock: () => Date;
}

export function mailboxAccess(input: MailboxInput): MailboxAccess {
  let opening: Promise<MailSession> | null = null;
  return {
    get() {
      opening ??= open(input);
      return opening;
    },
    async close() {
      if (!opening) return;
      try {
        await (await opening).close();
      } catch {
        // A session that failed to open, or failed to close, has nothing left to release.
      }
    },
  };
}

async function open(input: MailboxInput): Promise<MailSession> {
  const { user, device } = input;
  if (device.accessState === 'Quarantined') {
    const org = await input.access.orgSettings();
    return createQuarantineView({
      user,
      device,
      userMailInsert: org.userMailInsert,
      now: input.clock(),
    });
  }
  // The gate has authenticated these credentials; backends that pass them through (IMAP) need them.
  if (input.credentials.kind !== 'basic') throw unauthorized();
  try {
    return await input.mail.open(user, {
      // The login the gate verified: "DOMAIN\user" without the domain.
      username: stripDomain(input.credentials.username),
      password: input.credentials.password,
    });
  } catch (err) {
    throw mailFailure(err);
  }
}

function unauthorized(): EasHttpError {
  return new EasHttpError(401, { 'WWW-Authenticate': 'Basic realm="Syncward"' });
}

/**
 * A mail-backend failure as the protocol answer: refused credentials make the device ask for its
 * password again (401); an unreachable or failing backend is "retry later" (111, HTTP 503 for 12.1)
 * rather than a 500 the device may treat as permanent. Anything else is returned unchanged.
 */
export function mailFailure(err: unknown): unknown {
  if (err instanceof MailAuthError) return unauthorized();
  if (err instanceof MailBackendError) {
    return new EasStatusError(EasStatus.ServerErrorRetryLater, 'global', { cause: err });
  }
  return err;
}
