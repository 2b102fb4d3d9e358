// MoveItems request parsing, hostile shapes included (the command's flow is covered end to end in
// test/e2e/mail-items.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { el } from '../../wbxml/index.js';
import type { ElChild } from '../../wbxml/index.js';
import { parseMoveItems } from './move-items.js';

const m = (tag: string, ...c: ElChild[]) => el('Move', tag, ...c);

test('parseMoveItems reads each Move; anything odd becomes an empty id, answered per item', () => {
  assert.deepEqual(
    parseMoveItems(
      m(
        'MoveItems',
        m('Move', m('SrcMsgId', '5:1'), m('SrcFldId', '5'), m('DstFldId', '7')),
        m(
          'Move',
          m('SrcMsgId', '5:2'),
          m('SrcMsgId', '5:3'),
          m('SrcFldId', '5'),
          m('DstFldId', new Uint8Array([1])),
        ),
        m('Move'),
      ),
    ),
    [
      { srcMsgId: '5:1', srcFldId: '5', dstFldId: '7' },
      { srcMsgId: '', srcFldId: '5', dstFldId: '' },
      { srcMsgId: '', srcFldId: '', dstFldId: '' },
    ],
  );
  assert.deepEqual(parseMoveItems(m('MoveItems')), []);
  assert.equal(parseMoveItems(null), null);
  assert.equal(parseMoveItems(el('AirSync', 'MoveItems')), null);
  assert.equal(parseMoveItems(m('Move')), null);
});
