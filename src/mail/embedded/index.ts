// The embedded mail backend: mailboxes kept in Syncward's own store (MailStore, SQLite or
// PostgreSQL), mail received by the SMTP listener (smtp-listener.ts) and sent to local users
// directly or to an SMTP smarthost. Not an IMAP server: devices reach this mail only over EAS.
//
// No credential check here: the EAS gate has already authenticated the user against the store.
// Change events are in-process by default. Several server nodes on one PostgreSQL database must
// pass `changes: await createPgChangeBus(...)` (LISTEN/NOTIFY), or a Ping held on one node would
// not hear of mail delivered through another.
import { randomUUID } from 'node:crypto';
import type { MailFlags, MailStore, NewMailFolder, StoredMessage } from '../../store/mail-store.js';
import { recipientsOf, withoutBcc } from '../headers.js';
import { MailBackendError, MailNotFoundError } from '../types.js';
import type { MailBackend, MailChangeEvent, MailCredentials, SendOptions } from '../types.js';
import { LocalChangeBus, type ChangeBus } from './changes.js';
import { errorSummary, type EmbeddedLog } from './log.js';
import { collectBodies, collectBodyText, collectSummary, newParser, teeIntoParser } from './mime.js';
import { PartScanner, scanThrough, withRanges } from './part-ranges.js';
import { enhancedStatus, nonDeliveryReport, type Undelivered } from './ndr.js';
import { relay, type SmarthostOptions } from './outgoing.js';
import { EmbeddedSession } from './session.js';

export type { ChangeBus } from './changes.js';
export { LocalChangeBus } from './changes.js';
export { createPgChangeBus, type PgChangeBusOptions } from './pg-notify.js';
export type { EmbeddedLog } from './log.js';
export type { SmarthostOptions } from './outgoing.js';
export { EmbeddedSession, parseMessageId } from './session.js';

/** Folders every mailbox gets on first use, with Exchange's English names. */
export const DEFAULT_FOLDERS: ReadonlyArray<{ name: string; role: NonNullable<NewMailFolder['role']> }> = [
  { name: 'Inbox', role: 'inbox' },
  { name: 'Drafts', role: 'drafts' },
  { name: 'Deleted Items', role: 'deleted' },
  { name: 'Sent Items', role: 'sent' },
  { name: 'Outbox', role: 'outbox' },
  { name: 'Junk E-mail', role: 'junk' },
];

/** Default size limit of a stored message: Exchange Online's default receive limit is 36 MB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 50 * 1024 * 1024;

export interface EmbeddedBackendOptions {
  /** The state store (a Store is a MailStore). */
  store: MailStore;
  /** Relay for recipients who are not users of this server; without it, such messages are refused. */
  smarthost?: SmarthostOptions;
  log: EmbeddedLog;
  /** Largest message appendMessage, send and deliver accept; default DEFAULT_MAX_MESSAGE_BYTES. */
  maxMessageBytes?: number;
  /** Default: in-process (LocalChangeBus). Multi-node PostgreSQL: createPgChangeBus (pg-notify.ts). */
  changes?: ChangeBus;
  /** Arrival time of stored messages; default the wall clock. */
  clock?: () => Date;
}

export interface DeliverOptions {
  receivedAt?: Date;
  maxBytes?: number;
}

export function createEmbeddedBackend(options: EmbeddedBackendOptions): EmbeddedMailBackend {
  return new EmbeddedMailBackend(options);
}

const NO_FLAGS: MailFlags = { read: false, flagged: false, answered: false, forwarded: false };

export class EmbeddedMailBackend implements MailBackend {
  readonly kind = 'embedded';
  readonly store: MailStore;
  private readonly log: EmbeddedLog;
  private readonly changes: ChangeBus;
  private readonly clock: () => Date;
  private readonly maxBytes: number;
  /** Users whose default folders are known to exist (cleared if a delivery finds no Inbox). */
  private readonly ensured = new Set<string>();

