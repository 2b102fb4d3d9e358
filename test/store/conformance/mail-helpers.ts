// Helpers of the mail-store conformance groups: a user with a folder, content from bytes, and
// messages added in one call.
import { randomUUID } from 'node:crypto';
import type {
  MailFlags,
  MailFolderRole,
  MessageSummary,
  StoredMailBodies,
  StoredMailFolder,
  StoredMessage,
} from '../../../src/store/mail-store.js';
import type { Store } from '../../../src/store/types.js';
import { NO_MAIL_FLAGS, makeSummary, makeUser, T1 } from './fixtures.js';

export async function mailUser(store: Store, email?: string): Promise<string> {
  const user = makeUser(email === undefined ? {} : { email });
  await store.putUser(user);
  return user.id;
}

export async function folder(
  store: Store,
  userId: string,
  name = `Folder ${randomUUID().slice(0, 8)}`,
  over: { parentId?: string | null; role?: MailFolderRole | null } = {},
): Promise<StoredMailFolder> {
  return store.createMailFolder({
    id: randomUUID(),
    userId,
    parentId: over.parentId ?? null,
    name,
    role: over.role ?? null,
  });
}

/** Pieces of uneven sizes, so chunk boundaries never line up with them. */
export async function* pieces(data: Buffer, size = 70_001): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

export async function readAll(stream: AsyncIterable<unknown> | Iterable<unknown>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of stream) out.push(c as Buffer);
  return Buffer.concat(out);
}

export async function addMessage(
  store: Store,
  userId: string,
  folderId: string,
  over: {
    bytes?: Buffer;
    receivedAt?: Date;
    flags?: Partial<MailFlags>;
    summary?: MessageSummary;
    bodies?: StoredMailBodies | null;
  } = {},
): Promise<StoredMessage> {
  const bytes = over.bytes ?? Buffer.from(`Subject: test ${randomUUID()}\r\n\r\nbody\r\n`);
  const content = await store.writeMailContent(userId, pieces(bytes));
  const message = await store.addMailMessage({
    userId,
    folderId,
    contentId: content.id,
    receivedAt: over.receivedAt ?? T1,
    flags: { ...NO_MAIL_FLAGS, ...over.flags },
    summary: over.summary ?? makeSummary(),
    ...(over.bodies === undefined ? {} : { bodies: over.bodies }),
  });
  if (!message) throw new Error('addMessage: folder missing');
  return message;
}

export async function counter(store: Store, userId: string, folderId: string): Promise<number> {
  const f = await store.getMailFolder(userId, folderId);
  if (!f) throw new Error('counter: folder missing');
  return f.changeCounter;
}
