import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SETTING_SPECS } from './catalog.js';
import { DEFAULT_POLICY_OPTIONS, DEFAULT_POLICY_SETTINGS } from './defaults.js';
import { PolicyValidationError } from './errors.js';
import { buildEasProvisionDoc, describePolicy, isSettingSupported } from './provision-doc.js';
import { parseSettingAssignments } from './schema.js';
import type { PolicyServerOptions, PolicySettings } from './types.js';
import { POLICY_PROTOCOL_VERSIONS } from './versions.js';
import type { WbxmlElement, WbxmlNode } from '../wbxml/types.js';

/** ProvisionResponse.xsd sequence, copied from PROTOCOL.md §4.5 column "#" (1..42). */
const XSD_ORDER = [
  'DevicePasswordEnabled',
  'AlphanumericDevicePasswordRequired',
  'PasswordRecoveryEnabled',
  'RequireStorageCardEncryption',
  'AttachmentsEnabled',
  'MinDevicePasswordLength',
  'MaxInactivityTimeDeviceLock',
  'MaxDevicePasswordFailedAttempts',
  'MaxAttachmentSize',
  'AllowSimpleDevicePassword',
  'DevicePasswordExpiration',
  'DevicePasswordHistory',
  'AllowStorageCard',
  'AllowCamera',
  'RequireDeviceEncryption',
  'AllowUnsignedApplications',
  'AllowUnsignedInstallationPackages',
  'MinDevicePasswordComplexCharacters',
  'AllowWiFi',
  'AllowTextMessaging',
  'AllowPOPIMAPEmail',
  'AllowBluetooth',
  'AllowIrDA',
  'RequireManualSyncWhenRoaming',
  'AllowDesktopSync',
  'MaxCalendarAgeFilter',
  'AllowHTMLEmail',
  'MaxEmailAgeFilter',
  'MaxEmailBodyTruncationSize',
  'MaxEmailHTMLBodyTruncationSize',
  'RequireSignedSMIMEMessages',
  'RequireEncryptedSMIMEMessages',
  'RequireSignedSMIMEAlgorithm',
  'RequireEncryptionSMIMEAlgorithm',
  'AllowSMIMEEncryptionAlgorithmNegotiation',
  'AllowSMIMESoftCerts',
  'AllowBrowser',
  'AllowConsumerEmail',
  'AllowRemoteDesktop',
  'AllowInternetSharing',
  'UnapprovedInROMApplicationList',
  'ApprovedApplicationList',
];

const HASH_A = '0123456789abcdef0123456789abcdef01234567';
const HASH_B = 'FEDCBA9876543210FEDCBA9876543210FEDCBA98';

/** Every setting set, none at its default, lists non-empty. */
const FULL: PolicySettings = {
  DevicePasswordEnabled: true,
  AlphanumericDevicePasswordRequired: true,
  PasswordRecoveryEnabled: true,
  RequireStorageCardEncryption: true,
  AttachmentsEnabled: false,
  MinDevicePasswordLength: 8,
  MaxInactivityTimeDeviceLock: 300,
  MaxDevicePasswordFailedAttempts: 10,
  MaxAttachmentSize: 5242880,
  AllowSimpleDevicePassword: false,
  DevicePasswordExpiration: 90,
  DevicePasswordHistory: 5,
  AllowStorageCard: false,
  AllowCamera: false,
  RequireDeviceEncryption: true,
  AllowUnsignedApplications: false,
  AllowUnsignedInstallationPackages: false,
  MinDevicePasswordComplexCharacters: 3,
  AllowWiFi: false,
  AllowTextMessaging: false,
  AllowPOPIMAPEmail: false,
  AllowBluetooth: 1,
  AllowIrDA: false,
  RequireManualSyncWhenRoaming: true,
  AllowDesktopSync: false,
  MaxCalendarAgeFilter: 6,
  AllowHTMLEmail: false,
  MaxEmailAgeFilter: 3,
  MaxEmailBodyTruncationSize: 5120,
  MaxEmailHTMLBodyTruncationSize: 10240,
  RequireSignedSMIMEMessages: true,
  RequireEncryptedSMIMEMessages: true,
  RequireSignedSMIMEAlgorithm: 1,
  RequireEncryptionSMIMEAlgorithm: 2,
  AllowSMIMEEncryptionAlgorithmNegotiation: 1,
  AllowSMIMESoftCerts: false,
  AllowBrowser: false,
  AllowConsumerEmail: false,
  AllowRemoteDesktop: false,
  AllowInternetSharing: false,
  UnapprovedInROMApplicationList: ['Solitaire', 'Internet Explorer'],
  ApprovedApplicationList: [HASH_A, HASH_B],
};

