import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MessageHeaders } from '../../mail/types.js';
import { toXml } from '../../wbxml/index.js';
import { displayTo, emailApplicationData, flagChangeData, formatAddress, threadTopic } from './email-data.js';
import { FLAGGED } from './item-state.js';

const headers: MessageHeaders = {
  id: '7',
  folderId: 'inbox',
  receivedAt: new Date('2024-01-02T10:00:00.123Z'),
  flags: { read: true, flagged: true, answered: false, forwarded: false },
  messageId: '<a@b>',
  subject: 'Re: Fwd: Plan\u0000',
  from: [{ name: 'Jörg "J" M', address: 'j@example.net' }],
  to: [
    { name: 'Ana', address: 'ana@example.com' },
    { name: null, address: 'b@example.com' },
  ],
  cc: [],
  replyTo: [
    { name: null, address: 'r1@example.com' },
    { name: null, address: 'r2@example.com' },
  ],
  date: new Date('2024-01-02T09:59:00Z'),
  importance: 'high',
  size: 1234,
  attachments: [
    {
      partId: '2',
      fileName: 'a.pdf',
      contentType: 'application/pdf',
      size: 300,
      contentId: null,
      inline: false,
    },
    { partId: '1.2', fileName: 'i.png', contentType: 'image/png', size: 20, contentId: 'c1@x', inline: true },
  ],
};

test('ApplicationData in Exchange order with every email field', () => {
  const data = emailApplicationData({
    headers,
    body: { type: 2, estimatedSize: 99, truncated: true, data: '<p>x</p>', preview: null, native: 2 },
    fileReference: (p) => `3:7:${p}`,
  });
  assert.deepEqual(
    data.children.map((c) => (typeof c === 'object' && 'tag' in c ? c.tag : '')),
    [
      'To',
      'From',
      'Subject',
      'ReplyTo',
      'DateReceived',
      'DisplayTo',
      'ThreadTopic',
      'Importance',
      'Read',
      'Attachments',
      'Body',
      'MessageClass',
      'InternetCPID',
      'Flag',
      'ContentClass',
      'NativeBodyType',
    ],
  );
  const xml = toXml(data, { indent: 0 });
  assert.match(xml, /<email:To>"Ana" &lt;ana@example.com&gt;, b@example.com<\/email:To>/);
  assert.match(xml, /<email:From>"Jörg \\"J\\" M" &lt;j@example.net&gt;<\/email:From>/);
  assert.match(xml, /<email:Subject>Re: Fwd: Plan<\/email:Subject>/, 'NUL removed');
  assert.match(xml, /<email:ReplyTo>r1@example.com; r2@example.com<\/email:ReplyTo>/);
  assert.match(xml, /<email:DateReceived>2024-01-02T10:00:00.123Z<\/email:DateReceived>/);
  assert.match(xml, /<email:Importance>2<\/email:Importance>/);
  assert.match(xml, /<airsyncbase:FileReference>3:7:1.2<\/airsyncbase:FileReference>/);
  assert.match(xml, /<airsyncbase:IsInline>1<\/airsyncbase:IsInline>/);
  assert.match(xml, /<airsyncbase:Truncated>1<\/airsyncbase:Truncated>/);
  assert.match(xml, /<email:Status>2<\/email:Status>/);
});

test('helpers: addresses, DisplayTo, ThreadTopic, flag changes', () => {
  assert.equal(formatAddress({ name: null, address: 'a@b' }), 'a@b');
  assert.equal(displayTo(headers.to), 'Ana; b@example.com');
  assert.equal(threadTopic('RE: AW: Fwd: Budget'), 'Budget');
  assert.equal(threadTopic('Review'), 'Review');
  assert.match(toXml(flagChangeData(0), { indent: 0 }), /<email:Read>0<\/email:Read><email:Flag\/>/);
  assert.match(toXml(flagChangeData(FLAGGED), { indent: 0 }), /<email:Flag><email:Status>2<\/email:Status>/);
});
