// Outgoing mail of a real `syncward serve` with --smarthost: SendMail, SmartReply and SmartForward
// reach a real SMTP listener with the right envelope and headers and land in Sent Items (only with
// SaveInSentItems); local recipients get theirs in the Inbox; a smarthost that is down or refuses
// gives the phone 120 MailSubmissionFailed, with nothing delivered or saved and the server still up.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ParsedMail } from 'mailparser';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import type { SendMailOptions } from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { EasClient, MailItemsClient } from '../../src/client/index.js';
import type { SyncItem } from '../../src/client/index.js';
import { runCli, startServe } from './serve-process.js';
import type { ServeProcess } from './serve-process.js';
import { startSmtpSink } from './smtp-sink.js';
import type { ReceivedMail, SmtpSink } from './smtp-sink.js';

const DEMO = 'demo@example.com';
const OUTSIDER = 'someone@example.net';

let dir: string;
let sink: SmtpSink;
let server: ServeProcess;
let demo: { phone: EasClient; items: MailItemsClient };
let bob: { phone: EasClient };
let sinkClosed = false;
/** Takes the sink's port over in the refusal tests. */
let refusing: Awaited<ReturnType<typeof startRefusingRelay>> | undefined;

let devices = 0;
async function newPhone(username: string, password: string, protocolVersion: '16.1' | '12.1' = '16.1') {
  const phone = new EasClient({
    baseUrl: server.url,
    username,
    password,
    deviceId: `RELAY${String(++devices).padStart(4, '0')}`,
    deviceType: 'iPhone',
    protocolVersion,
    userAgent: 'Apple-iPhone15C3/2201.100',
    deviceInformation: { Model: 'iPhone15C3', OS: 'iOS 18.1 22B83' },
  });
  assert.equal((await phone.provision()).ackStatus, 1);
  assert.equal((await phone.folderSync()).status, 1);
  return phone;
}

before(async () => {
  sink = await startSmtpSink();
  dir = mkdtempSync(join(tmpdir(), 'syncward-relay-'));
  server = await startServe({ dataDir: dir, args: ['--smarthost', sink.url] });
  assert.ok(server.demoPassword, server.output());
  const added = runCli(dir, 'user', 'add', 'bob', '--display-name', 'Bob Local');
  assert.equal(added.code, 0, added.err);
  const password = /password: (\S+)/.exec(added.out)?.[1];
  assert.ok(password, added.out);
  const phone = await newPhone('demo', server.demoPassword);
  demo = { phone, items: new MailItemsClient(phone) };
  bob = { phone: await newPhone('bob', password) };
});

after(async () => {
  await server?.kill();
  if (!sinkClosed) await sink?.close();
  await refusing?.close();
  rmSync(dir, { recursive: true, force: true });
});

function message(o: { to: string; cc?: string; bcc?: string; subject: string; body: string }): Buffer {
  return Buffer.from(
    [
      // The server replaces the device's From with the user's own address.
      'From: "Someone Else" <spoof@evil.example>',
      `To: ${o.to}`,
      ...(o.cc ? [`Cc: ${o.cc}`] : []),
      ...(o.bcc ? [`Bcc: ${o.bcc}`] : []),
      `Subject: ${o.subject}`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      o.body,
      '',
    ].join('\r\n'),
  );
}

/** Mail from outside, through the server's inbound SMTP listener. */
async function receive(m: SendMailOptions): Promise<void> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: server.smtpPort ?? 0,
    secure: false,
    ignoreTLS: true,
  });
  try {
    assert.match((await transport.sendMail(m)).response, /^250 /);
  } finally {
    transport.close();
  }
}

/** Everything new in a folder of the phone since its last Sync of it, with MIME bodies. */
async function fetchNew(phone: EasClient, type: number): Promise<Array<SyncItem & { mime: ParsedMail }>> {
  const collectionId = phone.folderOfType(type);
  assert.ok(collectionId, `a folder of type ${type}`);
  const { adds } = await phone.downloadFolder({
    collectionId,
    bodyPreferences: [{ type: 4 }],
    mimeSupport: 2,
  });
  return Promise.all(adds.map(async (a) => ({ ...a, mime: await simpleParser(a.email.body?.data ?? '') })));
}

