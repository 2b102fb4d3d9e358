// A scriptable in-process IMAP server for unit tests: enough IMAP4rev1 for imapflow to log in,
// LIST, STATUS, SELECT, NOOP and IDLE, with hooks to refuse, fail or drop any command.
// Not a mail store: mailboxes are counters that tests change (deliver) to trigger updates.
import { createServer, type Server, type Socket } from 'node:net';

export interface MockMailbox {
  uidValidity: number;
  uidNext: number;
  messages: number;
}

export interface MockCommand {
  tag: string;
  name: string;
  args: string[];
  socket: Socket;
}

export interface ImapMockOptions {
  users: Record<string, string>;
  /** Without 'IDLE' imapflow polls instead. Default: IMAP4rev1 IDLE UIDPLUS. */
  capabilities?: string[];
  /** Return true when the command was answered here (scripted failures, drops). */
  onCommand?: (cmd: MockCommand, mock: ImapMock) => boolean;
}

export class ImapMock {
  port = 0;
  readonly mailboxes = new Map<string, MockMailbox>([['INBOX', { uidValidity: 1, uidNext: 1, messages: 0 }]]);
  /** Every command line received, for assertions (LOGIN lines included: this is a test server). */
  readonly received: string[] = [];
  readonly sockets = new Set<Socket>();
  logins = 0;
  private readonly server: Server;
  private readonly idling = new Map<Socket, string>();
  private readonly selected = new Map<Socket, string>();

  constructor(private readonly opts: ImapMockOptions) {
    this.server = createServer((s) => this.accept(s));
  }

  get capabilities(): string[] {
    return this.opts.capabilities ?? ['IMAP4rev1', 'IDLE', 'UIDPLUS'];
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const a = this.server.address();
    this.port = typeof a === 'object' && a ? a.port : 0;
    return this;
  }

  /** A message arrives: counters move, and IDLE-ing connections that selected it hear EXISTS. */
  deliver(path = 'INBOX'): void {
    const mb = this.mailboxes.get(path);
    if (!mb) throw new Error(`no mailbox ${path}`);
    mb.messages++;
    mb.uidNext++;
    for (const [s, p] of this.idling) if (p === path) s.write(`* ${mb.messages} EXISTS\r\n`);
  }

  /** Cuts every connection, as a server restart or a NAT timeout would. */
  dropAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(s: Socket): void {
    this.sockets.add(s);
    s.on('close', () => {
      this.sockets.delete(s);
      this.idling.delete(s);
      this.selected.delete(s);
    });
    s.on('error', () => {});
    s.write(`* OK [CAPABILITY ${this.capabilities.join(' ')}] mock ready\r\n`);
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      for (let i = buf.indexOf('\r\n'); i >= 0; i = buf.indexOf('\r\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        this.line(s, line);
      }
    });
  }

  private line(s: Socket, line: string): void {
    this.received.push(line);
    if (this.idling.has(s)) {
      if (line.trim().toUpperCase() === 'DONE') {
        const tag = (s as Socket & { idleTag?: string }).idleTag ?? '*';
        this.idling.delete(s);
        s.write(`${tag} OK IDLE terminated\r\n`);
      }
      return;
    }
    const tokens = tokenize(line);
    const [tag = '*', name = '', ...args] = tokens;
    const cmd: MockCommand = { tag, name: name.toUpperCase(), args, socket: s };
    if (this.opts.onCommand?.(cmd, this)) return;
    this.handle(cmd);
  }

  private status(path: string, items: string[]): string {
    const mb = this.mailboxes.get(path) as MockMailbox;
    const values: Record<string, number> = {
      MESSAGES: mb.messages,
      UIDNEXT: mb.uidNext,
      UIDVALIDITY: mb.uidValidity,
      UNSEEN: 0,
      RECENT: 0,
    };
    return items.map((i) => `${i} ${values[i] ?? 0}`).join(' ');
  }

  private handle({ tag, name, args, socket: s }: MockCommand): void {
    const ok = (text = `${name} completed`): void => void s.write(`${tag} OK ${text}\r\n`);
    switch (name) {
      case 'CAPABILITY':
        s.write(`* CAPABILITY ${this.capabilities.join(' ')}\r\n`);
        return ok();
      case 'LOGIN': {
        const [user = '', pass = ''] = args;
        if (this.opts.users[user] !== undefined && this.opts.users[user] === pass) {
          this.logins++;
          return ok(`[CAPABILITY ${this.capabilities.join(' ')}] Logged in`);
        }
        s.write(`${tag} NO [AUTHENTICATIONFAILED] Authentication failed.\r\n`);
        return;
      }
      case 'NOOP':
        return ok();
      case 'LOGOUT':
        s.write('* BYE Logging out\r\n');
        ok();
        s.end();
        return;
      case 'LIST':
      case 'LSUB': {
        const pattern = args[1] ?? '*';
        // LIST "" "" asks for the hierarchy delimiter only (RFC 3501 6.3.8).
        if (pattern === '') s.write(`* ${name} (\\Noselect) "/" ""\r\n`);
        for (const path of this.mailboxes.keys()) {
          if (pattern === '*' || pattern === '%' || pattern === path) {
            s.write(`* ${name} (\\HasNoChildren) "/" "${path}"\r\n`);
          }
        }
        return ok();
      }
      case 'STATUS': {
        const path = args[0] ?? '';
        if (!this.mailboxes.has(path)) {
          s.write(`${tag} NO [NONEXISTENT] Mailbox doesn't exist\r\n`);
          return;
        }
        const items = (args
          .slice(1)
          .join(' ')
          .match(/[A-Z]+/g) ?? []) as string[];
        s.write(`* STATUS "${path}" (${this.status(path, items)})\r\n`);
        return ok();
      }
      case 'SELECT':
      case 'EXAMINE': {
        const path = args[0] ?? '';
        const mb = this.mailboxes.get(path);
        if (!mb) {
          s.write(`${tag} NO [NONEXISTENT] Mailbox doesn't exist\r\n`);
          return;
        }
        this.selected.set(s, path);
        s.write(
          `* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n` +
            `* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] ok\r\n` +
            `* ${mb.messages} EXISTS\r\n* 0 RECENT\r\n` +
            `* OK [UIDVALIDITY ${mb.uidValidity}] ok\r\n* OK [UIDNEXT ${mb.uidNext}] ok\r\n`,
        );
        return ok(`[${name === 'SELECT' ? 'READ-WRITE' : 'READ-ONLY'}] ${name} completed`);
      }
      case 'IDLE': {
        if (!this.capabilities.includes('IDLE')) {
          s.write(`${tag} BAD Unknown command\r\n`);
          return;
        }
        (s as Socket & { idleTag?: string }).idleTag = tag;
        this.idling.set(s, this.selected.get(s) ?? '');
        s.write('+ idling\r\n');
        return;
      }
      default:
        s.write(`${tag} BAD Unknown command ${name}\r\n`);
    }
  }
}

/** Splits an IMAP command line into atoms and quoted strings (no literals). */
function tokenize(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] as string));
  }
  return out;
}

export async function startImapMock(opts: ImapMockOptions): Promise<ImapMock> {
  return new ImapMock(opts).listen();
}
