// Provision ([MS-ASPROV]): policy download (temporary key), acknowledgement (final key),
// remote wipe delivery and its acknowledgement, DeviceInformation for 14.1+.
import { child, childText, el } from '../../wbxml/index.js';
import type { WbxmlElement } from '../../wbxml/types.js';
import { pendingWipe } from '../../devices/service.js';
import type { WipeKind } from '../../devices/service.js';
import { buildEasProvisionDoc, evaluateAcknowledgement, newPolicyKey } from '../../policy/index.js';
import type { CommandContext, CommandHandler } from '../context.js';
import { EasStatus } from '../status.js';
import type { EasResponse } from '../types.js';
import { parseDeviceInformation } from './device-information.js';

/** [MS-ASPROV] 2.2.2.44 PolicyType for 12.0 and later. */
export const POLICY_TYPE = 'MS-EAS-Provisioning-WBXML';

/** Provision Status ([MS-ASPROV] 2.2.2.54.2) and Policy Status (2.2.2.54.1) values used here. */
const ProvisionStatus = { Success: 1, ProtocolError: 2 } as const;
const PolicyStatus = { Success: 1, UnknownPolicyType: 3, WrongPolicyKey: 5 } as const;

const VERSIONS_WITH_DEVICE_INFO = new Set(['14.1', '16.0', '16.1']);

function respond(...children: Array<WbxmlElement | null>): EasResponse {
  return { httpStatus: 200, headers: {}, body: el('Provision', 'Provision', ...children) };
}

const status = (n: number) => el('Provision', 'Status', n);

/** Policies/Policy of a response: PolicyType and Status, then PolicyKey and Data where given. */
function policyReply(
  policyType: string,
  policyStatus: number,
  ...rest: Array<WbxmlElement | null>
): WbxmlElement {
  return el(
    'Provision',
    'Policies',
    el(
      'Provision',
      'Policy',
      el('Provision', 'PolicyType', policyType),
      el('Provision', 'Status', policyStatus),
      ...rest,
    ),
  );
}

export const provisionCommand: CommandHandler = {
  name: 'Provision',
  checksPolicyKey: false,
  blockedByWipe: false,
  countsAsSync: false,
  quarantine: 'serve',
  async handle(ctx) {
    const { body } = ctx;
    if (!body || body.ns !== 'Provision' || body.tag !== 'Provision') {
      return respond(status(ProvisionStatus.ProtocolError));
    }
    const wipe = pendingWipe(ctx.device);
    if (wipe) return handleWipe(ctx, body, wipe);

    const policyEl = child(child(body, 'Policies'), 'Policy');
    const ackStatus = childText(policyEl, 'Status');
    if (policyEl && ackStatus !== null) return acknowledge(ctx, policyEl, ackStatus);
    if (policyEl) return download(ctx, body, policyEl);
    // An empty <Provision/> with no wipe pending: nothing to deliver ([MS-ASPROV] 3.2.5.1.1).
    return respond(status(ProvisionStatus.Success));
  },
};

/** Phase 2: hand out the policy with a temporary key ([MS-ASPROV] 3.2.5.1.1). */
async function download(
  ctx: CommandContext,
  body: WbxmlElement,
  policyEl: WbxmlElement,
): Promise<EasResponse> {
  const { svc, req, policy } = ctx;
  let device = ctx.device;
  const infoEl = child(body, 'DeviceInformation', 'Settings');
  let infoResponse: WbxmlElement | null = null;
  if (infoEl) {
    const info = parseDeviceInformation(infoEl);
    if (!info) return respond(status(ProvisionStatus.ProtocolError));
    device = await svc.devices.applyDeviceInformation(device, info);
    infoResponse = el('Settings', 'DeviceInformation', el('Settings', 'Status', 1));
  } else if (VERSIONS_WITH_DEVICE_INFO.has(req.protocolVersion)) {
    // [MS-ASCMD] 2.2.2: 14.1+ MUST send DeviceInformation in the initial Provision.
    return respond(status(EasStatus.DeviceInformationRequired));
  }
  const policyType = childText(policyEl, 'PolicyType');
  if (!policyType) return respond(infoResponse, status(ProvisionStatus.ProtocolError));
  if (policyType !== POLICY_TYPE) {
    return respond(
      infoResponse,
      status(ProvisionStatus.Success),
      policyReply(policyType, PolicyStatus.UnknownPolicyType),
    );
  }
  const tempKey = newPolicyKey();
  await svc.store.patchDevice(device.id, { pendingPolicyKey: tempKey });
  ctx.log.info({ policy: policy.name }, 'policy sent, awaiting acknowledgement');
  return respond(
    infoResponse,
    status(ProvisionStatus.Success),
    policyReply(
      POLICY_TYPE,
      PolicyStatus.Success,
      el('Provision', 'PolicyKey', tempKey),
      el('Provision', 'Data', buildEasProvisionDoc(policy.settings, req.protocolVersion)),
    ),
  );
}

