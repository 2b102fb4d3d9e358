// Transport-neutral request/response shapes. The HTTP adapter (src/http) builds an EasRequest
// from the wire and writes an EasResponse back; nothing below it sees HTTP.
import type { Readable } from 'node:stream';
import type { WbxmlElement } from '../wbxml/types.js';

/** Versions this server speaks and advertises ([MS-ASHTTP] 2.2.1.1.2.6). */
export const PROTOCOL_VERSIONS = ['12.1', '14.0', '14.1', '16.0', '16.1'] as const;
export type ProtocolVersion = (typeof PROTOCOL_VERSIONS)[number];

/** Credentials as presented; verified by the gate, never by the transport. */
export type Credentials = { kind: 'basic'; username: string; password: string } | { kind: 'none' };

export interface EasRequest {
  /** Command wire name ([MS-ASHTTP] 2.2.1.1.1.1.2), e.g. 'Provision'. */
  cmd: string;
  /** User from the query; the base64 form carries none (null). */
  user: string | null;
  deviceId: string;
  deviceType: string;
  protocolVersion: ProtocolVersion;
  /** X-MS-PolicyKey header or base64 Policy-key field; null when absent. */
  policyKey: string | null;
  userAgent: string | null;
  /** LCID from the base64 query, if any. */
  locale: number | null;
  /** Command parameters: AttachmentName, CollectionId, ItemId, LongId, Occurrence, SaveInSent ('T'|'F'), AcceptMultiPart ('T'|'F'). */
  params: Readonly<Record<string, string>>;
  queryForm: 'plain' | 'base64';
  credentials: Credentials;
  /** Content-Type without parameters, lower-cased; null when absent. */
  contentType: string | null;
  body: Buffer;
  /** Remote address, for logs and audit only. */
  remoteAddress: string;
  /** Correlates logs of one request. */
  requestId: string;
}

/**
 * A body written while it is read, for responses too large to hold in memory (multipart
 * ItemOperations, [MS-ASCMD] 2.2.1.10.1). The length is announced as Content-Length up front, so
 * the stream must yield exactly that many bytes; the transport destroys it if the response fails.
 */
export interface EasStreamBody {
  stream: Readable;
  length: number;
  contentType: string;
}

export interface EasResponse {
  httpStatus: number;
  headers: Record<string, string>;
  /** A WBXML document (encoded by the transport), raw bytes, or nothing (empty body). */
  body: WbxmlElement | Buffer | null;
  /** A streamed body instead of `body` (which must then be null). */
  stream?: EasStreamBody;
}
