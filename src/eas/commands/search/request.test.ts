// The Search request parser: valid mailbox and GAL requests, and every way a request is refused
// (2 protocol error, 8 too complex, 13 document libraries), including hostile input: deep nesting,
// huge FreeText, bad ranges and dates, a missing Store. Never an exception.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeWbxml, el, encodeWbxml } from '../../../wbxml/index.js';
import type { ElChild } from '../../../wbxml/index.js';
import type { WbxmlElement } from '../../../wbxml/types.js';
import type { MailboxSearch, SearchRequest } from './request.js';
import {
  MAX_COLLECTIONS,
  MAX_FREETEXT_CHARS,
  MAX_TERMS,
  SearchStatus,
  parseDateTime,
  parseSearchRange,
  parseSearchRequest,
} from './request.js';

const sr = (tag: string, ...c: ElChild[]) => el('Search', tag, ...c);
const as = (tag: string, ...c: ElChild[]) => el('AirSync', tag, ...c);

function mailbox(query: ElChild[], options: ElChild[] = []): WbxmlElement {
  return sr('Search', sr('Store', sr('Name', 'Mailbox'), sr('Query', ...query), sr('Options', ...options)));
}

const and = (...c: ElChild[]) => sr('And', ...c);
const freeText = (t: string) => sr('FreeText', t);
const bound = (
  tag: 'GreaterThan' | 'LessThan',
  value: ElChild,
  prop: ElChild = el('Email', 'DateReceived'),
) => sr(tag, prop, sr('Value', value));

/** Parsed through the real codec, as the gate hands bodies over. */
const parse = (body: WbxmlElement | null): SearchRequest =>
  parseSearchRequest(body ? decodeWbxml(encodeWbxml(body)) : null);

function status(body: WbxmlElement | null): number | null {
  const r = parse(body);
  return r.kind === 'refused' ? r.status : null;
}

function asMailbox(r: SearchRequest): MailboxSearch {
  assert.equal(r.kind, 'mailbox', JSON.stringify(r));
  return r as MailboxSearch;
}

describe('valid requests', () => {
  test('a mailbox query: words, folders, class, date bounds, options', () => {
    const r = asMailbox(
      parse(
        mailbox(
          [
            and(
              as('Class', 'Email'),
              as('CollectionId', '7'),
              as('CollectionId', '9'),
              freeText('  quarterly  Report quarterly '),
              bound('GreaterThan', '2024-01-02T03:04:05.678Z'),
              bound('LessThan', '2024-02-01T00:00:00.000Z'),
              bound('LessThan', '2024-01-31T00:00:00.000Z'),
            ),
          ],
          [
            sr('RebuildResults'),
            sr('Range', '10-19'),
            sr('DeepTraversal'),
            el('AirSync', 'MIMESupport', 2),
            el(
              'AirSyncBase',
              'BodyPreference',
              el('AirSyncBase', 'Type', 2),
              el('AirSyncBase', 'TruncationSize', 5000),
            ),
          ],
        ),
      ),
    );
    assert.deepEqual(r.terms, ['quarterly', 'Report']);
    assert.deepEqual(r.collectionIds, ['7', '9']);
    assert.deepEqual(r.classes, ['Email']);
    assert.equal(r.conversationId, false);
    assert.deepEqual(r.receivedAfter, new Date('2024-01-02T03:04:05.678Z'));
    assert.deepEqual(r.receivedBefore, new Date('2024-01-31T00:00:00.000Z'), 'the tighter of two bounds');
    assert.deepEqual(r.range, { start: 10, end: 19 });
    assert.equal(r.deepTraversal, true);
    assert.equal(r.rebuildResults, true);
    assert.deepEqual(r.body.prefs, [{ type: 2, truncationSize: 5000, allOrNone: false, preview: null }]);
    assert.equal(r.body.mimeSupport, 2);
  });

  test('defaults: Range 0-99, no options, no conditions (an empty And matches everything)', () => {
    const r = asMailbox(parse(sr('Search', sr('Store', sr('Name', 'mailbox'), sr('Query', and())))));
    assert.deepEqual(r.range, { start: 0, end: 99 });
    assert.deepEqual([r.terms, r.collectionIds, r.classes], [[], [], []]);
    assert.equal(r.deepTraversal, false);
    assert.deepEqual(r.body, { prefs: [], mimeSupport: null, mimeTruncation: null });
  });

  test('several Range elements: the first counts (as Exchange); several Stores: the first is served', () => {
    assert.deepEqual(asMailbox(parse(mailbox([and()], [sr('Range', '0-4'), sr('Range', '7-9')]))).range, {
      start: 0,
      end: 4,
    });
    const two = sr(
      'Search',
      sr('Store', sr('Name', 'GAL'), sr('Query', 'ana')),
      sr('Store', sr('Name', 'Mailbox'), sr('Query', and())),
    );
    assert.equal(parse(two).kind, 'gal');
  });

  test('a class other than Email and a ConversationId are accepted (they only narrow the result)', () => {
    const r = asMailbox(parse(mailbox([and(as('Class', 'calendar'), sr('ConversationId', 'AB12'))])));
    assert.deepEqual(r.classes, ['Calendar']);
    assert.equal(r.conversationId, true);
  });

  test('a GAL query, with the 14.1 Picture option', () => {
    const r = parse(
      sr(
        'Search',
        sr(
          'Store',
          sr('Name', 'GAL'),
          sr('Query', ' Ana '),
          sr('Options', sr('Range', '0-1'), sr('Picture')),
        ),
      ),
    );
    assert.deepEqual(r, { kind: 'gal', query: 'Ana', range: { start: 0, end: 1 }, picture: true });
  });
});

