// The allow/block/quarantine decision for one device association, in Exchange's order. Pure: every
// fact comes in through AccessInput and the compiled rules; the gate and the admin what-if API call it.
import type { DeviceAccessStateReason } from '../devices/types.js';
import type { RuleIndex, RuleMatch, RuleMatchReport } from './rules.js';
import { bestRuleMatch, describeMatch, explainRuleMatches } from './rules.js';
import { quote } from './text.js';
import type { AccessDecision, AccessInput, AccessLevel, DecisionStep, DeviceFacts } from './types.js';

type DecidedState = AccessDecision['state'];
type StepName = DecisionStep['step'];

/** The decision without any text: what decideAccess returns. */
export interface Verdict {
  state: DecidedState;
  reason: DeviceAccessStateReason;
  rule: { id: string; name: string } | null;
  /** The step that decided. */
  step: StepName;
  /** The deciding rule and why it matched, when step is DeviceRule. */
  match: RuleMatch | null;
}

/** Exchange's order (TechNet ff959225; notes §1.2), Exchange's steps 6-8 folded into one DeviceRule step. */
export const DECISION_ORDER: readonly StepName[] = [
  'UserDisabled',
  'Autoblock',
  'Policy',
  'PersonalBlocked',
  'PersonalAllowed',
  'DeviceRule',
  'Global',
];

const STATE_OF: Record<AccessLevel, DecidedState> = {
  Allow: 'Allowed',
  Block: 'Blocked',
  Quarantine: 'Quarantined',
};

/** Policy application statuses that mean the device does not enforce the whole policy. */
const POLICY_NOT_MET: ReadonlySet<DeviceFacts['policyStatus']> = new Set([
  'PartiallyApplied',
  'NotApplied',
  'ExternallyManaged',
]);

const NO_MATCHES: RuleMatchReport = { matches: [], misses: [], unparseable: [] };

/** How many other matching rules an explanation names before it only counts them. */
const OTHERS_SHOWN = 3;

/**
 * The decision alone, stopping at the first step that decides:
 * 1 EAS disabled for the user, 2 active autoblock, 3 policy cannot be met, 4 personal block list,
 * 5 personal allow list, 6 device rules (Block > Quarantine > Allow over every matching rule, exact and
 * version-range alike), 7 the organization's default access level.
 * No text is built, so this is the one to call per request and over many devices. Never throws.
 */
export function decideAccess(input: AccessInput, rules: RuleIndex, now: Date = new Date()): Verdict {
  const { user, device } = input;
  const verdict = (state: DecidedState, reason: DeviceAccessStateReason, step: StepName): Verdict => ({
    state,
    reason,
    rule: null,
    step,
    match: null,
  });
  // 1. Exchange refuses users with ActiveSyncEnabled=$false before ABQ runs and records no device state;
  // we report Blocked/UserDisabled so the gate can answer 126 UserDisabledForSync rather than 129.
  if (!user.easEnabled) return verdict('Blocked', 'UserDisabled', 'UserDisabled');
  // 2. Autoblock lasts until its end, whatever the rules say.
  if (autoblockActive(input, now)) return verdict('Blocked', input.autoblock?.reason ?? 'None', 'Autoblock');
  // 3. A device that cannot or will not enforce the policy, unless AllowNonProvisionableDevices.
  if (policyProblem(device) && !input.allowNonProvisionableDevices) {
    return verdict('Blocked', 'Policy', 'Policy');
  }
  // 4 and 5. Personal exemptions; block is checked first, so a device on both lists is blocked.
  if (hasDeviceId(user.blockedDeviceIds, device.deviceId)) {
    return verdict('Blocked', 'Individual', 'PersonalBlocked');
  }
  if (hasDeviceId(user.allowedDeviceIds, device.deviceId)) {
    return verdict('Allowed', 'Individual', 'PersonalAllowed');
  }
  // 6. Exchange checks "blocked by any rule", then "quarantined by any", then "allowed by any"; range
  // rules are just more rules in those passes, so the most restrictive matching rule decides.
  const match = bestRuleMatch(rules, device);
  if (match) {
    const { id, name, accessLevel } = match.rule;
    return {
      state: STATE_OF[accessLevel],
      reason: 'DeviceRule',
      rule: { id, name },
      step: 'DeviceRule',
      match,
    };
  }
  // 7. Set-ActiveSyncOrganizationSettings -DefaultAccessLevel; an unknown value quarantines (fail safe).
  return verdict(STATE_OF[input.org.defaultAccessLevel] ?? 'Quarantined', 'Global', 'Global');
}

/**
 * decideAccess plus the story: every step evaluated with its detail, a one-line explanation, and every rule
 * that matches the device (for what-if), deciding rule first. `now` decides whether an autoblock is still
 * active; nothing else depends on time. Never throws.
 */