/** Acknowledgement: the temporary key plus the device's compliance status ([MS-ASPROV] 3.2.5.1.2.1). */
async function acknowledge(
  ctx: CommandContext,
  policyEl: WbxmlElement,
  ackStatus: string,
): Promise<EasResponse> {
  const { svc, device, policy } = ctx;
  const policyType = childText(policyEl, 'PolicyType') ?? POLICY_TYPE;
  const presented = childText(policyEl, 'PolicyKey') ?? ctx.req.policyKey;
  const reply = (policyStatus: number, ...rest: WbxmlElement[]) =>
    respond(status(ProvisionStatus.Success), policyReply(policyType, policyStatus, ...rest));
  if (policyType !== POLICY_TYPE) {
    return reply(PolicyStatus.UnknownPolicyType);
  }
  if (!device.pendingPolicyKey || presented !== device.pendingPolicyKey) {
    // Out-of-date or invalid temporary key: the client must download the policy again.
    return reply(PolicyStatus.WrongPolicyKey);
  }
  const verdict = evaluateAcknowledgement(ackStatus, policy.options);
  const now = svc.clock();
  if (!verdict.accept) {
    await svc.store.patchDevice(device.id, {
      policyStatus: verdict.applicationStatus,
      pendingPolicyKey: null,
      policyKey: null,
    });
    ctx.log.info({ ackStatus, status: verdict.provisionStatus }, 'policy acknowledgement refused');
    await svc.audit.record({
      actor: `device:${device.id}`,
      action: 'provision.refused',
      targetType: 'device',
      targetId: device.id,
      after: { policy: policy.name, revision: policy.revision, applicationStatus: verdict.applicationStatus },
      reason: `acknowledgement status ${ackStatus} refused with ${verdict.provisionStatus}`,
      source: ctx.req.remoteAddress,
    });
    return respond(status(verdict.provisionStatus));
  }
  const finalKey = newPolicyKey();
  await svc.store.patchDevice(device.id, {
    policyKey: finalKey,
    pendingPolicyKey: null,
    policyStatus: verdict.applicationStatus,
    policyId: policy.id,
    policyName: policy.name,
    policyRevision: policy.revision,
    lastPolicyUpdateAt: now,
  });
  ctx.log.info({ policy: policy.name, applied: verdict.applicationStatus }, 'device provisioned');
  await svc.audit.record({
    actor: `device:${device.id}`,
    action: 'provision.acknowledged',
    targetType: 'device',
    targetId: device.id,
    before: {
      policy: device.policyName,
      revision: device.policyRevision,
      applicationStatus: device.policyStatus,
    },
    after: { policy: policy.name, revision: policy.revision, applicationStatus: verdict.applicationStatus },
    reason: `acknowledgement status ${ackStatus}`,
    source: ctx.req.remoteAddress,
  });
  return reply(PolicyStatus.Success, el('Provision', 'PolicyKey', finalKey));
}

/** Remote wipe: deliver the directive, record the device's acknowledgement ([MS-ASPROV] 3.2.5.1.2.2-3). */
async function handleWipe(ctx: CommandContext, body: WbxmlElement, kind: WipeKind): Promise<EasResponse> {
  const { svc } = ctx;
  const tag = kind === 'full' ? 'RemoteWipe' : 'AccountOnlyRemoteWipe';
  const ack = child(body, tag) ?? child(body, kind === 'full' ? 'AccountOnlyRemoteWipe' : 'RemoteWipe');
  const ackStatus = ack ? childText(ack, 'Status') : null;
  if (ackStatus === '1' || ackStatus === '2') {
    const ok = ackStatus === '1';
    await svc.devices.recordWipeAck(ctx.device, kind, ok);
    ctx.log.warn({ kind, ok }, 'remote wipe acknowledged by device');
    await svc.audit.record({
      actor: `device:${ctx.device.id}`,
      action: 'device.wipe.acknowledged',
      targetType: 'device',
      targetId: ctx.device.id,
      after: { kind, ok },
      source: ctx.req.remoteAddress,
    });
    // Exchange 2013+: success -> Status 1; failure -> Status 2 and the directive again.
    return ok ? respond(status(1)) : respond(status(2), el('Provision', tag));
  }
  await svc.devices.recordWipeSent(ctx.device, kind);
  ctx.log.warn({ kind }, 'remote wipe directive sent');
  await svc.audit.record({
    actor: 'system',
    action: 'device.wipe.sent',
    targetType: 'device',
    targetId: ctx.device.id,
    after: { kind },
    source: ctx.req.remoteAddress,
  });
  return respond(status(ProvisionStatus.Success), el('Provision', tag));
}