  constructor(private readonly options: EmbeddedBackendOptions) {
    this.store = options.store;
    this.log = options.log;
    this.changes = options.changes ?? new LocalChangeBus(options.log);
    this.clock = options.clock ?? (() => new Date());
    this.maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  /** Create the user's default folders if missing; cheap after the first call per process. */
  async ensureMailbox(userId: string): Promise<void> {
    if (this.ensured.has(userId)) return;
    await this.store.ensureMailFolders(
      DEFAULT_FOLDERS.map((f) => ({ id: randomUUID(), userId, parentId: null, name: f.name, role: f.role })),
    );
    this.ensured.add(userId);
  }

  async open(
    user: { id: string; username: string; email: string; displayName: string },
    _credentials: MailCredentials,
  ): Promise<EmbeddedSession> {
    await this.ensureMailbox(user.id);
    return new EmbeddedSession({
      store: this.store,
      userId: user.id,
      publish: (folderId, kind) => this.publish({ userId: user.id, folderId, kind }),
      ingest: async (folderId, mime, flags) => (await this.ingest(user.id, folderId, [mime], flags)).id,
      send: (mime, opts) => this.sendAs(user, mime, opts),
    });
  }

  /**
   * Incoming mail for a user, as an MTA hands it over: streamed into their Inbox (created on first
   * use). Throws MailContentTooLargeError (src/store/mail-store.ts) past the size limit, with
   * nothing stored.
   */
  async deliver(
    userId: string,
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    opts: DeliverOptions = {},
  ): Promise<StoredMessage> {
    await this.ensureMailbox(userId);
    const inbox = (await this.store.listMailFolders(userId)).find((f) => f.role === 'inbox');
    if (!inbox) {
      this.ensured.delete(userId);
      throw new MailBackendError(`embedded: user ${userId} has no Inbox`);
    }
    return this.ingest(userId, inbox.id, source, NO_FLAGS, opts);
  }

  /**
   * Store a message: the bytes go to the store chunk by chunk while mailparser reads the same
   * chunks for the header summary, search text and rendered bodies, and part-ranges.ts scans them
   * for attachment ranges, so the message is never held whole (only its text parts). Publishes 'add'.
   */
  private async ingest(
    userId: string,
    folderId: string,
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    flags: MailFlags,
    opts: DeliverOptions = {},
  ): Promise<StoredMessage> {
    const parser = newParser();
    const summary = collectSummary(parser);
    const bodyText = collectBodyText(parser);
    // Kept so a Sync with BodyPreference 1 or 2 does not re-parse the message's attachments.
    const bodies = collectBodies(parser);
    // Attachment ranges, so a fetch reads one part of the stored message instead of parsing it all.
    const scanner = new PartScanner();
    let contentId: string;
    try {
      contentId = (
        await this.store.writeMailContent(userId, teeIntoParser(scanThrough(source, scanner), parser), {
          maxBytes: opts.maxBytes ?? this.maxBytes,
        })
      ).id;
    } catch (err) {
      parser.destroy();
      await Promise.all([summary, bodyText, bodies]);
      throw err;
    }
    const { summary: parsed, digests } = await summary;
    let message: StoredMessage | null;
    try {
      message = await this.store.addMailMessage({
        userId,
        folderId,
        contentId,
        receivedAt: opts.receivedAt ?? this.clock(),
        flags,
        summary: withRanges(parsed, digests, scanner.end()),
        bodyText: await bodyText,
        bodies: await bodies,
      });
    } catch (err) {
      await this.store.deleteMailContent(userId, contentId);
      throw err;
    }
    if (!message) {
      await this.store.deleteMailContent(userId, contentId);
      throw new MailNotFoundError(`mail: folder ${folderId} not found`);
    }
    this.publish({ userId, folderId, kind: 'add' });
    return message;
  }

  /**
   * send(): local recipients (users of this server, by address ignoring ASCII case) get the message
   * in their Inbox; the others go to the smarthost in one transaction, before any local delivery, so
   * a refused relay delivers nothing. Without a smarthost, a message with outside recipients is
   * refused whole. Recipients never see the Bcc header; the Sent copy keeps it.
   */
  private async sendAs(user: { id: string; email: string }, mime: Buffer, opts: SendOptions): Promise<void> {
    if (mime.length > this.maxBytes) {
      throw new MailBackendError(`embedded: the message is larger than ${this.maxBytes} bytes`);
    }
    const recipients = recipientsOf(mime);
    if (recipients.length === 0)
      throw new MailBackendError('embedded: the message has no recipients (To, Cc, Bcc)');
    const local = new Map<string, string>(); // userId -> the address it was sent to
    const external: string[] = [];
    for (const address of recipients) {
      const userId = await this.store.findUserIdByEmail(address);
      if (userId === null) external.push(address);
      else if (!local.has(userId)) local.set(userId, address);
    }
    const transmitted = withoutBcc(mime);
    // Once anyone has the message, later failures must not fail the send: the phone would resend
    // it to everyone. They go to the sender as a non-delivery report instead.
    const undelivered: Undelivered[] = [];
    let delivered = 0;
    if (external.length > 0) {
      if (!this.options.smarthost) {
        throw new MailBackendError(
          `embedded: no smarthost is configured, so mail to ${external.join(', ')} (not users of this server) cannot be sent`,
        );
      }
      const { refused } = await relay(
        this.options.smarthost,
        { from: user.email, to: external },
        transmitted,
      );
      delivered += external.length - refused.length;
      for (const r of refused)
        undelivered.push({
          address: r.address,
          diagnostic: r.response,
          status: enhancedStatus(r.response, r.code),
        });
      this.log.info(
        { userId: user.id, recipients: external.length, refused: refused.length },
        'embedded mail: relayed to the smarthost',
      );
    }
    let failure: unknown;
    for (const [userId, address] of local) {
      try {
        await this.deliver(userId, [transmitted]);
        delivered++;
      } catch (err) {
        this.log.error({ userId, err: errorSummary(err) }, 'embedded mail: local delivery failed');
        failure ??= err;
        undelivered.push({ address, diagnostic: 'local delivery failed', status: '4.3.0' });
      }
    }
    if (delivered === 0 && failure !== undefined) {
      // Nobody has it: the phone may safely send again.
      throw new MailBackendError('embedded: delivery to a local recipient failed', { cause: failure });
    }
    if (undelivered.length > 0) {
      this.log.warn(
        { userId: user.id, undelivered: undelivered.length },
        'embedded mail: some recipients did not get the message; reporting to the sender',
      );
      await this.deliver(user.id, [
        nonDeliveryReport({
          sender: user.email,
          original: mime,
          undelivered,
          now: this.clock(),
          reportingHost: 'syncward',
        }),
      ]).catch((err: unknown) =>
        this.log.error(
          { userId: user.id, err: errorSummary(err) },
          'embedded mail: non-delivery report lost',
        ),
      );
    }
    if (opts.saveInSent) {
      try {
        const sent = (await this.store.listMailFolders(user.id)).find((f) => f.role === 'sent');
        if (!sent) throw new MailBackendError('embedded: the mailbox has no Sent Items folder');
        await this.ingest(user.id, sent.id, [mime], { ...NO_FLAGS, read: true });
      } catch (err) {
        // The message went out; failing now would make the phone send it again.
        this.log.error(
          { userId: user.id, err: errorSummary(err) },
          'embedded mail: the Sent copy was not saved',
        );
      }
    }
  }

  private publish(e: MailChangeEvent): void {
    this.changes.publish(e);
  }

  onChange(listener: (e: MailChangeEvent) => void): () => void {
    return this.changes.subscribe(listener);
  }

  async close(): Promise<void> {
    await this.changes.close();
  }
}
