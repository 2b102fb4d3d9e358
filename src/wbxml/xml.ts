// XML form of the element tree, for tests, debug logs and tools; never on the wire. Reads the
// spec examples (xmlns with or without a trailing colon, prefixes) and libwbxml's wbxml2xml output.
// Not lossless for control characters other than TAB/LF/CR, which XML 1.0 cannot carry.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { TOKEN_BY_TAG } from './tokens.js';
import { NAMESPACES, type Namespace, type WbxmlElement, type WbxmlNode } from './types.js';

export interface ToXmlOptions {
  /**
   * 'prefixed' (default): like the spec examples, `xmlns="AirSync"` on the root and the other
   * namespaces as lower-case prefixes (`xmlns:airsyncbase="AirSyncBase"`); opaque data as base64
   * with `opaque="base64"`, which fromXml reads back as bytes.
   * 'libwbxml': as libwbxml's wbxml2xml writes and its xml2wbxml reads: its DOCTYPE, and
   * `xmlns="Ns:"` on every element whose namespace differs from its parent's; opaque data as plain
   * base64 (libwbxml turns it back into OPAQUE only for the elements its tables mark binary).
   */
  style?: 'prefixed' | 'libwbxml';
  /** Spaces per nesting level; 0 writes the document on one line. Default 2. */
  indent?: number;
}

export interface FromXmlOptions {
  /** Namespace for a root element without one whose tag is on several pages. */
  defaultNamespace?: Namespace;
}

/** libwbxml recognises ActiveSync documents by this DOCTYPE. */
export const LIBWBXML_DOCTYPE =
  '<!DOCTYPE ActiveSync PUBLIC "-//MICROSOFT//DTD ActiveSync//EN" "http://www.microsoft.com/">';

/** Render a tree as XML. */
export function toXml(root: WbxmlElement, options: ToXmlOptions = {}): string {
  const style = options.style ?? 'prefixed';
  const unit = ' '.repeat(options.indent ?? 2);
  const nl = unit ? '\n' : '';
  const out: string[] = [];
  if (style === 'libwbxml') out.push('<?xml version="1.0"?>', nl, LIBWBXML_DOCTYPE, nl);
  else out.push('<?xml version="1.0" encoding="utf-8"?>', nl);

  const prefixes = style === 'prefixed' ? collectPrefixes(root) : null;
  const name = (e: WbxmlElement) => (prefixes && e.ns !== root.ns ? `${prefix(e.ns)}:${e.tag}` : e.tag);

  // pad === null: inside text content, where added whitespace would change the text.
  const write = (e: WbxmlElement, parentNs: Namespace | null, depth: number, pad: string | null): void => {
    let attrs = '';
    if (prefixes) {
      if (depth === 0) {
        attrs = ` xmlns="${root.ns}"`;
        for (const ns of prefixes) attrs += ` xmlns:${prefix(ns)}="${ns}"`;
      }
      if (e.children.length === 1 && e.children[0] instanceof Uint8Array) attrs += ' opaque="base64"';
    } else if (e.ns !== parentNs) {
      attrs = ` xmlns="${e.ns}:"`;
    }
    const tag = name(e);
    const lead = pad ?? '';
    const end = pad === null ? '' : nl;
    if (e.children.length === 0) {
      out.push(lead, '<', tag, attrs, '/>', end);
      return;
    }
    const elementsOnly = e.children.every((c) => typeof c === 'object' && !(c instanceof Uint8Array));
    const inner = pad !== null && elementsOnly && nl ? pad + unit : null;
    out.push(lead, '<', tag, attrs, '>', inner === null ? '' : nl);
    for (const c of e.children) {
      if (typeof c === 'string') out.push(escapeText(c));
      else if (c instanceof Uint8Array)
        out.push(Buffer.from(c.buffer, c.byteOffset, c.length).toString('base64'));
      else write(c, e.ns, depth + 1, inner);
    }
    out.push(inner === null ? '' : lead, '</', tag, '>', end);
  };

  write(root, null, 0, '');
  return out.join('');
}

const prefix = (ns: Namespace): string => ns.toLowerCase();

/** Namespaces other than the root's, in order of first use. */
function collectPrefixes(root: WbxmlElement): Namespace[] {
  const seen = new Set<Namespace>();
  const stack: WbxmlElement[] = [root];
  while (stack.length > 0) {
    const e = stack.pop() as WbxmlElement;
    if (e.ns !== root.ns) seen.add(e.ns);
    for (let i = e.children.length - 1; i >= 0; i--) {
      const c = e.children[i];
      if (typeof c === 'object' && !(c instanceof Uint8Array)) stack.push(c);
    }
  }
  return [...seen];
}

function escapeText(s: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is escaped here
  return s.replace(/[&<>\u0000-\u0008\u000b-\u001f]/g, (c) =>
    c === '&'
      ? '&amp;'
      : c === '<'
        ? '&lt;'
        : c === '>'
          ? '&gt;'
          : `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`,
  );
}