/** Tag/text view of a flat element: [tag, text] with text null for an empty element. */
function flat(doc: WbxmlElement): Array<[string, string | null]> {
  return doc.children.map((child) => {
    assert.ok(typeof child === 'object' && !(child instanceof Uint8Array));
    if (child.children.length === 0) return [child.tag, null];
    assert.equal(child.children.length, 1, `${child.tag} has one text child`);
    assert.equal(typeof child.children[0], 'string', `${child.tag} text`);
    return [child.tag, child.children[0] as string];
  });
}

function element(doc: WbxmlElement, tag: string): WbxmlElement | undefined {
  return doc.children.find((c): c is WbxmlElement => typeof c === 'object' && 'tag' in c && c.tag === tag);
}

function allNamespaces(node: WbxmlNode, into: Set<string> = new Set()): Set<string> {
  if (typeof node === 'object' && !(node instanceof Uint8Array)) {
    into.add(node.ns);
    for (const c of node.children) allNamespaces(c, into);
  }
  return into;
}

describe('buildEasProvisionDoc', () => {
  it('emits every element in ProvisionResponse.xsd order, all in the Provision namespace', () => {
    const doc = buildEasProvisionDoc(FULL, '14.1');
    assert.equal(doc.tag, 'EASProvisionDoc');
    assert.deepEqual(
      doc.children.map((c) => (c as WbxmlElement).tag),
      XSD_ORDER,
    );
    assert.deepEqual([...allNamespaces(doc)], ['Provision']);
  });

  it('writes booleans as 0/1 and numbers in decimal', () => {
    const doc = buildEasProvisionDoc(FULL, '16.1');
    for (const [name, spec] of Object.entries(SETTING_SPECS)) {
      const el = element(doc, name)!;
      const value = FULL[name as keyof PolicySettings];
      if (spec.kind.type === 'boolean') assert.deepEqual(el.children, [value ? '1' : '0'], name);
      else if (spec.kind.type !== 'list') assert.deepEqual(el.children, [String(value)], name);
    }
    assert.deepEqual(element(buildEasProvisionDoc(DEFAULT_POLICY_SETTINGS, '16.1'), 'AllowWiFi')!.children, [
      '1',
    ]);
    assert.deepEqual(element(doc, 'MaxEmailBodyTruncationSize')!.children, ['5120']);
    assert.deepEqual(
      element(buildEasProvisionDoc(DEFAULT_POLICY_SETTINGS, '16.1'), 'MaxEmailBodyTruncationSize')!.children,
      ['-1'],
    );
  });

  const NULLABLE = [
    'MinDevicePasswordLength',
    'MaxInactivityTimeDeviceLock',
    'MaxDevicePasswordFailedAttempts',
    'MaxAttachmentSize',
    'DevicePasswordExpiration',
  ] as const;
  for (const name of NULLABLE) {
    it(`writes ${name} = null as an empty element`, () => {
      const doc = buildEasProvisionDoc({ ...FULL, [name]: null }, '14.0');
      assert.deepEqual(element(doc, name), { ns: 'Provision', tag: name, children: [] });
      assert.equal(doc.children.length, XSD_ORDER.length);
    });
  }

  it('writes application lists as containers of ApplicationName / Hash', () => {
    const doc = buildEasProvisionDoc(FULL, '12.1');
    assert.deepEqual(element(doc, 'UnapprovedInROMApplicationList'), {
      ns: 'Provision',
      tag: 'UnapprovedInROMApplicationList',
      children: [
        { ns: 'Provision', tag: 'ApplicationName', children: ['Solitaire'] },
        { ns: 'Provision', tag: 'ApplicationName', children: ['Internet Explorer'] },
      ],
    });
    assert.deepEqual(element(doc, 'ApprovedApplicationList'), {
      ns: 'Provision',
      tag: 'ApprovedApplicationList',
      children: [
        { ns: 'Provision', tag: 'Hash', children: [HASH_A] },
        { ns: 'Provision', tag: 'Hash', children: [HASH_B] },
      ],
    });
  });

  it('leaves out empty application lists (an empty ApprovedApplicationList would block every app)', () => {
    const doc = buildEasProvisionDoc(DEFAULT_POLICY_SETTINGS, '16.1');
    assert.equal(element(doc, 'UnapprovedInROMApplicationList'), undefined);
    assert.equal(element(doc, 'ApprovedApplicationList'), undefined);
    assert.deepEqual(
      doc.children.map((c) => (c as WbxmlElement).tag),
      XSD_ORDER.slice(0, 40),
    );
  });

  for (const version of POLICY_PROTOCOL_VERSIONS) {
    it(`emits all 42 elements for ${version} (every element exists since 12.1 or earlier)`, () => {
      assert.equal(buildEasProvisionDoc(FULL, version).children.length, 42);
    });
  }

  it('keeps MaxDevicePasswordFailedAttempts and MaxCalendarAgeFilter in 16.1 (PROTOCOL.md §4.5 note a)', () => {
    const doc = buildEasProvisionDoc(FULL, '16.1');
    assert.deepEqual(element(doc, 'MaxDevicePasswordFailedAttempts')!.children, ['10']);
    assert.deepEqual(element(doc, 'MaxCalendarAgeFilter')!.children, ['6']);
  });

  it('refuses invalid settings instead of emitting them', () => {
    assert.throws(
      () => buildEasProvisionDoc({ ...FULL, MinDevicePasswordLength: 40 }, '14.1'),
      (err) => err instanceof PolicyValidationError && err.issues[0]?.field === 'MinDevicePasswordLength',
    );
    assert.throws(
      () => buildEasProvisionDoc({ ...FULL, AllowCamera: 'yes' as unknown as boolean }, '14.1'),
      PolicyValidationError,
    );
  });

  // The EASProvisionDoc of vectors/constructed/provision_initial_response.xml (shared/eas), verbatim.
  const VECTOR = `
          <DevicePasswordEnabled>1</DevicePasswordEnabled>
          <AlphanumericDevicePasswordRequired>0</AlphanumericDevicePasswordRequired>
          <MinDevicePasswordLength>4</MinDevicePasswordLength>
          <MaxInactivityTimeDeviceLock>900</MaxInactivityTimeDeviceLock>
          <MaxDevicePasswordFailedAttempts>8</MaxDevicePasswordFailedAttempts>
          <MaxAttachmentSize/>
          <AllowSimpleDevicePassword>1</AllowSimpleDevicePassword>
          <DevicePasswordExpiration/>
          <DevicePasswordHistory>0</DevicePasswordHistory>
          <AllowCamera>1</AllowCamera>
          <RequireDeviceEncryption>1</RequireDeviceEncryption>
          <AllowBluetooth>2</AllowBluetooth>
          <MaxEmailAgeFilter>0</MaxEmailAgeFilter>
          <MaxEmailBodyTruncationSize>-1</MaxEmailBodyTruncationSize>`;

  function parseFlatXml(xml: string): Array<[string, string | null]> {
    const out: Array<[string, string | null]> = [];
    for (const m of xml.matchAll(/<(\w+)\s*\/>|<(\w+)>([^<]*)<\/(\w+)>/g)) {
      if (m[1]) out.push([m[1], null]);
      else {
        assert.equal(m[2], m[4], 'well-formed');
        out.push([m[2]!, m[3]!]);
      }
    }
    return out;
  }

  it('matches the constructed vector provision_initial_response.xml, element by element', () => {
    const expected = parseFlatXml(VECTOR);
    assert.equal(expected.length, 14);
    const settings: PolicySettings = {
      ...DEFAULT_POLICY_SETTINGS,
      DevicePasswordEnabled: true,
      MinDevicePasswordLength: 4,
      MaxInactivityTimeDeviceLock: 900,
      MaxDevicePasswordFailedAttempts: 8,
      RequireDeviceEncryption: true,
    };
    const built = flat(buildEasProvisionDoc(settings, '14.1'));
    // We send every setting; the vector sends a subset. Same elements, same order, same text.
    const tags = new Set(expected.map(([tag]) => tag));
    assert.deepEqual(
      built.filter(([tag]) => tags.has(tag)),
      expected,
    );
    // The rest are the defaults, e.g. AllowWiFi 1, MaxCalendarAgeFilter 0.
    assert.deepEqual(
      built.find(([tag]) => tag === 'AllowWiFi'),
      ['AllowWiFi', '1'],
    );
  });
});

