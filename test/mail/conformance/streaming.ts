// openMime and openAttachment: streamed, exact bytes, null for what is gone, and a 25 MB
// attachment that must flow through without being held in memory.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  PDF_BYTES,
  PNG_BYTES,
  bigAttachmentMessage,
  inbox,
  readAll,
  richMessage,
  sha256,
  simpleMessage,
  waitForMessages,
} from './fixtures.js';
import type { MailTest } from './index.js';

const MB = 1024 * 1024;

/** A forced GC, so RSS shows what is retained rather than garbage not yet collected. */
function forcedGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

export function streamingTests(mailTest: MailTest): void {
  mailTest('openMime streams the whole message', async ({ session, harness, user }) => {
    const box = await inbox(session);
    const mime = simpleMessage({ subject: 'streamed whole', body: 'The body line.' });
    await harness.deliver(user, mime);
    const [entry] = await waitForMessages(session, box.id, 1);
    const opened = await session.openMime(box.id, entry?.id ?? '');
    assert.ok(opened);
    const bytes = await readAll(opened.stream);
    assert.equal(bytes.length, opened.size);
    const text = bytes.toString('utf8');
    assert.ok(text.includes('Subject: streamed whole'));
    assert.ok(text.endsWith(mime.subarray(mime.indexOf('\r\n\r\n')).toString('utf8')), 'body unchanged');
  });

  mailTest('openAttachment streams the decoded bytes of one part', async ({ session }) => {
    const box = await inbox(session);
    const { mime, textAttachment } = richMessage();
    const id = await session.appendMessage(box.id, mime);
    const [h] = await session.getHeaders(box.id, [id]);
    assert.ok(h);
    const expected = new Map([
      ['report.pdf', PDF_BYTES],
      ['chart.png', PNG_BYTES],
      ['notes.txt', textAttachment],
    ]);
    for (const att of h.attachments) {
      const opened = await session.openAttachment(box.id, id, att.partId);
      assert.ok(opened, att.fileName);
      assert.equal(opened.fileName, att.fileName);
      assert.equal(opened.contentType, att.contentType);
      const bytes = await readAll(opened.stream);
      const want = expected.get(att.fileName);
      assert.ok(want);
      assert.equal(sha256(bytes), sha256(want), `${att.fileName}: bytes as sent`);
    }
  });

  mailTest('what is gone opens as null', async ({ session }) => {
    const box = await inbox(session);
    const id = await session.appendMessage(box.id, richMessage().mime);
    assert.equal(await session.openMime(box.id, '999999'), null);
    assert.equal(await session.openAttachment(box.id, '999999', '2'), null);
    assert.equal(await session.openAttachment(box.id, id, '9.9'), null);
    assert.equal(await session.openMime(box.id, 'x'), null);
  });

  mailTest('a stream dropped half-way leaves the session usable', async ({ session }) => {
    const box = await inbox(session);
    const id = await session.appendMessage(box.id, richMessage().mime);
    const [h] = await session.getHeaders(box.id, [id]);
    const pdf = h?.attachments.find((a) => a.fileName === 'report.pdf');
    assert.ok(pdf);
    for (let i = 0; i < 3; i++) {
      const opened = await session.openAttachment(box.id, id, pdf.partId);
      assert.ok(opened);
      await new Promise<void>((resolve) => {
        opened.stream.once('data', () => {
          opened.stream.destroy();
          resolve();
        });
        opened.stream.once('close', () => resolve());
      });
    }
    assert.equal((await session.listMessages(box.id)).entries.length, 1);
    const again = await session.openAttachment(box.id, id, pdf.partId);
    assert.ok(again);
    assert.equal(sha256(await readAll(again.stream)), sha256(PDF_BYTES));
  });

  mailTest(
    'a 25 MB attachment is streamed, not buffered',
    async ({ session, harness, user }) => {
      const box = await inbox(session);
      let expected: string;
      {
        const big = bigAttachmentMessage(25 * MB);
        expected = big.sha256;
        await harness.deliver(user, big.mime);
      }
      const [entry] = await waitForMessages(session, box.id, 1, 20_000);
      assert.ok(entry);
      const [h] = await session.getHeaders(box.id, [entry.id]);
      const att = h?.attachments.find((a) => a.fileName === 'big.bin');
      assert.ok(att);
      const gc = forcedGc();
      /** Streams the attachment into a hash, sampling RSS after a forced GC every 2 MB. */
      const pass = async (): Promise<{ digest: string; bytes: number; grewMb: number }> => {
        gc();
        gc();
        const base = process.memoryUsage().rss;
        let peak = base;
        const opened = await session.openAttachment(box.id, entry.id, att.partId);
        assert.ok(opened);
        const hash = createHash('sha256');
        let bytes = 0;
        let sinceGc = 0;
        for await (const chunk of opened.stream) {
          const b = chunk as Buffer;
          hash.update(b);
          bytes += b.length;
          sinceGc += b.length;
          if (sinceGc >= 2 * MB) {
            sinceGc = 0;
            gc();
            peak = Math.max(peak, process.memoryUsage().rss);
          }
        }
        gc();
        peak = Math.max(peak, process.memoryUsage().rss);
        return { digest: hash.digest('hex'), bytes, grewMb: (peak - base) / MB };
      };
      // The first pass also grows V8's young generation and the allocator's arenas to their
      // working size (~15 MB, once per process); the second pass shows what streaming retains.
      const first = await pass();
      assert.equal(first.bytes, 25 * MB);
      assert.equal(first.digest, expected);
      const second = await pass();
      assert.equal(second.digest, expected);
      assert.ok(second.grewMb < 15, `RSS grew by ${second.grewMb.toFixed(1)} MB while streaming 25 MB`);
    },
    { timeout: 120_000 },
  );
}