/** Runs `send`; the one message the sink received meanwhile, parsed. */
async function relayed(send: () => Promise<void>): Promise<ReceivedMail & { mail: ParsedMail }> {
  const before = sink.messages.length;
  await send();
  const all = await sink.waitFor(before + 1);
  assert.equal(all.length, before + 1, 'one message relayed');
  const got = all[before] as ReceivedMail;
  return { ...got, mail: await simpleParser(got.raw) };
}

// Each test starts with nothing new to see, whatever the one before left behind.
beforeEach(async () => {
  await fetchNew(demo.phone, 2);
  await fetchNew(demo.phone, 5);
  await fetchNew(bob.phone, 2);
});

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('SendMail to outside recipients: the smarthost gets it with envelope and headers; a copy in Sent', async () => {
  const out = await relayed(async () => {
    const res = await demo.items.sendMail({
      saveInSent: true,
      mime: message({
        to: `"Some One" <${OUTSIDER}>`,
        bcc: 'hidden@example.org',
        subject: 'Relay me',
        body: 'Out through the smarthost.',
      }),
    });
    assert.deepEqual([res.httpStatus, res.sent, res.status], [200, true, null]);
  });
  assert.equal(out.from, DEMO);
  assert.deepEqual(out.to, [OUTSIDER, 'hidden@example.org']);
  assert.equal(out.mail.from?.value[0]?.address, DEMO);
  assert.doesNotMatch(out.raw, /evil\.example/);
  assert.deepEqual(
    [out.mail.to].flat().flatMap((a) => a?.value ?? []),
    [{ name: 'Some One', address: OUTSIDER }],
  );
  assert.equal(out.mail.subject, 'Relay me');
  assert.equal(out.mail.text?.trim(), 'Out through the smarthost.');
  assert.match(out.mail.messageId ?? '', /^<.+@example\.com>$/, 'the server gives it a Message-ID');
  assert.ok(out.mail.date, 'and a Date');
  assert.doesNotMatch(out.raw, /^bcc:/im, 'Bcc recipients are hidden from the others');

  // The Sent copy is the same message, Bcc kept for the sender.
  const sent = await fetchNew(demo.phone, 5);
  assert.deepEqual(
    sent.map((s) => [s.email.subject, s.mime.messageId, s.email.read]),
    [['Relay me', out.mail.messageId, true]],
  );
  assert.match(sent[0]?.email.body?.data ?? '', /^Bcc: hidden@example\.org/im);
});

test('SendMail without SaveInSentItems is relayed and not saved', async () => {
  const out = await relayed(async () => {
    const res = await demo.items.sendMail({
      mime: message({ to: OUTSIDER, subject: 'Not kept', body: 'No copy.' }),
    });
    assert.equal(res.sent, true, `status ${res.status}`);
  });
  assert.equal(out.mail.subject, 'Not kept');
  assert.deepEqual(await fetchNew(demo.phone, 5), []);
});

test('SendMail to a local user and an outsider: Inbox for one, smarthost for the other', async () => {
  const out = await relayed(async () => {
    const res = await demo.items.sendMail({
      saveInSent: true,
      mime: message({ to: 'bob@example.com', cc: OUTSIDER, subject: 'Both ways', body: 'Hello both.' }),
    });
    assert.equal(res.sent, true, `status ${res.status}`);
  });
  assert.deepEqual(out.to, [OUTSIDER], 'the local user is not relayed');
  assert.equal(out.mail.subject, 'Both ways');
  const inbox = await fetchNew(bob.phone, 2);
  assert.deepEqual(
    inbox.map((i) => [i.email.subject, i.mime.from?.value[0]?.address, i.mime.messageId]),
    [['Both ways', DEMO, out.mail.messageId]],
  );
  assert.deepEqual(
    (await fetchNew(demo.phone, 5)).map((s) => s.email.subject),
    ['Both ways'],
  );
});