describe('isSettingSupported', () => {
  it('applies since and until', () => {
    assert.equal(isSettingSupported({ kind: { type: 'boolean' }, since: '12.0' }, '12.1'), true);
    assert.equal(isSettingSupported({ kind: { type: 'boolean' }, since: '14.0' }, '12.1'), false);
    assert.equal(isSettingSupported({ kind: { type: 'boolean' }, since: '14.0' }, '14.0'), true);
    assert.equal(
      isSettingSupported({ kind: { type: 'boolean' }, since: '12.1', until: '16.0' }, '16.0'),
      true,
    );
    assert.equal(
      isSettingSupported({ kind: { type: 'boolean' }, since: '12.1', until: '16.0' }, '16.1'),
      false,
    );
  });
});

describe('describePolicy', () => {
  it('lists settings in document order with re-parseable values', () => {
    const rows = describePolicy(DEFAULT_POLICY_SETTINGS);
    assert.deepEqual(
      rows.map((r) => r.name),
      XSD_ORDER,
    );
    const byName = new Map(rows.map((r) => [r.name, r.value]));
    assert.equal(byName.get('DevicePasswordEnabled'), 'false');
    assert.equal(byName.get('MinDevicePasswordLength'), 'none');
    assert.equal(byName.get('MaxAttachmentSize'), 'unlimited');
    assert.equal(byName.get('MaxEmailBodyTruncationSize'), 'unlimited');
    assert.equal(byName.get('AllowBluetooth'), 'Allow');
    assert.equal(byName.get('MaxEmailAgeFilter'), 'All');
    assert.equal(byName.get('AllowSMIMEEncryptionAlgorithmNegotiation'), 'AllowAnyAlgorithmNegotiation');
    assert.equal(byName.get('ApprovedApplicationList'), '');
  });

  it('appends server options when given', () => {
    const rows = describePolicy(FULL, { ...DEFAULT_POLICY_OPTIONS, refreshIntervalSeconds: 3600 });
    assert.equal(rows.length, 46);
    assert.deepEqual(rows.slice(42), [
      { name: 'allowNonProvisionableDevices', value: 'true' },
      { name: 'refreshIntervalSeconds', value: '3600' },
      { name: 'allowPartialCompliance', value: 'true' },
      { name: 'allowExternallyManaged', value: 'false' },
    ]);
    assert.equal(rows.find((r) => r.name === 'ApprovedApplicationList')?.value, `${HASH_A},${HASH_B}`);
  });

  const ROUND_TRIP: Array<[string, PolicySettings, PolicyServerOptions]> = [
    ['defaults', DEFAULT_POLICY_SETTINGS, DEFAULT_POLICY_OPTIONS],
    [
      'everything set',
      FULL,
      {
        allowNonProvisionableDevices: false,
        refreshIntervalSeconds: 86400,
        allowPartialCompliance: false,
        allowExternallyManaged: false,
      },
    ],
  ];
  for (const [label, settings, options] of ROUND_TRIP) {
    it(`round-trips through parseSettingAssignments (${label})`, () => {
      const pairs = describePolicy(settings, options).map((r) => `${r.name}=${r.value}`);
      assert.deepEqual(parseSettingAssignments(pairs), { ...settings, ...options });
    });
  }
});
