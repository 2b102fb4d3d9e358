import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { AccessInputError, AccessNotFoundError } from '../access/service.js';
import { WipeNotSupportedError } from '../devices/service.js';
import { PolicyValidationError } from '../policy/errors.js';
import { StoreConflictError } from '../store/types.js';
import { ERRORS, toApiError } from './errors.js';

const DOC = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

/** `### CODE` headings, each followed by a `Status: NNN` line and some prose. */
function documented(): Map<string, { status: number; prose: string }> {
  const out = new Map<string, { status: number; prose: string }>();
  const sections = DOC.split(/^### /m).slice(1);
  for (const s of sections) {
    const [heading = '', ...rest] = s.split('\n');
    const body = rest.join('\n').split(/^## /m)[0] ?? '';
    const status = /^Status: (\d{3})$/m.exec(body)?.[1];
    out.set(heading.trim(), { status: Number(status), prose: body.replace(/^Status: \d{3}$/m, '').trim() });
  }
  return out;
}

describe('error catalogue', () => {
  it('documents every code of src/admin/errors.ts in docs/errors.md with the same status', () => {
    const docs = documented();
    for (const [code, def] of Object.entries(ERRORS)) {
      const d = docs.get(code);
      assert.ok(d, `${code} is missing from docs/errors.md`);
      assert.equal(d.status, def.statusCode, `${code}: status in docs/errors.md`);
      assert.ok(d.prose.length > 20, `${code}: explain when it happens`);
    }
  });

  it('documents no code that the catalogue lacks', () => {
    for (const code of documented().keys())
      assert.ok(code in ERRORS, `${code} is documented but not in the catalogue`);
  });

  it('follows the EAS_ERR_<AREA>_<WHAT> naming', () => {
    for (const code of Object.keys(ERRORS)) assert.match(code, /^EAS_ERR_[A-Z]+_[A-Z_]+$/);
  });

  it('maps domain errors to their codes and hides everything else', () => {
    assert.equal(toApiError(new AccessInputError(['bad'])).code, 'EAS_ERR_ACCESS_INVALID');
    assert.deepEqual(toApiError(new AccessInputError(['a', 'b'])).details, ['a', 'b']);
    assert.equal(toApiError(new AccessNotFoundError('x')).statusCode, 404);
    assert.equal(toApiError(new WipeNotSupportedError('16.1 only')).code, 'EAS_ERR_DEVICE_WIPE_UNSUPPORTED');
    assert.equal(toApiError(new PolicyValidationError([{ field: 'X', message: 'y' }])).statusCode, 400);
    const conflict = toApiError(new StoreConflictError('UNIQUE constraint failed: users.username'));
    assert.equal(conflict.code, 'EAS_ERR_STORE_CONFLICT');
    assert.doesNotMatch(conflict.message, /UNIQUE/);
    const internal = toApiError(new Error('SQLITE_CORRUPT at /var/lib/syncward.db'));
    assert.equal(internal.code, 'EAS_ERR_SERVER_INTERNAL');
    assert.equal(internal.statusCode, 500);
    assert.doesNotMatch(internal.message, /SQLITE|var/);
    assert.equal(
      toApiError(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }))
        .statusCode,
      413,
    );
  });
});
