// Access decision engine: per-decision latency (p50/p99) against 10,000 rules, and a what-if preview
// over 100,000 associations after a rule change. Pure CPU, no I/O. Run: node --import tsx bench/access.ts
import { pathToFileURL } from 'node:url';
import { compileRules, decideAccess, evaluateAccess, previewChange } from '../src/access/index.js';
import type {
  AccessInput,
  AccessLevel,
  AccessRule,
  Characteristic,
  PreviewItem,
} from '../src/access/index.js';
import { printRows, row, type BenchRow } from './lib.js';

const RULES = 10_000;
const ASSOCIATIONS = 100_000;
/** Devices timed one by one per latency round. */
const LATENCY_SAMPLES = 20_000;
const ROUNDS = 5;
const NOW = new Date('2025-03-01T12:00:00Z');

/** Deterministic PRNG (mulberry32) so every run benchmarks the same population. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rnd = prng(42);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
const int = (n: number) => Math.floor(rnd() * n);
const LEVELS: readonly AccessLevel[] = ['Allow', 'Block', 'Quarantine'];

// A realistic population: many Samsung/Apple models, a few OS families with many builds, app families.
const modelFamilies = ['Pixel', 'Galaxy S', 'Galaxy A', 'Moto G', 'Xperia', 'Nokia', 'Redmi Note', 'OnePlus'];
const models = [
  ...Array.from(
    { length: 1500 },
    (_, i) => `SM-${pick(['G', 'A', 'S', 'N', 'F'])}${900 + (i % 100)}${'BUFNW'[i % 5]}`,
  ),
  ...Array.from({ length: 400 }, (_, i) => `iPhone${10 + (i % 8)}C${1 + (i % 6)}-${i}`),
  ...Array.from({ length: 200 }, (_, i) => `${modelFamilies[i % modelFamilies.length]} ${1 + (i % 20)}`),
];
const deviceTypes = [
  'iPhone',
  'iPad',
  'Android',
  'Outlook',
  'SAMSUNGSMG991B',
  'WindowsMail',
  'Nine',
  'BlackBerry',
];
const osFamilies = [
  'iOS',
  'Android',
  'Windows',
  'iPadOS',
  'Outlook for iOS and Android',
  'HarmonyOS',
  ...Array.from({ length: 50 }, (_, i) => `VendorOS${i}`),
];
const uaFamilies = [
  'Outlook-iOS-Android',
  'Android-Mail',
  'Apple-iPhone14C2',
  'Apple-iPad13C1',
  'Nine',
  'SAMSUNG-SM-G991B',
  ...Array.from({ length: 400 }, (_, i) => `Vendor${i}-Mail`),
];
const version = () => `${int(30)}.${int(10)}.${int(200)}`;
const osString = () => `${pick(osFamilies)} ${version()} ${int(99)}E${int(999)}`;
const userAgent = () => `${pick(uaFamilies)}/${version()}`;

function makeRules(n: number): AccessRule[] {
  const t = new Date(0);
  const out: AccessRule[] = [];
  for (let i = 0; out.length < n; i++) {
    const kind = i % 10;
    let characteristic: Characteristic;
    let queryString: string;
    let versionRange: string | null = null;
    // 70 % exact rules (models, OS builds, user agents, types), 30 % version-range rules: about 5 per app
    // family, 18 per OS family, 40 per model family (a heavy-handed admin; real sets have a few per family).
    if (kind < 3) [characteristic, queryString] = ['DeviceModel', pick(models)];
    else if (kind < 5) [characteristic, queryString] = ['DeviceOS', osString()];
    else if (kind < 7) [characteristic, queryString] = ['UserAgent', userAgent()];
    else if (kind < 9)
      [characteristic, queryString, versionRange] = ['UserAgent', pick(uaFamilies), `<${version()}`];
    else if (i % 20 === 9) {
      [characteristic, queryString, versionRange] = [
        'DeviceOS',
        pick(osFamilies),
        `>=${int(30)} <${30 + int(5)}`,
      ];
    } else
      [characteristic, queryString, versionRange] = [
        'DeviceModel',
        pick(modelFamilies),
        `=${int(20)} || >=${int(40)}`,
      ];
    if (i % 500 === 0) [characteristic, queryString, versionRange] = ['DeviceType', pick(deviceTypes), null];
    out.push({
      id: `rule-${i}`,
      name: `${queryString} ${versionRange ?? ''} (${characteristic})`,
      characteristic,
      queryString,
      versionRange,
      accessLevel: pick(LEVELS),
      createdAt: t,
      updatedAt: t,
    });
  }
  return out;
}

function makeInput(i: number): AccessInput {
  return {
    user: {
      easEnabled: i % 200 !== 0,
      allowedDeviceIds: i % 50 === 0 ? [`dev-${i}`] : [],
      blockedDeviceIds: i % 97 === 0 ? [`dev-${i}`, 'other'] : [],
    },
    device: {
      deviceId: `dev-${i}`,
      deviceType: pick(deviceTypes),
      model: pick(models),
      os: osString(),
      // Every 7th reports a version nothing can parse (range rules then do not match it).
      userAgent: i % 7 === 0 ? `${pick(uaFamilies)}/dev-build` : userAgent(),
      policyStatus: i % 100 === 0 ? 'PartiallyApplied' : 'AppliedInFull',
      nonProvisionable: false,
    },
    org: { defaultAccessLevel: 'Quarantine' },
    allowNonProvisionableDevices: false,
    autoblock: null,
  };
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

export async function benchAccess(): Promise<BenchRow[]> {
  const rules = makeRules(RULES);
  const inputs = Array.from({ length: ASSOCIATIONS }, (_, i) => makeInput(i));

  const compileMs: number[] = [];
  let index = compileRules(rules);
  for (let r = 0; r < ROUNDS; r++) {
    const t = performance.now();
    index = compileRules(rules);
    compileMs.push(performance.now() - t);
  }

  // Warm the JIT, then time single decisions: decideAccess (the verdict alone) and evaluateAccess (the
  // verdict plus explanation, steps and every matching rule, as the gate stores it).
  const latency = async (fn: (input: AccessInput) => unknown) => {
    for (let i = 0; i < 20_000; i++) fn(inputs[i % inputs.length] as AccessInput);
    const p50: number[] = [];
    const p99: number[] = [];
    const perSec: number[] = [];
    const lat = new Float64Array(LATENCY_SAMPLES);
    for (let r = 0; r < ROUNDS; r++) {
      const base = r * LATENCY_SAMPLES;
      const t0 = performance.now();
      for (let i = 0; i < LATENCY_SAMPLES; i++) {
        const inp = inputs[(base + i) % inputs.length] as AccessInput;
        const s = process.hrtime.bigint();
        fn(inp);
        lat[i] = Number(process.hrtime.bigint() - s) / 1000;
      }
      perSec.push(LATENCY_SAMPLES / ((performance.now() - t0) / 1000));
      lat.sort();
      p50.push(percentile(lat, 0.5));
      p99.push(percentile(lat, 0.99));
      await new Promise((resolve) => setImmediate(resolve));
    }
    return { p50, p99, perSec };
  };
  const decide = await latency((inp) => decideAccess(inp, index, NOW));
  const evaluate = await latency((inp) => evaluateAccess(inp, index, NOW));

  // What-if: the stored state is today's decision; the change adds 50 rules and flips the default.
  const items: PreviewItem[] = inputs.map((input, i) => {
    const d = decideAccess(input, index, NOW);
    return {
      id: `assoc-${i}`,
      input,
      current: { state: d.state, reason: d.reason, rule: d.rule?.id ?? null },
    };
  });
  const next = compileRules([...rules, ...makeRules(50).map((r) => ({ ...r, id: `new-${r.id}` }))]);
  const previewMs: number[] = [];
  let changed = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t = performance.now();
    changed = previewChange(items, next, 'Block', NOW).length;
    previewMs.push(performance.now() - t);
    await new Promise((resolve) => setImmediate(resolve));
  }

  return [
    row(`compileRules, ${RULES} rules (${index.size} usable)`, 'ms', compileMs),
    row(`decideAccess p50, ${RULES} rules`, 'µs', decide.p50),
    row(`decideAccess p99, ${RULES} rules`, 'µs', decide.p99),
    row(`decideAccess throughput`, 'decisions/s', decide.perSec),
    row(`evaluateAccess (with explanation) p50, ${RULES} rules`, 'µs', evaluate.p50),
    row(`evaluateAccess (with explanation) p99, ${RULES} rules`, 'µs', evaluate.p99),
    row(`evaluateAccess throughput`, 'decisions/s', evaluate.perSec),
    row(`previewChange over ${ASSOCIATIONS} associations (${changed} change)`, 'ms', previewMs),
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printRows(`Access decisions (${ROUNDS} rounds, node ${process.version})`, await benchAccess());
}
