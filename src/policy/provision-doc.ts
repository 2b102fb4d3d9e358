// Renders policy settings as the Provision-namespace EASProvisionDoc element tree (what goes in
// Provision/Policies/Policy/Data), and as display rows for the CLI. No encoding here: see src/wbxml.
import {
  OPTION_KINDS,
  OPTION_NAMES,
  PROVISION_DOC_ORDER,
  SETTING_SPECS,
  type SettingKind,
  type SettingSpec,
} from './catalog.js';
import { parsePolicySettings } from './schema.js';
import type { PolicyServerOptions, PolicySettings } from './types.js';
import { compareVersions, type ProtocolVersion } from './versions.js';
import type { WbxmlElement, WbxmlNode } from '../wbxml/types.js';

/** PolicyType of the EASProvisionDoc format, 12.0 and later (PROTOCOL.md §1, §4.2). */
export const EAS_PROVISIONING_POLICY_TYPE = 'MS-EAS-Provisioning-WBXML';

const provision = (tag: string, children: WbxmlNode[] = []): WbxmlElement => ({
  ns: 'Provision',
  tag,
  children,
});

/** True if the element exists in `version` (its "since"/"until" range, PROTOCOL.md §4.5 versions column). */
export function isSettingSupported(spec: SettingSpec, version: ProtocolVersion): boolean {
  return (
    compareVersions(version, spec.since) >= 0 &&
    (spec.until === undefined || compareVersions(version, spec.until) <= 0)
  );
}

/**
 * Builds `EASProvisionDoc` ([MS-ASPROV] 2.2.2.28) for a client speaking `version`.
 * - Children follow the ProvisionResponse.xsd sequence (PROTOCOL.md §4.5 "#"); every setting is
 *   sent, so a setting cleared since the last provisioning reaches the device as its default value
 *   or as an empty element (PROTOCOL.md §4.2: send unset policies empty or with their default).
 * - Booleans are '0'/'1'; numbers are decimal text.
 * - null (the *OrEmpty types) becomes an empty element, e.g. `<MaxAttachmentSize/>`, as Exchange
 *   sends for Unlimited.
 * - Elements not defined in `version` are left out (none today: all exist since 12.1 or earlier).
 * - An empty application list is left out, not sent as an empty container. Both are schema-valid
 *   (container and children are optional), but for ApprovedApplicationList "if present, the client
 *   MUST only allow the in-memory applications specified by this element to execute"
 *   ([MS-ASPROV] 2.2.2.22), so an empty container would forbid every in-memory application.
 * Throws PolicyValidationError if `settings` is invalid: never emit a document a device would reject.
 */
export function buildEasProvisionDoc(settings: PolicySettings, version: ProtocolVersion): WbxmlElement {
  const valid = parsePolicySettings(settings);
  const children: WbxmlElement[] = [];
  for (const name of PROVISION_DOC_ORDER) {
    const spec = SETTING_SPECS[name];
    if (!isSettingSupported(spec, version)) continue;
    const value = valid[name];
    if (Array.isArray(value)) {
      if (spec.kind.type !== 'list' || value.length === 0) continue;
      // ApplicationName [MS-ASPROV] 2.2.2.21 / Hash 2.2.2.29, one element per entry.
      const item = spec.kind.item;
      children.push(
        provision(
          name,
          value.map((entry) => provision(item, [entry])),
        ),
      );
    } else if (value === null) {
      children.push(provision(name));
    } else if (typeof value === 'boolean') {
      children.push(provision(name, [value ? '1' : '0']));
    } else {
      children.push(provision(name, [String(value)]));
    }
  }
  return provision('EASProvisionDoc', children);
}

/** One line of `policy show`: the setting name and its value as `parseSettingAssignments` accepts it. */
export interface PolicyRow {
  name: string;
  value: string;
}

function display(kind: SettingKind, value: unknown): string {
  switch (kind.type) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'integer':
      if (value === null) return kind.nullLabel ?? 'null';
      return kind.unlimited !== undefined && value === kind.unlimited ? 'unlimited' : String(value);
    case 'enum':
      return Object.entries(kind.names).find(([, v]) => v === value)?.[0] ?? String(value);
    case 'list':
      return (value as string[]).join(',');
  }
}

/**
 * Rows for CLI display, settings in EASProvisionDoc order, then the server options if given.
 * Values are written so that `Name=value` round-trips through parseSettingAssignments: booleans
 * true/false, null as "unlimited" ("none" for MinDevicePasswordLength), truncation -1 as
 * "unlimited", enums by Exchange's names (AllowBluetooth "Allow"), lists comma-separated ('' = empty).
 */
export function describePolicy(settings: PolicySettings, options?: PolicyServerOptions): PolicyRow[] {
  const rows: PolicyRow[] = PROVISION_DOC_ORDER.map((name) => ({
    name,
    value: display(SETTING_SPECS[name].kind, settings[name]),
  }));
  if (options) {
    for (const name of OPTION_NAMES) rows.push({ name, value: display(OPTION_KINDS[name], options[name]) });
  }
  return rows;
}
