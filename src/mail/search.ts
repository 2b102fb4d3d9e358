// Pieces of MailSession.search shared by the backends that match in JavaScript (memory, the
// quarantine view) or finish a server's answer here (IMAP): case folding, term matching, the text
// of an HTML body, and the one result order. The embedded backend matches in SQL (src/store).
import type { MailAddress, MailSearchHit, MailSearchQuery, MailSearchResult } from './types.js';
import { MAIL_SEARCH_BODY_CHARS } from './types.js';

/** Case-insensitive comparison form: NFC, then lower case (all of Unicode, as JS folds it). */
export function foldText(s: string): string {
  return s.normalize('NFC').toLowerCase();
}

/** The terms folded, empty and blank ones dropped, duplicates removed. */
export function foldTerms(terms: readonly string[]): string[] {
  return [...new Set(terms.map(foldText).filter((t) => t.trim() !== ''))];
}

/** Whether every folded term occurs in at least one of the folded texts. */
export function matchesAll(terms: readonly string[], texts: readonly string[]): boolean {
  return terms.every((t) => texts.some((x) => x.includes(t)));
}

/** Subject, names and addresses as one searchable text. */
export function headerText(subject: string, ...lists: ReadonlyArray<readonly MailAddress[]>): string {
  const parts = [subject];
  for (const list of lists) for (const a of list) parts.push(a.name ?? '', a.address);
  return parts.join('\n');
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Readable words of an HTML body for matching (tags, scripts and styles gone, entities decoded). Not a renderer. */
export function htmlText(html: string): string {
  return html
    .replace(/<(script|style|head)[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
      if (e[0] === '#') {
        const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
      }
      return ENTITIES[e.toLowerCase()] ?? m;
    })
    .replace(/\s+/g, ' ')
    .trim();
}

/** The body text a search looks at: the plain text, else the HTML's text, cut to MAIL_SEARCH_BODY_CHARS. */
export function bodySearchText(text: string | null, html: string | null): string {
  const t = text?.trim() ? text : html ? htmlText(html) : '';
  return t.length > MAIL_SEARCH_BODY_CHARS ? t.slice(0, MAIL_SEARCH_BODY_CHARS) : t;
}

/** Whether `at` lies within the query's exclusive receivedAt bounds. */
export function inDateRange(q: Pick<MailSearchQuery, 'receivedAfter' | 'receivedBefore'>, at: Date): boolean {
  const t = at.getTime();
  if (q.receivedAfter && !(t > q.receivedAfter.getTime())) return false;
  if (q.receivedBefore && !(t < q.receivedBefore.getTime())) return false;
  return true;
}

const DECIMAL = /^[0-9]{1,15}$/;

/** The result order of MailSession.search: newest first, then folder id, then id descending. */
export function compareHits(a: MailSearchHit, b: MailSearchHit): number {
  const byTime = b.receivedAt.getTime() - a.receivedAt.getTime();
  if (byTime !== 0) return byTime;
  if (a.folderId !== b.folderId) return a.folderId < b.folderId ? -1 : 1;
  if (DECIMAL.test(a.id) && DECIMAL.test(b.id)) return Number(b.id) - Number(a.id);
  return a.id === b.id ? 0 : a.id < b.id ? 1 : -1;
}

/** Every match, ordered and cut to the query's window. */
export function windowOf(
  all: MailSearchHit[],
  q: Pick<MailSearchQuery, 'offset' | 'limit'>,
  total = all.length,
): MailSearchResult {
  const sorted = [...all].sort(compareHits);
  const offset = Math.max(0, Math.floor(q.offset));
  const limit = Math.max(0, Math.floor(q.limit));
  return { total, hits: sorted.slice(offset, offset + limit) };
}
