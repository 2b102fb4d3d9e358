// The Mailbox store of Search ([MS-ASCMD] 2.2.1.16): the folders the query names (with
// DeepTraversal their subfolders, without CollectionId every folder the device holds), one
// MailSession.search, then each result as Sync shows the message (email-data.ts ApplicationData,
// body chosen and cut as Sync does) under a LongId the device can fetch or reply to.
import { MailAuthError, MailBackendError, MailNotFoundError } from '../../../mail/types.js';
import type { MailSearchHit, MailSearchResult, MailSession, MessageHeaders } from '../../../mail/types.js';
import type { PolicySettings } from '../../../policy/types.js';
import { el } from '../../../wbxml/index.js';
import type { WbxmlElement } from '../../../wbxml/types.js';
import type { BodyChoice, BodyOut } from '../../sync/body.js';
import { chooseBody, loadBody } from '../../sync/body.js';
import { emailApplicationData } from '../../sync/email-data.js';
import type { HierarchyData } from '../../sync/folder-map.js';
import { backendFolderOf } from '../../sync/folder-map.js';
import { encodeLongId, longIdFileReference } from './long-id.js';
import type { MailboxSearch } from './request.js';
import { MAX_RESULTS, RETRIEVABLE_RESULTS, SearchStatus } from './request.js';
import type { StoreAnswer } from './response.js';
import { emptyAnswer, refusedAnswer, sr } from './response.js';

/**
 * Largest body data in one result. A response carries up to 100 results and the device only shows
 * a preview: more than this is sent truncated (Truncated 1) whatever the device asked, and the
 * whole message is an ItemOperations Fetch by LongId away.
 */
export const SEARCH_BODY_MAX = 32 * 1024;

export interface MailboxSearchEnv {
  mailbox: MailSession;
  /** The device's folder hierarchy (null before its first FolderSync). */
  hierarchy: HierarchyData | null;
  /** Device association id (binds LongIds to the device). */
  deviceId: string;
  policy: PolicySettings;
}

/**
 * Backend folder ids to search, or null when a CollectionId is not a folder the device holds now
 * (its hierarchy is out of date: 11, FolderSync required).
 */
export function searchScope(
  h: HierarchyData,
  req: Pick<MailboxSearch, 'collectionIds' | 'deepTraversal'>,
): string[] | null {
  let chosen: Set<string>;
  if (req.collectionIds.length === 0) {
    // [MS-ASCMD] 2.2.3.142.2: no folder named, all of the mailbox's mail folders.
    chosen = new Set(h.folders.keys());
  } else {
    if (!req.collectionIds.every((id) => h.folders.has(id))) return null;
    chosen = new Set(req.collectionIds);
    if (req.deepTraversal) {
      // [MS-ASCMD] 2.2.3.41.2: every folder below each one named, as the device knows them.
      for (let grown = true; grown;) {
        grown = false;
        for (const [id, f] of h.folders) {
          if (!chosen.has(id) && chosen.has(f.parentId)) {
            chosen.add(id);
            grown = true;
          }
        }
      }
    }
  }
  const out: string[] = [];
  for (const id of chosen) {
    const backend = backendFolderOf(h, id);
    if (backend !== null) out.push(backend);
  }
  return out;
}

/** Body choice of Sync, with the data capped at SEARCH_BODY_MAX. */
function searchBodyChoice(req: MailboxSearch, policy: PolicySettings): BodyChoice {
  const choice = chooseBody(req.body, policy);
  return { ...choice, limit: Math.min(choice.limit ?? SEARCH_BODY_MAX, SEARCH_BODY_MAX) };
}

/** A failure that leaves the result without a body rather than failing the search. */
async function bodyOf(
  env: MailboxSearchEnv,
  hit: MailSearchHit,
  choice: BodyChoice,
): Promise<BodyOut | null> {
  try {
    return await loadBody(env.mailbox, hit.folderId, hit.id, choice);
  } catch (err) {
    if (err instanceof MailAuthError) throw err;
    if (err instanceof MailNotFoundError || err instanceof MailBackendError) return null;
    throw err;
  }
}

