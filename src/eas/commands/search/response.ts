// The Search response document ([MS-ASCMD] 2.2.1.16): Search/Status, then Response/Store with its
// own Status, the Result elements, Range and Total. Pure.
import { el } from '../../../wbxml/index.js';
import type { ElChild } from '../../../wbxml/index.js';
import type { WbxmlElement } from '../../../wbxml/types.js';
import { SearchStatus } from './request.js';

/** What the Store element of the answer holds. */
export interface StoreAnswer {
  status: number;
  results: WbxmlElement[];
  /** The Range of the results sent ("m-n"); null when none were. */
  range: string | null;
  /** How many matched in all; null when the search was refused. */
  total: number | null;
}

export const sr = (tag: string, ...c: ElChild[]) => el('Search', tag, ...c);

/** A Store answer with only a Status (a refused or failed search). */
export function refusedAnswer(status: number): StoreAnswer {
  return { status, results: [], range: null, total: null };
}

/** Nothing matched. */
export function emptyAnswer(): StoreAnswer {
  return { status: SearchStatus.Success, results: [], range: null, total: 0 };
}

/**
 * The whole response. The Search element's Status is 1 whenever the request was processed
 * ([MS-ASCMD] 2.2.3.177.13: it "does not indicate whether any matches were found"); what happened
 * in the store is the Store's Status. No match: one empty Result ([MS-ASCMD] 2.2.3.155.3).
 */
export function searchDocument(answer: StoreAnswer): WbxmlElement {
  const found = answer.status === SearchStatus.Success;
  return sr(
    'Search',
    sr('Status', SearchStatus.Success),
    sr(
      'Response',
      sr(
        'Store',
        sr('Status', answer.status),
        found ? (answer.results.length ? answer.results : sr('Result')) : null,
        answer.range !== null ? sr('Range', answer.range) : null,
        answer.total !== null ? sr('Total', answer.total) : null,
      ),
    ),
  );
}