test('SmartReply to mail that came in by SMTP: threaded, quoted, relayed, saved', async () => {
  await receive({
    from: `"Some One" <${OUTSIDER}>`,
    to: DEMO,
    subject: 'Question',
    messageId: '<question-2@example.net>',
    references: '<question-1@example.net>',
    text: 'Are you coming?\nPlease say.',
  });
  const [original] = await fetchNew(demo.phone, 2);
  assert.equal(original?.email.subject, 'Question');
  const out = await relayed(async () => {
    const res = await demo.items.smartReply({
      itemId: original.serverId,
      folderId: demo.phone.folderOfType(2),
      saveInSent: true,
      mime: message({ to: OUTSIDER, subject: 'Re: Question', body: 'Yes, see you there.' }),
    });
    assert.equal(res.sent, true, `status ${res.status}`);
  });
  assert.deepEqual([out.from, out.to], [DEMO, [OUTSIDER]]);
  assert.equal(out.mail.subject, 'Re: Question');
  assert.equal(out.mail.inReplyTo, '<question-2@example.net>');
  assert.deepEqual(out.mail.references, ['<question-1@example.net>', '<question-2@example.net>']);
  assert.match(out.mail.text ?? '', /^Yes, see you there\./);
  assert.match(
    out.mail.text ?? '',
    /"Some One" <someone@example\.net> wrote:\r?\n> Are you coming\?\r?\n> Please say\./,
  );
  const sent = await fetchNew(demo.phone, 5);
  assert.deepEqual(
    sent.map((s) => [s.email.subject, s.mime.inReplyTo, s.mime.messageId]),
    [['Re: Question', '<question-2@example.net>', out.mail.messageId]],
  );
});

test('SmartForward carries the original attachment to the smarthost', async () => {
  const file = randomBytes(30_000);
  await receive({
    from: `"Some One" <${OUTSIDER}>`,
    to: DEMO,
    subject: 'Report',
    text: 'The report.',
    attachments: [{ filename: 'report.bin', content: file }],
  });
  const [original] = await fetchNew(demo.phone, 2);
  assert.equal(original?.email.subject, 'Report');
  const out = await relayed(async () => {
    const res = await demo.items.smartForward({
      itemId: original.serverId,
      folderId: demo.phone.folderOfType(2),
      mime: message({ to: 'partner@example.org', subject: 'Fw: Report', body: 'FYI' }),
    });
    assert.equal(res.sent, true, `status ${res.status}`);
  });
  assert.deepEqual(out.to, ['partner@example.org']);
  assert.match(
    out.mail.text ?? '',
    /^FYI[\s\S]*-----Original Message-----[\s\S]*Subject: Report[\s\S]*The report\./,
  );
  assert.deepEqual(
    out.mail.attachments.map((a) => [a.filename, sha256(a.content)]),
    [['report.bin', sha256(file)]],
  );
  assert.deepEqual(await fetchNew(demo.phone, 5), [], 'no SaveInSentItems, no copy');
});

/**
 * The smarthost's port, taken over after the sink is gone: refuses RCPT for addresses with
 * "refused" in them, and everything at DATA while `down` is set.
 */
async function startRefusingRelay(port: number) {
  const accepted: ReceivedMail[] = [];
  const state = { down: true, accepted };
  const relay = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (address.address.includes('refused')) callback(smtpError('5.1.1 no such user', 550));
      else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (state.down) return callback(smtpError('5.7.1 relaying denied', 554));
        accepted.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    relay.server.once('error', reject);
    relay.listen(port, '127.0.0.1', resolve);
  });
  return { state, close: () => new Promise<void>((resolve) => relay.close(() => resolve())) };
}

function smtpError(message: string, responseCode: number): Error {
  return Object.assign(new Error(message), { responseCode });
}

