// The one definition of correct mail-backend behaviour: every MailBackend (embedded, IMAP+SMTP)
// runs this suite through a short test/mail/<backend>.test.ts. Each test gets a fresh backend
// with at least two fresh, empty mailboxes from `makeBackend`.
import type { TestContext } from 'node:test';
import { describe, test } from 'node:test';
import type { MailBackend, MailCredentials, MailSession } from '../../../src/mail/types.js';
import { changeTests } from './changes.js';
import { contentTests } from './content.js';
import { folderTests } from './folders.js';
import { listingTests } from './listing.js';
import { searchTests } from './search.js';
import { sendTests } from './send.js';
import { streamingTests } from './streaming.js';
import { writeTests } from './writes.js';

export type MailUser = Parameters<MailBackend['open']>[0];

export interface MailHarness {
  backend: MailBackend;
  /** At least two users, each with an empty mailbox that has an inbox, sent, drafts and deleted folder. */
  users: Array<{ user: MailUser; credentials: MailCredentials }>;
  /** Deliver a message into the user's inbox as incoming mail would arrive (an MTA, LMTP). */
  deliver(toUser: MailUser, mime: Buffer): Promise<void>;
  /** Close the backend (if still open) and remove its data. */
  cleanup(): Promise<void>;
}

export type MakeMailBackend = () => Promise<MailHarness>;

export interface MailTestContext {
  harness: MailHarness;
  backend: MailBackend;
  /** users[0]'s session, opened before the test and closed after it. */
  session: MailSession;
  user: MailUser;
  /** Opens a session of users[i] (closed after the test). */
  open(i: number): Promise<MailSession>;
}

/** Declares one test that runs against its own fresh backend, cleaned up afterwards. */
export type MailTest = (
  name: string,
  fn: (ctx: MailTestContext, t: TestContext) => Promise<void>,
  opts?: { timeout?: number },
) => void;

/** Tests within a group run this many at a time; each has its own backend and users. */
const CONCURRENCY = 4;

export function describeMailConformance(name: string, makeBackend: MakeMailBackend): void {
  const mailTest: MailTest = (testName, fn, opts) => {
    test(testName, { timeout: opts?.timeout ?? 30_000 }, async (t) => {
      const harness = await makeBackend();
      const sessions: MailSession[] = [];
      try {
        const open = async (i: number): Promise<MailSession> => {
          const u = harness.users[i];
          if (!u) throw new Error(`harness has no users[${i}]`);
          const s = await harness.backend.open(u.user, u.credentials);
          sessions.push(s);
          return s;
        };
        const session = await open(0);
        const user = (harness.users[0] as { user: MailUser }).user;
        await fn({ harness, backend: harness.backend, session, user, open }, t);
      } finally {
        for (const s of sessions) await s.close().catch(() => undefined);
        await harness.cleanup();
      }
    });
  };

  describe(`mail conformance: ${name}`, () => {
    describe('folders: list, roles, create, rename, delete', { concurrency: CONCURRENCY }, () =>
      folderTests(mailTest),
    );
    describe('listing: entries, since windows, checkpoints', { concurrency: CONCURRENCY }, () =>
      listingTests(mailTest),
    );
    describe('headers and bodies', { concurrency: CONCURRENCY }, () => contentTests(mailTest));
    // One at a time: the 25 MB test measures the process's memory.
    describe('streaming: MIME and attachments', { concurrency: 1 }, () => streamingTests(mailTest));
    describe('flags, deletes, moves, appends', { concurrency: CONCURRENCY }, () => writeTests(mailTest));
    describe('send', { concurrency: CONCURRENCY }, () => sendTests(mailTest));
    describe('change notifications', { concurrency: CONCURRENCY }, () => changeTests(mailTest));
    describe('search', { concurrency: CONCURRENCY }, () => searchTests(mailTest));
  });
}
