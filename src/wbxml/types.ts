// The document tree the codec decodes to and encodes from. Namespaces are EAS code-page
// names ([MS-ASWBXML] 2.1.2.1); attributes do not exist in EAS WBXML.

/** Code-page namespace names, index = page number ([MS-ASWBXML] 2.1.2.1). */
export const NAMESPACES = [
  'AirSync',
  'Contacts',
  'Email',
  'AirNotify',
  'Calendar',
  'Move',
  'GetItemEstimate',
  'FolderHierarchy',
  'MeetingResponse',
  'Tasks',
  'ResolveRecipients',
  'ValidateCert',
  'Contacts2',
  'Ping',
  'Provision',
  'Search',
  'Gal',
  'AirSyncBase',
  'Settings',
  'DocumentLibrary',
  'ItemOperations',
  'ComposeMail',
  'Email2',
  'Notes',
  'RightsManagement',
  'Find',
] as const;

export type Namespace = (typeof NAMESPACES)[number];

/** An element: namespace + tag name, children in document order. */
export interface WbxmlElement {
  ns: Namespace;
  tag: string;
  children: WbxmlNode[];
}

/** A child: an element, inline text (STR_I) or opaque bytes (OPAQUE). */
export type WbxmlNode = WbxmlElement | string | Uint8Array;
