// An SMTP submission server for tests (smtp-server on 127.0.0.1:0): AUTH PLAIN/LOGIN against
// the test users, records every message, and hands it on (an LMTP delivery into Dovecot) so
// sent mail shows up in the recipients' mailboxes.
import { SMTPServer } from 'smtp-server';

export interface SubmittedMail {
  user: string;
  from: string;
  to: string[];
  raw: Buffer;
}

export interface SubmissionServer {
  host: '127.0.0.1';
  port: number;
  messages: SubmittedMail[];
  /** Logins refused so far (wrong password or unknown user). */
  refusedLogins: number;
  addUser(username: string, password: string): void;
  close(): Promise<void>;
}

export async function startSubmission(opts: {
  /** Called for every accepted message; a rejection fails the DATA command. */
  deliver?: (mail: SubmittedMail) => Promise<void>;
}): Promise<SubmissionServer> {
  const users = new Map<string, string>();
  const messages: SubmittedMail[] = [];
  const state = { refusedLogins: 0 };
  const server = new SMTPServer({
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 64 * 1024 * 1024,
    onAuth(auth, _session, callback) {
      if (auth.username && users.get(auth.username) === auth.password) {
        callback(null, { user: auth.username });
        return;
      }
      state.refusedLogins++;
      callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const mail: SubmittedMail = {
          user: String(session.user ?? ''),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
        };
        messages.push(mail);
        (opts.deliver ? opts.deliver(mail) : Promise.resolve()).then(
          () => callback(),
          (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
        );
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    host: '127.0.0.1',
    port,
    messages,
    get refusedLogins() {
      return state.refusedLogins;
    },
    addUser(username, password) {
      users.set(username, password);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
