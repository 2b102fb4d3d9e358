// Public API of the EAS WBXML codec ([MS-ASWBXML]): tree types, decode/encode, limits, errors,
// code-page lookups, tree helpers and the XML form used by tests and debug logs.
export { NAMESPACES, type Namespace, type WbxmlElement, type WbxmlNode } from './types.js';
export { decodeWbxml, type WbxmlDecodeOptions } from './decode.js';
export { encodeWbxml } from './encode.js';
export { DEFAULT_WBXML_LIMITS, MAX_ENCODE_DEPTH, resolveLimits, type WbxmlLimits } from './limits.js';
export {
  WbxmlDecodeError,
  WbxmlEncodeError,
  type WbxmlDecodeErrorCode,
  type WbxmlEncodeErrorCode,
} from './errors.js';
export {
  CODE_PAGES,
  WBXML_PROTOCOL_VERSIONS,
  type CodePage,
  type TokenEntry,
  type WbxmlProtocolVersion,
} from './code-pages.js';
export {
  isTagInVersion,
  namespaceOfPage,
  parseUnknownTagName,
  tagOf,
  tagVersions,
  tokenOf,
  unknownTagName,
  type TokenRef,
} from './tokens.js';
export {
  child,
  childText,
  children,
  contentBytes,
  el,
  isElement,
  path,
  text,
  type ElChild,
  type PathStep,
} from './build.js';
export { LIBWBXML_DOCTYPE, fromXml, toXml, type FromXmlOptions, type ToXmlOptions } from './xml.js';
