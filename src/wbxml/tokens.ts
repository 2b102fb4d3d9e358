// Lookups over the generated code-page tables: (page, token) -> tag, (namespace, tag) -> (page,
// token), per-token protocol versions. Tokens a table lacks get a stable `Unknown_0xNN` name.
import { CODE_PAGES, type WbxmlProtocolVersion } from './code-pages.js';
import { NAMESPACES, type Namespace } from './types.js';

/** A tag's place on the wire: code page and token (without the 0x40 content bit). */
export interface TokenRef {
  page: number;
  token: number;
}

const UNKNOWN_RE = /^Unknown_0x([0-9A-F]{2})$/;

/** Name used for a token the page's table does not define, e.g. `Unknown_0x11`. */
export function unknownTagName(token: number): string {
  return `Unknown_0x${token.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** Inverse of {@link unknownTagName}; null unless the name has that exact form and a tag-token value. */
export function parseUnknownTagName(tag: string): number | null {
  const m = UNKNOWN_RE.exec(tag);
  if (!m) return null;
  const token = Number.parseInt(m[1] ?? '', 16);
  return token >= 0x05 && token <= 0x3f ? token : null;
}

/** Per page, 64 slots indexed by token: the tag name, or `Unknown_0xNN` when undefined. */
export const TAG_NAMES: readonly (readonly string[])[] = CODE_PAGES.map((cp) => {
  const names: string[] = [];
  for (let t = 0; t < 64; t++) names.push(unknownTagName(t));
  for (const [token, tag] of cp.tokens) names[token] = tag;
  return names;
});

/** Per page, 64 slots: whether the token is defined by the table. */
export const KNOWN_TOKENS: readonly (readonly boolean[])[] = CODE_PAGES.map((cp) => {
  const known: boolean[] = new Array<boolean>(64).fill(false);
  for (const [token] of cp.tokens) known[token] = true;
  return known;
});

/** Namespace -> page. */
export const PAGE_BY_NAMESPACE: ReadonlyMap<Namespace, number> = new Map(NAMESPACES.map((ns, i) => [ns, i]));

/** Namespace -> (tag -> token). */
export const TOKEN_BY_TAG: ReadonlyMap<Namespace, ReadonlyMap<string, number>> = new Map(
  CODE_PAGES.map((cp) => [cp.namespace, new Map(cp.tokens.map(([token, tag]) => [tag, token]))]),
);

const VERSIONS_BY_TAG: ReadonlyMap<Namespace, ReadonlyMap<string, readonly WbxmlProtocolVersion[]>> = new Map(
  CODE_PAGES.map((cp) => [cp.namespace, new Map(cp.tokens.map(([, tag, versions]) => [tag, versions]))]),
);

/** Namespace for a page number, or null when the page does not exist. */
export function namespaceOfPage(page: number): Namespace | null {
  return NAMESPACES[page] ?? null;
}

/** Tag defined for (page, token), or null when the table has none. */
export function tagOf(page: number, token: number): string | null {
  return KNOWN_TOKENS[page]?.[token] ? (TAG_NAMES[page]?.[token] ?? null) : null;
}

/** Page and token for a tag the tables define; null otherwise (`Unknown_0xNN` names included). */
export function tokenOf(ns: Namespace, tag: string): TokenRef | null {
  const token = TOKEN_BY_TAG.get(ns)?.get(tag);
  const page = PAGE_BY_NAMESPACE.get(ns);
  return token === undefined || page === undefined ? null : { page, token };
}

/** Protocol versions that define the tag ([MS-ASWBXML] 2.1.2.1.x), or null for an unknown tag. */
export function tagVersions(ns: Namespace, tag: string): readonly WbxmlProtocolVersion[] | null {
  return VERSIONS_BY_TAG.get(ns)?.get(tag) ?? null;
}

/** Whether the tag exists in the given protocol version, e.g. Provision:AccountOnlyRemoteWipe only in 16.1. */
export function isTagInVersion(ns: Namespace, tag: string, version: WbxmlProtocolVersion): boolean {
  return tagVersions(ns, tag)?.includes(version) ?? false;
}