// ---- parsing ----

type XmlNode = Record<string, unknown> & { ':@'?: Record<string, string> };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: true,
  htmlEntities: true, // also decodes numeric character references such as &#xD;
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: '#cdata',
  commentPropName: '#comment',
});

const NS_BY_NAME = new Map(NAMESPACES.map((ns) => [ns.toLowerCase(), ns]));

/** Namespace attribute value -> code-page namespace; `FolderHierarchy:` and `GAL` are accepted. */
function namespaceOf(value: string): Namespace {
  const ns = NS_BY_NAME.get(value.replace(/:$/, '').toLowerCase());
  if (!ns) throw new Error(`fromXml: "${value}" is not an EAS namespace`);
  return ns;
}

interface Scope {
  defaultNs: Namespace | null;
  prefixes: ReadonlyMap<string, Namespace>;
  /** Namespace of the enclosing element, used when no xmlns is in scope. */
  parentNs: Namespace | null;
}

/** Parse XML into a tree. Throws Error for malformed XML or names outside the EAS namespaces. */
export function fromXml(xml: string, options: FromXmlOptions = {}): WbxmlElement {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new Error(`fromXml: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`);
  }
  const top = (parser.parse(xml) as XmlNode[]).filter((n) => elementName(n) !== null);
  if (top.length !== 1) throw new Error(`fromXml: expected one root element, found ${top.length}`);
  const scope: Scope = { defaultNs: null, prefixes: new Map(), parentNs: null };
  return convert(top[0] as XmlNode, scope, options);
}

/** The element name of a parsed node, or null for text, CDATA and comments. */
function elementName(n: XmlNode): string | null {
  for (const key of Object.keys(n)) if (key !== ':@' && !key.startsWith('#')) return key;
  return null;
}

function convert(node: XmlNode, outer: Scope, options: FromXmlOptions): WbxmlElement {
  const qname = elementName(node) as string;
  const attrs = node[':@'] ?? {};
  let defaultNs = outer.defaultNs;
  let prefixes = outer.prefixes;
  let opaque = false;
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'xmlns') defaultNs = namespaceOf(value);
    else if (key.startsWith('xmlns:')) {
      if (prefixes === outer.prefixes) prefixes = new Map(prefixes);
      (prefixes as Map<string, Namespace>).set(key.slice(6), namespaceOf(value));
    } else if (key === 'opaque' && value === 'base64') opaque = true;
    else throw new Error(`fromXml: unexpected attribute ${key} on <${qname}> (EAS has no attributes)`);
  }

  const colon = qname.indexOf(':');
  const tag = colon === -1 ? qname : qname.slice(colon + 1);
  let ns: Namespace | null;
  if (colon !== -1) {
    ns = prefixes.get(qname.slice(0, colon)) ?? null;
    if (!ns) throw new Error(`fromXml: undeclared prefix in <${qname}>`);
  } else {
    ns = defaultNs ?? outer.parentNs ?? options.defaultNamespace ?? inferNamespace(tag);
  }

  const scope: Scope = { defaultNs, prefixes, parentNs: ns };
  const children: WbxmlNode[] = [];
  let textRun: string | null = null;
  const flush = () => {
    if (textRun !== null) children.push(textRun);
    textRun = null;
  };
  for (const c of (node[qname] as XmlNode[] | undefined) ?? []) {
    if ('#text' in c) textRun = (textRun ?? '') + String(c['#text']);
    else if ('#cdata' in c) {
      for (const t of c['#cdata'] as XmlNode[]) textRun = (textRun ?? '') + String(t['#text'] ?? '');
    } else if (elementName(c) !== null) {
      flush();
      children.push(convert(c, scope, options));
    }
  }
  flush();

  if (opaque) {
    const b64 = children.filter((c): c is string => typeof c === 'string').join('');
    if (children.some((c) => typeof c !== 'string'))
      throw new Error(`fromXml: <${qname} opaque> has child elements`);
    return { ns, tag, children: [new Uint8Array(Buffer.from(b64.trim(), 'base64'))] };
  }
  // Whitespace between child elements is indentation, not content.
  const hasElements = children.some((c) => typeof c !== 'string');
  const kept = hasElements ? children.filter((c) => typeof c !== 'string' || c.trim() !== '') : children;
  return { ns, tag, children: kept };
}

/** A root without xmlns (e.g. the [MS-ASHTTP] 4.1 FolderSync example): the one page defining its tag. */
function inferNamespace(tag: string): Namespace {
  const pages = NAMESPACES.filter((ns) => TOKEN_BY_TAG.get(ns)?.has(tag));
  if (pages.length !== 1) {
    throw new Error(
      `fromXml: <${tag}> has no namespace and is on ${pages.length} code pages; pass defaultNamespace`,
    );
  }
  return pages[0] as Namespace;
}
