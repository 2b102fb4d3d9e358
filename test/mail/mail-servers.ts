// A private Dovecot plus an SMTP submission server that delivers into it (over LMTP) for the
// recipients of the test domain, started once per test file and stopped after it. Under CI a
// Dovecot that cannot start is a failing test; locally the tests that need it skip with the reason.
import { after, test } from 'node:test';
import { startDovecot, type DovecotInstance } from './dovecot.js';
import { startSubmission, type SubmissionServer } from './submission.js';

export const TEST_DOMAIN = 'syncward.test';

export interface MailServers {
  dovecot: DovecotInstance | null;
  submission: SubmissionServer | null;
  /** false when both run; otherwise why not (for `describe(..., { skip })`). */
  skip: false | string;
}

export async function startMailServers(): Promise<MailServers> {
  let dovecot: DovecotInstance | null = null;
  let submission: SubmissionServer | null = null;
  let startError: unknown = null;
  try {
    dovecot = await startDovecot();
    const d = dovecot;
    submission = await startSubmission({
      // Hand each accepted message to Dovecot, for the recipients that are test users here.
      deliver: async (mail) => {
        const local = mail.to.filter((a) => a.endsWith(`@${TEST_DOMAIN}`));
        if (local.length) await d.deliver(local, mail.raw, mail.from);
      },
    });
  } catch (err) {
    startError = err;
    await dovecot?.stop();
    dovecot = null;
  }
  after(async () => {
    await submission?.close();
    await dovecot?.stop();
  });
  const skip = dovecot
    ? false
    : `Dovecot did not start: ${String((startError as Error | null)?.message ?? startError)}`;
  if (!dovecot && process.env.CI) {
    test('Dovecot starts (required in CI)', () => {
      throw startError instanceof Error ? startError : new Error(String(startError));
    });
  } else if (!dovecot) {
    console.log(`# skipping the Dovecot tests: ${String(skip)}`);
  }
  return { dovecot, submission, skip };
}