async function headersOf(env: MailboxSearchEnv, hits: MailSearchHit[]): Promise<Map<string, MessageHeaders>> {
  const byFolder = new Map<string, string[]>();
  for (const h of hits) byFolder.set(h.folderId, [...(byFolder.get(h.folderId) ?? []), h.id]);
  const out = new Map<string, MessageHeaders>();
  for (const [folderId, ids] of byFolder) {
    for (const m of await env.mailbox.getHeaders(folderId, ids)) out.set(`${folderId}\n${m.id}`, m);
  }
  return out;
}

export async function searchMailbox(env: MailboxSearchEnv, req: MailboxSearch): Promise<StoreAnswer> {
  if (!env.hierarchy) return refusedAnswer(SearchStatus.FolderSyncRequired);
  const folderIds = searchScope(env.hierarchy, req);
  if (folderIds === null) return refusedAnswer(SearchStatus.FolderSyncRequired);
  // Only mail lives here; conversations are never handed out, so none can be searched.
  if ((req.classes.length > 0 && !req.classes.includes('Email')) || req.conversationId) return emptyAnswer();
  const { start } = req.range;
  if (start >= RETRIEVABLE_RESULTS) return refusedAnswer(SearchStatus.EndOfRetrievableRange);
  const limit = Math.min(req.range.end - start + 1, MAX_RESULTS, RETRIEVABLE_RESULTS - start);
  let found: MailSearchResult;
  let headers: Map<string, MessageHeaders>;
  try {
    // RebuildResults changes nothing: results are never kept between requests.
    found = await env.mailbox.search({
      terms: req.terms,
      folderIds,
      receivedAfter: req.receivedAfter,
      receivedBefore: req.receivedBefore,
      offset: start,
      limit,
    });
    headers = await headersOf(env, found.hits);
  } catch (err) {
    if (err instanceof MailAuthError) throw err;
    // A folder deleted since the device's last FolderSync.
    if (err instanceof MailNotFoundError) return refusedAnswer(SearchStatus.FolderSyncRequired);
    if (err instanceof MailBackendError) return refusedAnswer(SearchStatus.ServerError);
    throw err;
  }
  if (found.total === 0) return emptyAnswer();
  // [MS-ASCMD] 2.2.3.177.13 Status 12: the range starts past the last result.
  if (found.hits.length === 0)
    return { ...refusedAnswer(SearchStatus.EndOfRetrievableRange), total: found.total };
  const serverIds = new Map(env.hierarchy.ids);
  const choice = searchBodyChoice(req, env.policy);
  const results: WbxmlElement[] = [];
  for (const hit of found.hits) {
    const h = headers.get(`${hit.folderId}\n${hit.id}`);
    const collectionId = serverIds.get(hit.folderId);
    // Gone since the search (moved, deleted): left out, the Range says how many were sent.
    if (!h || collectionId === undefined) continue;
    const longId = encodeLongId(env.deviceId, collectionId, hit.id);
    if (longId === null) continue;
    const appData = emailApplicationData({
      headers: h,
      body: await bodyOf(env, hit, choice),
      fileReference: (partId) => longIdFileReference(longId, partId),
    });
    // [MS-ASCMD] 4.12.1.2: Class, LongId, CollectionId, then the item's Properties.
    results.push(
      sr(
        'Result',
        el('AirSync', 'Class', 'Email'),
        sr('LongId', longId),
        el('AirSync', 'CollectionId', collectionId),
        sr('Properties', appData.children),
      ),
    );
  }
  return {
    status: SearchStatus.Success,
    results,
    range: results.length ? `${start}-${start + results.length - 1}` : null,
    total: found.total,
  };
}