export function evaluateAccess(input: AccessInput, rules: RuleIndex, now: Date = new Date()): AccessDecision {
  const v = decideAccess(input, rules, now);
  const report = explainRuleMatches(rules, input.device);
  const first = v.match;
  const ordered = first ? [first, ...report.matches.filter((m) => m.rule !== first.rule)] : report.matches;
  const steps: DecisionStep[] = [];
  for (const step of DECISION_ORDER) {
    const decided = step === v.step;
    steps.push({ step, decided, detail: stepDetail(step, decided, input, v, report) });
    if (decided) break;
  }
  return {
    state: v.state,
    reason: v.reason,
    rule: v.rule,
    explanation: explain(v, input, ordered, report.unparseable),
    matchedRules: ordered.map(({ rule }) => ({
      id: rule.id,
      name: rule.name,
      accessLevel: rule.accessLevel,
    })),
    steps,
  };
}

function stepDetail(
  step: StepName,
  decided: boolean,
  input: AccessInput,
  v: Verdict,
  report: RuleMatchReport,
): string {
  const { device } = input;
  const ab = input.autoblock;
  const problem = policyProblem(device);
  const id = quote(device.deviceId);
  switch (step) {
    case 'UserDisabled':
      return `Exchange ActiveSync is ${decided ? 'disabled' : 'enabled'} for this user`;
    case 'Autoblock':
      if (decided) return `autoblocked (${ab?.reason}) until ${iso(ab?.until)}`;
      return ab ? `autoblock (${ab.reason}) ended at ${iso(ab.until)}` : 'no active autoblock';
    case 'Policy':
      if (decided) return `${problem} and the policy does not allow non-provisionable devices`;
      return problem
        ? `${problem}, but the policy allows non-provisionable devices`
        : `the device can meet the policy (status ${device.policyStatus})`;
    case 'PersonalBlocked':
      return decided
        ? `device ID ${id} is on the user's blocked device list`
        : `device ID ${id} is not on the blocked list`;
    case 'PersonalAllowed':
      return decided
        ? `device ID ${id} is on the user's allowed device list`
        : `device ID ${id} is not on the allowed list`;
    case 'DeviceRule': {
      const notes = [...report.unparseable, ...report.misses];
      const head = v.match
        ? `${report.matches.length} rule(s) matched; deciding: ${quote(v.match.rule.name)} (${describeMatch(v.match)})`
        : 'no rule matched';
      return [head, ...notes].join('; ');
    }
    case 'Global':
      return `no rule or personal exemption decided; the organization default access level is ${input.org.defaultAccessLevel}`;
  }
}

function explain(v: Verdict, input: AccessInput, ordered: RuleMatch[], unparseable: string[]): string {
  const tail = unparseable.length ? `; ${unparseable.join('; ')}` : '';
  switch (v.step) {
    case 'DeviceRule': {
      const first = ordered[0];
      if (!first) return `${v.state} by a device rule`;
      let text = `${v.state} by rule ${quote(first.rule.name)} (${describeMatch(first)})`;
      const others = ordered.slice(1);
      if (others.length) {
        const named = others
          .slice(0, OTHERS_SHOWN)
          .map((m) => `${quote(m.rule.name)} (${m.rule.accessLevel})`);
        const more = others.length > OTHERS_SHOWN ? ` and ${others.length - OTHERS_SHOWN} more` : '';
        text += `; also matched: ${named.join(', ')}${more}`;
      }
      return text + tail;
    }
    case 'Global':
      return `${v.state} by the organization default access level (${input.org.defaultAccessLevel})${tail}`;
    default:
      return `${v.state}: ${stepDetail(v.step, true, input, v, NO_MATCHES)}`;
  }
}

function autoblockActive(input: AccessInput, now: Date): boolean {
  const ab = input.autoblock;
  return !!ab && timeOf(ab.until) > now.getTime();
}

/** Tolerates an ISO string where a Date belongs (a JSON round trip); NaN for anything unreadable. */
function timeOf(d: Date | undefined): number {
  return d instanceof Date ? d.getTime() : new Date(d as unknown as string).getTime();
}

function policyProblem(device: DeviceFacts): string | null {
  if (device.nonProvisionable) return 'the device is not provisionable';
  if (POLICY_NOT_MET.has(device.policyStatus)) return `the policy is ${device.policyStatus} on the device`;
  return null;
}

/**
 * Device IDs are compared case-insensitively: admins type them by hand from the console, and a client
 * always sends its own ID in one spelling, so a case-only difference is a typo, not another device.
 */
function hasDeviceId(list: readonly string[], deviceId: string): boolean {
  if (list.length === 0) return false;
  const lower = deviceId.toLowerCase();
  for (const x of list) if (x === deviceId || x.toLowerCase() === lower) return true;
  return false;
}

function iso(d: Date | undefined): string {
  const t = timeOf(d);
  return Number.isNaN(t) ? 'an invalid date' : new Date(t).toISOString();
}