describe('refused requests', () => {
  test('no body, another command, no Store, no Name, no Query, repeated Name: 2', () => {
    assert.equal(status(null), SearchStatus.ProtocolError);
    assert.equal(status(el('Settings', 'Settings')), SearchStatus.ProtocolError);
    assert.equal(status(sr('Search')), SearchStatus.ProtocolError);
    assert.equal(status(sr('Search', sr('Store'))), SearchStatus.ProtocolError);
    assert.equal(status(sr('Search', sr('Store', sr('Query', and())))), SearchStatus.ProtocolError);
    assert.equal(status(sr('Search', sr('Store', sr('Name', 'Mailbox')))), SearchStatus.ProtocolError);
    assert.equal(
      status(sr('Search', sr('Store', sr('Name', 'Mailbox'), sr('Name', 'GAL'), sr('Query', and())))),
      SearchStatus.ProtocolError,
    );
    assert.equal(
      status(sr('Search', sr('Store', sr('Name', 'Archive'), sr('Query', 'x')))),
      SearchStatus.ProtocolError,
    );
    // Nothing parses out of a Store without elements at all.
    assert.equal(status(sr('Search', 'just text')), SearchStatus.ProtocolError);
  });

  test('document libraries are not served: 13', () => {
    for (const name of ['DocumentLibrary', 'Document Library']) {
      assert.equal(
        status(
          sr(
            'Search',
            sr(
              'Store',
              sr('Name', name),
              sr('Query', sr('EqualTo', el('DocumentLibrary', 'LinkId'), sr('Value', '\\\\s\\x'))),
            ),
          ),
        ),
        SearchStatus.AccessBlocked,
      );
    }
  });

  test('bad ranges: 2', () => {
    for (const range of ['99-0', 'a-b', '5', '-1-3', '1-', '0-1234567890', '1.5-3', '']) {
      assert.equal(status(mailbox([and()], [sr('Range', range)])), SearchStatus.ProtocolError, range);
    }
    assert.equal(status(mailbox([and()], [sr('Range', sr('Value', '0-1'))])), SearchStatus.ProtocolError);
    assert.deepEqual(parseSearchRange(' 3-3 '), { start: 3, end: 3 });
    assert.equal(parseSearchRange('4-3'), null);
  });

  test('query elements outside the And, a second And, Or, EqualTo, nesting: 8 (too complex)', () => {
    const cases: ElChild[][] = [
      [freeText('x')],
      [as('Class', 'Email'), and()],
      [as('CollectionId', '1'), and()],
      [bound('GreaterThan', '2024-01-01T00:00:00Z'), and()],
      [bound('LessThan', '2024-01-01T00:00:00Z'), and()],
      [sr('ConversationId', 'x'), and()],
      [and(), and()],
      [sr('Or', freeText('a'), freeText('b'))],
      [and(sr('Or', freeText('a')))],
      [and(and(freeText('a')))],
      [and(sr('EqualTo', as('CollectionId', '1'), sr('Value', '1')))],
    ];
    for (const q of cases) assert.equal(status(mailbox(q)), SearchStatus.TooComplex, JSON.stringify(q));
  });

  test('hostile nesting: an And 60 deep is refused at its first level', () => {
    let inner: WbxmlElement = freeText('deep');
    for (let i = 0; i < 60; i++) inner = and(inner);
    assert.equal(status(mailbox([inner])), SearchStatus.TooComplex);
    // A tree deeper than any document decodes to: still one level looked at, no recursion.
    let tree: WbxmlElement = freeText('deeper');
    for (let i = 0; i < 100_000; i++) tree = and(tree);
    assert.deepEqual(parseSearchRequest(mailbox([tree])), {
      kind: 'refused',
      status: SearchStatus.TooComplex,
    });
  });

  test('huge or wordy FreeText: 8; FreeText that is not text: 2', () => {
    assert.equal(
      status(mailbox([and(freeText('x'.repeat(MAX_FREETEXT_CHARS + 1)))])),
      SearchStatus.TooComplex,
    );
    assert.equal(status(mailbox([and(freeText('y'.repeat(2 * 1024 * 1024)))])), SearchStatus.TooComplex);
    const half = 'z'.repeat(MAX_FREETEXT_CHARS / 2 + 1);
    assert.equal(
      status(mailbox([and(freeText(half), freeText(half))])),
      SearchStatus.TooComplex,
      'counted together',
    );
    const words = Array.from({ length: MAX_TERMS + 1 }, (_, i) => `w${i}`).join(' ');
    assert.equal(status(mailbox([and(freeText(words))])), SearchStatus.TooComplex);
    assert.equal(
      asMailbox(parse(mailbox([and(freeText(words.split(' ').slice(0, MAX_TERMS).join(' ')))]))).terms.length,
      MAX_TERMS,
    );
    assert.equal(status(mailbox([and(sr('FreeText', sr('Value', 'x')))])), SearchStatus.ProtocolError);
    assert.equal(status(mailbox([and(sr('FreeText', new Uint8Array([1, 2])))])), SearchStatus.ProtocolError);
  });

  test('unsearchable properties and malformed conditions in the And: 2', () => {
    const cases: ElChild[] = [
      el('Email', 'To', 'bob@example.net'),
      sr('Value', 'x'),
      as('Class', 'Spaceships'),
      as('CollectionId', ''),
      as('CollectionId', 'c'.repeat(65)),
      as('CollectionId', as('ServerId', '1')),
      bound('GreaterThan', '50'),
      bound('GreaterThan', '2024-13-01T00:00:00Z'),
      bound('GreaterThan', 'yesterday'),
      bound('LessThan', '2024-01-01T00:00:00Z', el('Email', 'Subject')),
      sr('GreaterThan', el('Email', 'DateReceived')),
      sr(
        'GreaterThan',
        el('Email', 'DateReceived'),
        sr('Value', '2024-01-01T00:00:00Z'),
        sr('Value', '2024-01-02T00:00:00Z'),
      ),
      sr('LessThan', el('Email', 'DateReceived', 'x'), sr('Value', '2024-01-01T00:00:00Z')),
      sr('ConversationId'),
    ];
    for (const c of cases)
      assert.equal(status(mailbox([and(c)])), SearchStatus.ProtocolError, JSON.stringify(c));
    assert.equal(
      status(mailbox([and(sr('ConversationId', 'a'), sr('ConversationId', 'b'))])),
      SearchStatus.ProtocolError,
    );
    assert.equal(status(mailbox(['text beside', and()])), SearchStatus.ProtocolError);
    assert.equal(status(mailbox([and('text inside')])), SearchStatus.ProtocolError);
    assert.equal(status(mailbox([el('Email', 'Subject', 'x')])), SearchStatus.ProtocolError);
  });

  test('too many folders: 8; bad body options: 2', () => {
    const ids = Array.from({ length: MAX_COLLECTIONS + 1 }, (_, i) => as('CollectionId', String(i + 1)));
    assert.equal(status(mailbox([and(...ids)])), SearchStatus.TooComplex);
    assert.equal(
      status(mailbox([and()], [el('AirSyncBase', 'BodyPreference', el('AirSyncBase', 'Type', 9))])),
      SearchStatus.ProtocolError,
    );
    assert.equal(
      status(mailbox([and()], [el('AirSync', 'MIMESupport', 'lots')])),
      SearchStatus.ProtocolError,
    );
  });

  test('GAL: an empty or structured query is 2, a huge one 8', () => {
    const gal = (q: ElChild) => sr('Search', sr('Store', sr('Name', 'GAL'), sr('Query', q)));
    assert.equal(status(gal('   ')), SearchStatus.ProtocolError);
    assert.equal(
      status(sr('Search', sr('Store', sr('Name', 'GAL'), sr('Query')))),
      SearchStatus.ProtocolError,
    );
    assert.equal(status(gal(and(freeText('x')))), SearchStatus.ProtocolError);
    assert.equal(status(gal('a'.repeat(MAX_FREETEXT_CHARS + 1))), SearchStatus.TooComplex);
  });
});

