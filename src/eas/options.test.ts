import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DEFAULT_COMMANDS, optionsHeaders } from './options.js';
import { COMMAND_CODES } from './query.js';

/** Header lines of the [MS-ASHTTP] 4.3 example; wrapped lines (no ':' ) continue the previous value. */
function specHeaders(): Map<string, string> {
  const text = readFileSync(
    new URL('../../test/fixtures/http/ashttp_4.3_options_response.http', import.meta.url),
    'utf8',
  );
  const out = new Map<string, string>();
  let last = '';
  for (const line of text.split('\n').slice(1)) {
    if (line === '') continue;
    const i = line.indexOf(': ');
    if (i < 0) out.set(last, (out.get(last) ?? '') + line.trim());
    else out.set((last = line.slice(0, i)), line.slice(i + 2));
  }
  return out;
}

describe('optionsHeaders', () => {
  it('carries the headers of the [MS-ASHTTP] 4.3 example with their exact names', () => {
    const spec = specHeaders();
    const ours = optionsHeaders();
    for (const name of [
      'Allow',
      'Public',
      'MS-Server-ActiveSync',
      'MS-ASProtocolVersions',
      'MS-ASProtocolCommands',
      'Cache-Control',
    ]) {
      assert.ok(spec.has(name), `spec has ${name}`);
      assert.ok(Object.hasOwn(ours, name), `we send ${name}`);
    }
    assert.equal(ours.Allow, spec.get('Allow'));
    assert.equal(ours.Public, spec.get('Public'));
    assert.equal(ours['Cache-Control'], spec.get('Cache-Control'));
  });

  it('advertises exactly the versions we speak', () => {
    assert.equal(optionsHeaders()['MS-ASProtocolVersions'], '12.1,14.0,14.1,16.0,16.1');
  });

  it('advertises the registry’s commands when given, the default list otherwise', () => {
    assert.equal(
      optionsHeaders({ commands: ['Provision', 'Settings'] })['MS-ASProtocolCommands'],
      'Provision,Settings',
    );
    const spec = specHeaders().get('MS-ASProtocolCommands')?.split(',') ?? [];
    const legacy = ['GetHierarchy', 'CreateCollection', 'DeleteCollection', 'MoveCollection'];
    // The spec list minus the 2.5-era commands, plus Find (16.1).
    assert.deepEqual([...DEFAULT_COMMANDS], [...spec.filter((c) => !legacy.includes(c)), 'Find']);
    for (const c of DEFAULT_COMMANDS) assert.ok(Object.hasOwn(COMMAND_CODES, c), `${c} has a base64 code`);
    assert.equal(optionsHeaders()['MS-ASProtocolCommands'], DEFAULT_COMMANDS.join(','));
  });

  it('lets the server version be set', () => {
    assert.equal(optionsHeaders({ serverVersion: '16.1' })['MS-Server-ActiveSync'], '16.1');
  });
});
