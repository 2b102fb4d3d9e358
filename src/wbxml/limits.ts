// Every size and depth limit of the WBXML decoder, in one place. Limits bound what hostile input
// can make us allocate or walk; each value says why it is large enough for real clients.

export interface WbxmlLimits {
  /** Largest accepted document in bytes. */
  maxDocumentBytes: number;
  /** Deepest element nesting (the root is depth 1). */
  maxDepth: number;
  /** Longest single inline string (STR_I) in bytes, before UTF-8 decoding. */
  maxStringBytes: number;
  /** Longest single OPAQUE payload in bytes. */
  maxOpaqueBytes: number;
  /** Most elements in one document. */
  maxElements: number;
}

/**
 * Defaults. Documents: SendMail/SmartReply carry whole MIME messages (ComposeMail:Mime) and are the
 * largest requests; 16 MiB matches a generous attachment size. Depth: the deepest EAS structures
 * (Sync/.../ApplicationData/Body, Search/Store/Result/Properties, Provision/.../EASProvisionDoc/...)
 * stay under 12 levels, so 64 only stops nesting attacks. Strings: a draft or meeting body sent as
 * STR_I. Elements: a full Sync window (512 items of ~40 elements) is ~20k; 200k caps the tree at a
 * few tens of MB whatever the input.
 */
export const DEFAULT_WBXML_LIMITS: Readonly<WbxmlLimits> = Object.freeze({
  maxDocumentBytes: 16 * 1024 * 1024,
  maxDepth: 64,
  maxStringBytes: 8 * 1024 * 1024,
  maxOpaqueBytes: 16 * 1024 * 1024,
  maxElements: 200_000,
});

/** Defaults overlaid with the given values; each must be a non-negative safe integer. */
export function resolveLimits(overrides?: Partial<WbxmlLimits>): WbxmlLimits {
  const limits: WbxmlLimits = { ...DEFAULT_WBXML_LIMITS };
  if (!overrides) return limits;
  for (const key of Object.keys(DEFAULT_WBXML_LIMITS) as (keyof WbxmlLimits)[]) {
    const value = overrides[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`WBXML limit ${key} must be a non-negative integer, got ${String(value)}`);
    }
    limits[key] = value;
  }
  return limits;
}

/**
 * Deepest tree encodeWbxml accepts. Trees are built by our own code, so this only turns a cycle
 * (an element that contains itself) into a WbxmlEncodeError instead of a stack overflow.
 */
export const MAX_ENCODE_DEPTH = 256;