test('a smarthost that is down or refuses: 120 to the phone, nothing delivered or saved, server up', async () => {
  const port = Number(new URL(sink.url).port);
  const mixed = (subject: string) =>
    message({ to: 'bob@example.com', cc: OUTSIDER, subject, body: 'Should not go anywhere.' });

  // 1. Nothing listens: 120 MailSubmissionFailed; the local recipient gets nothing either.
  await sink.close();
  sinkClosed = true;
  const down = await demo.items.sendMail({ clientId: 'OUTBOX-1', saveInSent: true, mime: mixed('Try 1') });
  assert.deepEqual([down.httpStatus, down.status, down.sent], [200, 120, false]);

  // 2. The smarthost answers but refuses the message (554 after DATA): 120 again.
  const relay = await startRefusingRelay(port);
  refusing = relay;
  const refused = await demo.items.sendMail({ clientId: 'OUTBOX-1', saveInSent: true, mime: mixed('Try 1') });
  assert.deepEqual([refused.httpStatus, refused.status], [200, 120]);
  // Every recipient refused at RCPT: 120 as well; a 12.1 phone gets HTTP 500 instead.
  const nobody = message({ to: 'refused@example.net', subject: 'Nobody', body: 'x' });
  assert.equal((await demo.items.sendMail({ mime: nobody })).status, 120);
  const legacy = new MailItemsClient(await newPhone('demo', demo.phone.opts.password, '12.1'));
  const old = await legacy.sendMail({ saveInSent: true, mime: nobody });
  assert.deepEqual([old.httpStatus, old.sent], [500, false]);

  // 3. Nothing went anywhere; the server is still up.
  assert.equal(server.alive(), true, server.output());
  assert.equal(relay.state.accepted.length, 0, 'the smarthost accepted nothing');
  assert.deepEqual(await fetchNew(bob.phone, 2), [], 'a refused relay delivers nothing locally');
  assert.deepEqual(await fetchNew(demo.phone, 5), [], 'nothing saved in Sent');

  // 4. The phone's outbox tries again once the smarthost is back: a failed send was not
  // remembered, so the same ClientId goes out (not 118), once.
  relay.state.down = false;
  const retry = await demo.items.sendMail({ clientId: 'OUTBOX-1', saveInSent: true, mime: mixed('Try 1') });
  assert.equal(retry.sent, true, `status ${retry.status}`);
  assert.deepEqual(
    relay.state.accepted.map((m) => [m.from, m.to]),
    [[DEMO, [OUTSIDER]]],
  );
  assert.deepEqual(
    (await fetchNew(bob.phone, 2)).map((i) => i.email.subject),
    ['Try 1'],
  );
  assert.deepEqual(
    (await fetchNew(demo.phone, 5)).map((i) => i.email.subject),
    ['Try 1'],
  );
  const again = await demo.items.sendMail({ clientId: 'OUTBOX-1', saveInSent: true, mime: mixed('Try 1') });
  assert.equal(again.status, 118, 'MessagePreviouslySent');
});

test('a smarthost that refuses some recipients: the sender learns which', async () => {
  assert.ok(refusing, 'the refusing relay of the test above');
  refusing.state.down = false;
  const before = refusing.state.accepted.length;
  const res = await demo.items.sendMail({
    saveInSent: true,
    mime: message({ to: `${OUTSIDER}, refused@example.net`, subject: 'Half way', body: 'x' }),
  });
  assert.equal(res.sent, true, `status ${res.status}`);
  assert.deepEqual(
    refusing.state.accepted.slice(before).map((m) => m.to),
    [[OUTSIDER]],
  );
  // A non-delivery report for the refused address in the sender's Inbox, as Exchange sends.
  const inbox = await fetchNew(demo.phone, 2);
  assert.ok(
    inbox.some((i) => (i.email.body?.data ?? '').includes('refused@example.net')),
    `a non-delivery report in the Inbox: ${inbox.map((i) => i.email.subject).join(', ')}`,
  );
});
