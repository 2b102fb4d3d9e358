// Typed errors of the WBXML codec. Decoding hostile input throws only WbxmlDecodeError;
// encoding a tree the code pages cannot express throws only WbxmlEncodeError.

export type WbxmlDecodeErrorCode =
  /** Input ended inside the header, a token, a string, an opaque payload or an open element. */
  | 'WBXML_TRUNCATED'
  /** Version not 1.1-1.3, charset not UTF-8 (MIBenum 106), or a public id pointing into an empty string table. */
  | 'WBXML_BAD_HEADER'
  /** SWITCH_PAGE to a page EAS does not define (> 25). */
  | 'WBXML_UNKNOWN_PAGE'
  /** A tag token the page's table lacks, only with `unknownTokens: 'error'`. */
  | 'WBXML_UNKNOWN_TOKEN'
  /** mb_u_int32 longer than 5 bytes or above 2^32-1. */
  | 'WBXML_BAD_MBUINT'
  /** Nesting deeper than `maxDepth`. */
  | 'WBXML_TOO_DEEP'
  /** Document, string or opaque payload over its byte limit. */
  | 'WBXML_TOO_LARGE'
  /** More elements than `maxElements`. */
  | 'WBXML_TOO_MANY_ELEMENTS'
  /** WBXML features EAS never uses ([MS-ASWBXML] 2.1.3): string tables, attributes, ENTITY, PI, LITERAL, EXT_*, STR_T. */
  | 'WBXML_UNSUPPORTED'
  /** STR_I bytes are not valid UTF-8. */
  | 'WBXML_BAD_UTF8'
  /** Bytes after the root element's end. */
  | 'WBXML_TRAILING_DATA'
  /** Content or END outside the root element. */
  | 'WBXML_BAD_STRUCTURE';

/** Malformed, unsupported or over-limit WBXML input. */
export class WbxmlDecodeError extends Error {
  override name = 'WbxmlDecodeError';
  readonly code: WbxmlDecodeErrorCode;
  /** Byte position where the problem was found (input length when the input ran out). */
  readonly offset: number;
  /** The raw input, for diagnostics. Not enumerable, so loggers do not dump megabytes of it. */
  declare readonly bytes?: Uint8Array;

  constructor(code: WbxmlDecodeErrorCode, offset: number, message: string, bytes?: Uint8Array) {
    super(`${message} (${code} at offset ${offset})`);
    this.code = code;
    this.offset = offset;
    if (bytes) Object.defineProperty(this, 'bytes', { value: bytes, enumerable: false });
  }
}

export type WbxmlEncodeErrorCode =
  /** Namespace is not one of the EAS code pages. */
  | 'WBXML_UNKNOWN_NAMESPACE'
  /** Tag is not defined on its namespace's page (nor a valid `Unknown_0xNN` for an undefined token). */
  | 'WBXML_UNKNOWN_TAG'
  /** A string child contains U+0000, which STR_I cannot carry. */
  | 'WBXML_BAD_STRING'
  /** A child is neither element, string nor Uint8Array. */
  | 'WBXML_BAD_NODE'
  /** The tree nests deeper than any EAS document (or contains a cycle). */
  | 'WBXML_TOO_DEEP';

/** A tree the EAS code pages cannot express. */
export class WbxmlEncodeError extends Error {
  override name = 'WbxmlEncodeError';
  readonly code: WbxmlEncodeErrorCode;
  /** Slash-separated tags from the root to the offending element, e.g. `Provision/Policies/Foo`. */
  readonly path: string;

  constructor(code: WbxmlEncodeErrorCode, path: string, message: string) {
    super(`${message} at ${path} (${code})`);
    this.code = code;
    this.path = path;
  }
}