test('dateTime values as devices send them', () => {
  assert.deepEqual(parseDateTime('2012-03-28T07:31:09.314Z'), new Date('2012-03-28T07:31:09.314Z'));
  assert.deepEqual(parseDateTime('2012-03-28T07:31:09Z'), new Date('2012-03-28T07:31:09.000Z'));
  assert.deepEqual(
    parseDateTime('2012-03-28T07:31:09'),
    new Date('2012-03-28T07:31:09.000Z'),
    'no zone: UTC',
  );
  assert.deepEqual(parseDateTime('2012-03-28T09:31:09+02:00'), new Date('2012-03-28T07:31:09.000Z'));
  assert.deepEqual(parseDateTime('2012-03-28T09:31:09+0200'), new Date('2012-03-28T07:31:09.000Z'));
  assert.deepEqual(parseDateTime('2012-03-28T07:31:09.3141592Z'), new Date('2012-03-28T07:31:09.314Z'));
  for (const bad of [
    '',
    '50',
    '2012-03-28',
    '2012-02-30T00:00:00Z',
    '2012-03-28T24:00:00Z',
    '2012-3-28T07:31:09Z',
    'x2012-03-28T07:31:09Z',
  ]) {
    assert.equal(parseDateTime(bad), null, bad);
  }
});
