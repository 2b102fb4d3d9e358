// What a quarantined device sees instead of the mailbox: the standard folders, and in the Inbox
// exactly one message, the quarantine notice (Exchange shows such a notice too; its content is ours).
// Read-only: every write is refused with MailReadOnlyError, which the EAS commands map to a status
// or to a silent no-op where the protocol expects success (see src/eas/sync/client-commands.ts).
import type { Readable } from 'node:stream';
import { MemoryMailbox } from './memory/mailbox.js';
import { MemorySession } from './memory/session.js';
import type {
  FolderListing,
  FolderRole,
  MailFolder,
  MailSearchQuery,
  MailSearchResult,
  MailSession,
  MessageBodies,
  MessageHeaders,
} from './types.js';

/** A write to a read-only mailbox (the quarantine view). */
export class MailReadOnlyError extends Error {
  readonly code = 'EAS_ERR_MAIL_READ_ONLY';
}

export const QUARANTINE_SUBJECT = 'Your device is quarantined';

/**
 * Folder ids carry a prefix no backend uses, so a device that moves between the real mailbox and
 * this view never has a real folder's item state matched against the notice (or the reverse).
 */
const FOLDERS: ReadonlyArray<{ id: string; name: string; role: FolderRole }> = [
  { id: 'quarantine:inbox', name: 'Inbox', role: 'inbox' },
  { id: 'quarantine:drafts', name: 'Drafts', role: 'drafts' },
  { id: 'quarantine:deleted', name: 'Deleted Items', role: 'deleted' },
  { id: 'quarantine:sent', name: 'Sent Items', role: 'sent' },
  { id: 'quarantine:outbox', name: 'Outbox', role: 'outbox' },
];

export interface QuarantineNoticeInput {
  user: { email: string; displayName: string };
  device: {
    /** Association id: makes the notice's Message-ID stable for the device. */
    id: string;
    deviceId: string;
    deviceType: string;
    model: string | null;
    quarantinedAt: Date | null;
  };
  /** OrgSettings.userMailInsert: the organisation's own text (help desk, policy link). */
  userMailInsert: string;
  /** Used when the device has no quarantine time recorded. */
  now: Date;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function base64Body(s: string): string {
  return (
    Buffer.from(s, 'utf8')
      .toString('base64')
      .match(/.{1,76}/g) ?? []
  ).join('\r\n');
}

/** Only printable ASCII in header values we build ourselves (no header injection, no encoding needed). */
function headerSafe(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '').replace(/[<>"\\]/g, '');
}

/** The notice as a real MIME message: multipart/alternative, UTF-8 text and HTML, base64. */
export function buildQuarantineNotice(input: QuarantineNoticeInput): Buffer {
  const { user, device } = input;
  const at = device.quarantinedAt ?? input.now;
  const when = at
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
  const model = device.model ?? 'unknown model';
  const domain = user.email.includes('@') ? user.email.slice(user.email.lastIndexOf('@') + 1) : 'localhost';
  const lines = [
    `Your device (${device.deviceType}, ${model}) tried to synchronise the mailbox ${user.email} on ${when}.`,
    '',
    'The device is quarantined: its access is pending approval by your administrator.',
    'Until then this message is all the device shows. You do not need to do anything:',
    'once the device is allowed, your mail appears on it by itself.',
    ...(input.userMailInsert.trim() ? ['', input.userMailInsert.trim()] : []),
    '',
    `Device type: ${device.deviceType}`,
    `Device model: ${model}`,
    `Device ID: ${device.deviceId}`,
    `Quarantined: ${when}`,
  ];
  const text = lines.join('\r\n') + '\r\n';
  const html =
    '<html><body>' +
    lines.map((l) => (l ? `<p>${escapeHtml(l).replace(/\r?\n/g, '<br>')}</p>` : '')).join('') +
    '</body></html>';
  const boundary = 'syncward-quarantine-notice';
  return Buffer.from(
    [
      `From: "Mail administrator" <no-reply@${headerSafe(domain)}>`,
      `To: "${headerSafe(user.displayName) || headerSafe(user.email)}" <${headerSafe(user.email)}>`,
      `Subject: ${QUARANTINE_SUBJECT}`,
      `Date: ${at.toUTCString().replace('GMT', '+0000')}`,
      `Message-ID: <quarantine-${headerSafe(device.id)}@syncward.invalid>`,
      'Importance: high',
      'MIME-Version: 1.0',
      `Content-Type: multipart/alternative; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      base64Body(text),
      `--${boundary}`,
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      base64Body(html),
      `--${boundary}--`,
      '',
    ].join('\r\n'),
    'utf8',
  );
}

/** Builds the view for one request. The notice always has the same id, so devices never see it change. */
export async function createQuarantineView(input: QuarantineNoticeInput): Promise<MailSession> {
  const at = input.device.quarantinedAt ?? input.now;
  const box = new MemoryMailbox(
    () => undefined,
    () => at,
    FOLDERS,
  );
  await box.append('quarantine:inbox', buildQuarantineNotice(input), { receivedAt: at });
  return new QuarantineSession(
    new MemorySession(box, async () => {
      throw new MailReadOnlyError('quarantine: sending is not allowed');
    }),
  );
}

const refuse = (what: string): never => {
  throw new MailReadOnlyError(`quarantine: ${what} is not allowed while the device is quarantined`);
};

class QuarantineSession implements MailSession {
  constructor(private readonly inner: MemorySession) {}

  listFolders(): Promise<MailFolder[]> {
    return this.inner.listFolders();
  }
  listMessages(folderId: string, opts?: { since?: Date | null }): Promise<FolderListing> {
    return this.inner.listMessages(folderId, opts);
  }
  getHeaders(folderId: string, ids: string[]): Promise<MessageHeaders[]> {
    return this.inner.getHeaders(folderId, ids);
  }
  getBodies(folderId: string, id: string): Promise<MessageBodies | null> {
    return this.inner.getBodies(folderId, id);
  }
  openMime(folderId: string, id: string): Promise<{ size: number; stream: Readable } | null> {
    return this.inner.openMime(folderId, id);
  }
  openAttachment(folderId: string, id: string, partId: string) {
    return this.inner.openAttachment(folderId, id, partId);
  }
  /** Reading: served (it finds at most the notice). The EAS Search command refuses quarantine anyway (129). */
  search(query: MailSearchQuery): Promise<MailSearchResult> {
    return this.inner.search(query);
  }
  async createFolder(): Promise<MailFolder> {
    return refuse('creating folders');
  }
  async renameFolder(): Promise<MailFolder> {
    return refuse('renaming folders');
  }
  async deleteFolder(): Promise<void> {
    refuse('deleting folders');
  }
  async setFlags(): Promise<void> {
    refuse('changing flags');
  }
  async deleteMessages(): Promise<void> {
    refuse('deleting messages');
  }
  async moveMessages(): Promise<Map<string, string>> {
    return refuse('moving messages');
  }
  async appendMessage(): Promise<string> {
    return refuse('storing messages');
  }
  async send(): Promise<void> {
    refuse('sending');
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
