// The GAL store of Search ([MS-ASCMD] 2.2.1.16, Properties in the Gal code page): the server's
// users stand in for the global address list. Users with ActiveSync disabled are left out; the
// query matches, case-insensitively, anywhere in the display name, the e-mail address or the login
// name (Exchange matches prefixes of those; a substring match finds the same people and more).
import type { User, UserStore } from '../../../store/types.js';
import { el } from '../../../wbxml/index.js';
import type { ElChild } from '../../../wbxml/index.js';
import type { WbxmlElement } from '../../../wbxml/types.js';
import type { GalSearch } from './request.js';
import type { StoreAnswer } from './response.js';
import { emptyAnswer, refusedAnswer, sr } from './response.js';
import { MAX_RESULTS, NoPicture, RETRIEVABLE_RESULTS, SearchStatus } from './request.js';

const gal = (tag: string, ...c: ElChild[]) => el('Gal', tag, ...c);

const fold = (s: string) => s.normalize('NFC').toLowerCase();

/** STR_I cannot carry U+0000 (the store refuses it anyway). */
const clean = (s: string) => s.replaceAll('\u0000', '');

function entry(u: User, picture: boolean): WbxmlElement {
  // [MS-ASCMD] 2.2.3.139.3: only the properties the entry has; order as in Exchange's answers.
  return sr(
    'Result',
    sr(
      'Properties',
      gal('DisplayName', clean(u.displayName.trim() || u.email)),
      gal('Alias', clean(u.username)),
      gal('EmailAddress', clean(u.email)),
      // 14.1+ Options/Picture: nobody has a contact photo here ([MS-ASCMD] 2.2.3.177.13: 173).
      picture ? gal('Picture', gal('Status', NoPicture)) : null,
    ),
  );
}

/** [MS-ASCMD] 2.2.1.16: results in GAL order, that is by display name. */
function byDisplayName(a: User, b: User): number {
  const an = a.displayName.trim() || a.email;
  const bn = b.displayName.trim() || b.email;
  return (
    an.localeCompare(bn, 'en', { sensitivity: 'base' }) ||
    a.email.localeCompare(b.email) ||
    (a.id < b.id ? -1 : 1)
  );
}

export async function searchGal(users: Pick<UserStore, 'listUsers'>, req: GalSearch): Promise<StoreAnswer> {
  const { start } = req.range;
  if (start >= RETRIEVABLE_RESULTS) return refusedAnswer(SearchStatus.EndOfRetrievableRange);
  const q = fold(req.query);
  const matches = (await users.listUsers())
    .filter((u) => u.easEnabled && [u.displayName, u.email, u.username].some((f) => fold(f).includes(q)))
    .sort(byDisplayName);
  if (matches.length === 0) return emptyAnswer();
  if (start >= matches.length) {
    return { ...refusedAnswer(SearchStatus.EndOfRetrievableRange), total: matches.length };
  }
  const limit = Math.min(req.range.end - start + 1, MAX_RESULTS, RETRIEVABLE_RESULTS - start);
  const page = matches.slice(start, start + limit);
  return {
    status: SearchStatus.Success,
    results: page.map((u) => entry(u, req.picture)),
    range: `${start}-${start + page.length - 1}`,
    total: matches.length,
  };
}
