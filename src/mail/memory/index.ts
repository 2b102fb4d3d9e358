// The in-memory MailBackend: real behaviour (MIME parsed with mailparser, UID-like ids, checkpoints,
// change events, moves, sending between its users) with nothing on disk. Unit and e2e tests use it
// until the embedded store backend lands; it passes test/mail/conformance like every backend.
//
// No credential check: the EAS gate has already authenticated the user against the store.
// send(): recipients that are users of this backend (by e-mail address, case-insensitive, known
// once their mailbox was opened or created) get the message in their Inbox, Bcc header removed;
// every other recipient is recorded in `outbound` (nothing leaves the process).
import { withoutBcc } from '../headers.js';
import { MailBackendError, type MailBackend, type MailChangeEvent, type MailCredentials } from '../types.js';
import type { MessageFlags, SendOptions } from '../types.js';
import { MemoryMailbox } from './mailbox.js';
import { readMessage } from './message.js';
import { MemorySession } from './session.js';

export { MemoryMailbox, STANDARD_FOLDERS, parseUid } from './mailbox.js';
export { MemorySession } from './session.js';

export interface MemoryMailUser {
  id: string;
  username: string;
  email: string;
  displayName: string;
}

export interface MemoryMailOptions {
  /** Arrival time of delivered and appended messages; default the wall clock. */
  clock?: () => Date;
}

/** A message sent to an address outside this backend. */
export interface OutboundMessage {
  fromUserId: string;
  recipients: string[];
  mime: Buffer;
  at: Date;
}

export function createMemoryMailBackend(o: MemoryMailOptions = {}): MemoryMailBackend {
  return new MemoryMailBackend(o);
}

export class MemoryMailBackend implements MailBackend {
  readonly kind = 'memory';
  /** Messages for recipients outside this backend, oldest first (bounded to the last 1000). */
  readonly outbound: OutboundMessage[] = [];
  private readonly listeners = new Set<(e: MailChangeEvent) => void>();
  private readonly boxes = new Map<string, MemoryMailbox>();
  private readonly byEmail = new Map<string, string>();
  private readonly clock: () => Date;

  constructor(o: MemoryMailOptions = {}) {
    this.clock = o.clock ?? (() => new Date());
  }

  private emit(e: MailChangeEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch {
        // A listener's failure is its own; the write has happened.
      }
    }
  }

  /** The user's mailbox, created with the standard folders on first use. */
  mailbox(user: MemoryMailUser): MemoryMailbox {
    this.byEmail.set(user.email.toLowerCase(), user.id);
    let box = this.boxes.get(user.id);
    if (!box) {
      box = new MemoryMailbox((folderId, kind) => this.emit({ userId: user.id, folderId, kind }), this.clock);
      this.boxes.set(user.id, box);
    }
    return box;
  }

  async open(user: MemoryMailUser, _credentials: MailCredentials): Promise<MemorySession> {
    const box = this.mailbox(user);
    return new MemorySession(box, (mime, opts) => this.sendAs(user, mime, opts));
  }

  /**
   * Incoming mail, as an MTA would deliver it: into the user's Inbox. `receivedAt` lets tests
   * place messages inside or outside FilterType windows. Returns the new message id.
   */
  async deliver(
    user: MemoryMailUser,
    mime: Buffer,
    o: { receivedAt?: Date; flags?: Partial<MessageFlags> } = {},
  ): Promise<string> {
    const box = this.mailbox(user);
    const inbox = box.folderByRole('inbox');
    if (!inbox) throw new MailBackendError('memory: the mailbox has no inbox');
    return box.append(inbox.id, mime, o);
  }

  private async sendAs(user: MemoryMailUser, mime: Buffer, opts: SendOptions): Promise<void> {
    let meta;
    try {
      meta = await readMessage(mime);
    } catch (err) {
      throw new MailBackendError('memory: the message cannot be parsed', { cause: err });
    }
    const recipients = [
      ...new Set([...meta.to, ...meta.cc, ...meta.bcc].map((a) => a.address.toLowerCase())),
    ];
    if (recipients.length === 0)
      throw new MailBackendError('memory: the message has no recipients (To, Cc, Bcc)');
    const transmitted = withoutBcc(mime);
    const external: string[] = [];
    for (const rcpt of recipients) {
      const id = this.byEmail.get(rcpt);
      const box = id ? this.boxes.get(id) : undefined;
      const inbox = box?.folderByRole('inbox');
      if (box && inbox) await box.append(inbox.id, transmitted);
      else external.push(rcpt);
    }
    if (external.length) {
      this.outbound.push({ fromUserId: user.id, recipients: external, mime: transmitted, at: this.clock() });
      if (this.outbound.length > 1000) this.outbound.shift();
    }
    if (opts.saveInSent) {
      const box = this.mailbox(user);
      const sent = box.folderByRole('sent') ?? box.createFolder(null, 'Sent Items');
      await box.append(sent.id, mime, { flags: { read: true } });
    }
  }

  onChange(listener: (e: MailChangeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
