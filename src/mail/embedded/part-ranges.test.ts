// The transfer decoders (transfer-decode.ts) give the same bytes however the input is cut into chunks
// (the store hands a range over in 64 or 256 KiB pieces, the scanner line by line).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { type ScannedPart, PartScanner } from './part-ranges.js';
import { decodedStream } from './transfer-decode.js';

async function decode(
  input: Buffer,
  cuts: number[],
  encoding: 'base64' | 'quoted-printable',
): Promise<Buffer> {
  const pieces: Buffer[] = [];
  let from = 0;
  for (const c of [...cuts, input.length]) {
    pieces.push(input.subarray(from, c));
    from = c;
  }
  const out: Buffer[] = [];
  for await (const chunk of decodedStream(Readable.from(pieces), encoding)) out.push(chunk as Buffer);
  return Buffer.concat(out);
}

test('base64 and quoted-printable decode alike at every single cut and at random cuts', async () => {
  const data = randomBytes(600);
  const b64 = Buffer.from(`${(data.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n')}\r\n`);
  const qp = Buffer.from('Gr=FC=DFe=\r\nsoft =3D x=\nlf-soft =zz bad= =4\r\nend=');
  for (const [input, encoding] of [
    [b64, 'base64'],
    [qp, 'quoted-printable'],
  ] as const) {
    const whole = await decode(input, [], encoding);
    for (let i = 1; i < input.length; i++) {
      assert.ok((await decode(input, [i], encoding)).equals(whole), `${encoding} cut at ${i}`);
    }
    for (let round = 0; round < 50; round++) {
      const cuts = [...new Set(Array.from({ length: 8 }, () => Math.floor(Math.random() * input.length)))];
      assert.ok(
        (
          await decode(
            input,
            cuts.sort((a, b) => a - b),
            encoding,
          )
        ).equals(whole),
      );
    }
  }
  assert.ok((await decode(b64, [], 'base64')).equals(data));
  assert.equal(
    (await decode(qp, [], 'quoted-printable')).toString('latin1'),
    'Grüßesoft = xlf-soft =zz bad= =4\r\nend',
  );
});

test('the scanner finds the same parts however the message arrives', () => {
  const mime = Buffer.from(
    [
      'Content-Type: multipart/mixed; boundary=b',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      'hello',
      '--b',
      'Content-Type: application/octet-stream',
      'Content-Transfer-Encoding: base64',
      '',
      'AAECAw==',
      '--b--',
      '',
    ].join('\r\n'),
  );
  const scan = (size: number): ScannedPart[] => {
    const s = new PartScanner();
    for (let i = 0; i < mime.length; i += size) s.write(mime.subarray(i, i + size));
    return s.end();
  };
  const whole = scan(mime.length);
  assert.deepEqual(
    whole.map((p) => [p.partId, mime.subarray(p.start, p.end).toString(), p.size]),
    [
      ['1', 'hello', 5],
      ['2', 'AAECAw==', 4],
    ],
  );
  for (const size of [1, 2, 3, 7, 64]) assert.deepEqual(scan(size), whole, `pieces of ${size}`);
});
