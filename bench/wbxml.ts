// WBXML codec throughput on representative documents: a Provision response with a full
// EASProvisionDoc, a Sync response with 100 emails, a SendMail with a 1 MB MIME blob.
// Several timed rounds per case; medians are reported. Run: node --import tsx bench/wbxml.ts
import { pathToFileURL } from 'node:url';
import { CODE_PAGES, decodeWbxml, el, encodeWbxml, type WbxmlElement } from '../src/wbxml/index.js';
import { printRows, row, type BenchRow } from './lib.js';

/** One row per document, operation and unit (MB/s, docs/s): median, min and max over the rounds. */
export type BenchResult = BenchRow;

const ROUNDS = 7;
const ROUND_MS = 200;

/** Provision response carrying every EASProvisionDoc setting ([MS-ASPROV] 2.2.2). */
function provisionResponse(): WbxmlElement {
  const provision = CODE_PAGES[14]?.tokens ?? [];
  const start = provision.findIndex(([, tag]) => tag === 'EASProvisionDoc');
  const settings = provision
    .slice(start + 1)
    .map(([, tag]) => tag)
    .filter((tag) => !['AccountOnlyRemoteWipe', 'ApplicationName', 'Hash'].includes(tag));
  const listTags = new Set(['UnapprovedInROMApplicationList', 'ApprovedApplicationList']);
  const value = (tag: string) =>
    listTags.has(tag)
      ? [el('Provision', tag === 'ApprovedApplicationList' ? 'Hash' : 'ApplicationName', 'com.example.app')]
      : tag.startsWith('Max')
        ? '900'
        : '1';
  return el(
    'Provision',
    'Provision',
    el('Settings', 'DeviceInformation', el('Settings', 'Status', 1)),
    el('Provision', 'Status', 1),
    el(
      'Provision',
      'Policies',
      el(
        'Provision',
        'Policy',
        el('Provision', 'PolicyType', 'MS-EAS-Provisioning-WBXML'),
        el('Provision', 'Status', 1),
        el('Provision', 'PolicyKey', 1307199584),
        el(
          'Provision',
          'Data',
          el('Provision', 'EASProvisionDoc', ...settings.map((tag) => el('Provision', tag, value(tag)))),
        ),
      ),
    ),
  );
}

/** Sync response adding 100 emails with a ~1 KB plain-text body each. */
function syncResponse(): WbxmlElement {
  const body = 'Hello Dana, here are the notes from Tuesday — café at 10, déjà vu. '.repeat(15);
  const email = (i: number) =>
    el(
      'AirSync',
      'Add',
      el('AirSync', 'ServerId', `5:${i}`),
      el(
        'AirSync',
        'ApplicationData',
        el('Email', 'To', '"Dana Example" <dana@example.com>'),
        el('Email', 'From', '"Sam Sender" <sam@example.org>'),
        el('Email', 'Subject', `Weekly notes #${i}`),
        el('Email', 'DateReceived', '2024-05-21T09:30:00.000Z'),
        el('Email', 'DisplayTo', 'Dana Example'),
        el('Email', 'ThreadTopic', `Weekly notes #${i}`),
        el('Email', 'Importance', 1),
        el('Email', 'Read', i % 2),
        el(
          'AirSyncBase',
          'Body',
          el('AirSyncBase', 'Type', 1),
          el('AirSyncBase', 'EstimatedDataSize', Buffer.byteLength(body)),
          el('AirSyncBase', 'Data', body),
        ),
        el('Email', 'MessageClass', 'IPM.Note'),
        el('Email', 'InternetCPID', 65001),
        el('Email', 'Flag'),
        el('Email', 'ContentClass', 'urn:content-classes:message'),
        el('AirSyncBase', 'NativeBodyType', 1),
        el('Email2', 'ConversationId', new Uint8Array(16).fill(i)),
        el('Email2', 'ConversationIndex', new Uint8Array(5).fill(i)),
      ),
    );
  return el(
    'AirSync',
    'Sync',
    el(
      'AirSync',
      'Collections',
      el(
        'AirSync',
        'Collection',
        el('AirSync', 'SyncKey', 42),
        el('AirSync', 'CollectionId', 5),
        el('AirSync', 'Status', 1),
        el(
          'AirSync',
          'Commands',
          Array.from({ length: 100 }, (_, i) => email(i)),
        ),
      ),
    ),
  );
}

/** SendMail with a 1 MB MIME message as OPAQUE ([MS-ASCMD] 2.2.3.109). */
function sendMail(): WbxmlElement {
  const mime = new Uint8Array(1024 * 1024);
  for (let i = 0; i < mime.length; i++) mime[i] = (i * 31) & 0xff;
  return el(
    'ComposeMail',
    'SendMail',
    el('ComposeMail', 'ClientId', 'c7a1-42'),
    el('ComposeMail', 'SaveInSentItems'),
    el('ComposeMail', 'Mime', mime),
  );
}

/** Documents per second in each of ROUNDS timed rounds, after a warm-up. */
function measure(fn: () => void): number[] {
  for (let i = 0; i < 20; i++) fn(); // warm up the JIT
  const rates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    let n = 0;
    const t0 = performance.now();
    let elapsed = 0;
    while (elapsed < ROUND_MS) {
      fn();
      n++;
      elapsed = performance.now() - t0;
    }
    rates.push(n / (elapsed / 1000));
  }
  return rates;
}

/** Encode and decode throughput per document, in MB/s and docs/s. */
export async function benchWbxml(): Promise<BenchResult[]> {
  const cases: [string, WbxmlElement][] = [
    ['provision response (full EASProvisionDoc)', provisionResponse()],
    ['sync response (100 emails)', syncResponse()],
    ['sendmail (1 MB opaque)', sendMail()],
  ];
  const results: BenchResult[] = [];
  for (const [name, tree] of cases) {
    const bytes = encodeWbxml(tree);
    const ops: [string, () => void][] = [
      ['encode', () => encodeWbxml(tree)],
      ['decode', () => decodeWbxml(bytes)],
    ];
    for (const [op, fn] of ops) {
      const docs = measure(fn);
      const label = `${op} ${name}, ${bytes.length} B`;
      results.push(
        row(
          label,
          'MB/s',
          docs.map((d) => (d * bytes.length) / 1e6),
        ),
      );
      results.push(row(label, 'docs/s', docs));
    }
    await new Promise((resolve) => setImmediate(resolve)); // let other work in the process run
  }
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printRows(`WBXML codec (${ROUNDS} rounds x ${ROUND_MS} ms, node ${process.version})`, await benchWbxml());
}
