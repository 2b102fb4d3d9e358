// Helpers the protocol code uses to build and read element trees. Pure functions over
// types.ts; no wire format here. Matching is by tag name, optionally narrowed to a namespace.
import type { Namespace, WbxmlElement, WbxmlNode } from './types.js';

/** What `el` accepts as a child: nodes, numbers (written in decimal), nested arrays; null/undefined/false are skipped. */
export type ElChild = WbxmlNode | number | bigint | false | null | undefined | readonly ElChild[];

/** Build an element. `el('Provision', 'Status', 1)` -> `<Status>1</Status>` on the Provision page. */
export function el(ns: Namespace, tag: string, ...children: ElChild[]): WbxmlElement {
  const out: WbxmlNode[] = [];
  addChildren(out, children);
  return { ns, tag, children: out };
}

function addChildren(out: WbxmlNode[], children: readonly ElChild[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (typeof c === 'number') {
      if (!Number.isFinite(c)) throw new RangeError(`el(): ${c} has no decimal form`);
      out.push(String(c));
    } else if (typeof c === 'bigint') {
      out.push(c.toString());
    } else if (Array.isArray(c)) {
      addChildren(out, c as readonly ElChild[]);
    } else {
      out.push(c as WbxmlNode);
    }
  }
}

/** Narrows a child to an element (not text, not opaque data). */
export function isElement(node: WbxmlNode | null | undefined): node is WbxmlElement {
  return typeof node === 'object' && node !== null && !(node instanceof Uint8Array);
}

const matches = (node: WbxmlNode, tag: string, ns: Namespace | undefined): node is WbxmlElement =>
  isElement(node) && node.tag === tag && (ns === undefined || node.ns === ns);

/** First child element with this tag (and namespace, if given); null if none or if `e` is null. */
export function child(e: WbxmlElement | null | undefined, tag: string, ns?: Namespace): WbxmlElement | null {
  if (!e) return null;
  for (const c of e.children) if (matches(c, tag, ns)) return c;
  return null;
}

/** All child elements with this tag (and namespace, if given); all child elements when `tag` is omitted. */
export function children(e: WbxmlElement | null | undefined, tag?: string, ns?: Namespace): WbxmlElement[] {
  if (!e) return [];
  return e.children.filter((c): c is WbxmlElement =>
    tag === undefined ? isElement(c) && (ns === undefined || c.ns === ns) : matches(c, tag, ns),
  );
}

/** Concatenated string children of `e` ('' for null, for an empty element and for opaque-only content). */
export function text(e: WbxmlElement | null | undefined): string {
  if (!e) return '';
  const { children: cs } = e;
  if (cs.length === 1 && typeof cs[0] === 'string') return cs[0];
  let s = '';
  for (const c of cs) if (typeof c === 'string') s += c;
  return s;
}

/** Text of the first matching child; null when there is no such child (an empty child gives ''). */
export function childText(e: WbxmlElement | null | undefined, tag: string, ns?: Namespace): string | null {
  const c = child(e, tag, ns);
  return c ? text(c) : null;
}

const encoder = new TextEncoder();

/**
 * Content as bytes: opaque children as they are, strings as UTF-8, concatenated. For values that
 * clients may send either way (e.g. ComposeMail:Mime, Email2:ConversationId). Null for a null `e`.
 */
export function contentBytes(e: WbxmlElement | null | undefined): Uint8Array | null {
  if (!e) return null;
  const parts: Uint8Array[] = [];
  for (const c of e.children) {
    if (c instanceof Uint8Array) parts.push(c);
    else if (typeof c === 'string') parts.push(encoder.encode(c));
  }
  if (parts.length === 1) return parts[0] as Uint8Array;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A `path` step: a tag name, or [namespace, tag]. */
export type PathStep = string | readonly [Namespace, string];

/** Follow first-match children: `path(body, 'Policies', 'Policy', 'PolicyType')`. Null if any step is missing. */
export function path(e: WbxmlElement | null | undefined, ...steps: PathStep[]): WbxmlElement | null {
  let cur: WbxmlElement | null = e ?? null;
  for (const step of steps) {
    if (!cur) return null;
    cur = typeof step === 'string' ? child(cur, step) : child(cur, step[1], step[0]);
  }
  return cur;
}
