// syncward rule|org|quarantine|audit|what-if and device allow|block: Exchange's
// New-/Get-/Remove-ActiveSyncDeviceAccessRule, Set-ActiveSyncOrganizationSettings, the quarantine
// queue and Search-AdminAuditLog, on the same AccessService the server and the admin API use.
import type { Command } from 'commander';
import { parseReleaseCondition } from '../access/release.js';
import type { AccessService, DecisionChange } from '../access/service.js';
import { AccessInputError, AccessNotFoundError } from '../access/service.js';
import { DEFAULT_AUTOBLOCK } from '../access/autoblock.js';
import type { AccessLevel, AccessRule, AutoblockRule, Characteristic, OrgSettings } from '../access/types.js';
import type { Store } from '../store/types.js';
import { findDevice } from './device.js';
import { CliError, fmtDate, list, print, printJson, table, withServices, withStore } from './context.js';

const LEVELS = ['Allow', 'Block', 'Quarantine'];
const CHARACTERISTICS = ['DeviceType', 'DeviceModel', 'DeviceOS', 'UserAgent'];

function oneOf(name: string, value: string, allowed: string[]): string {
  const hit = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
  if (!hit) throw new CliError(`${name} must be one of ${allowed.join(', ')}`);
  return hit;
}

async function guard<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof AccessInputError || err instanceof AccessNotFoundError)
      throw new CliError(err.message);
    throw err;
  }
}

function printChanges(changes: DecisionChange[], dryRun: boolean, json: boolean): void {
  if (json) return printJson(changes);
  if (changes.length === 0) return print(dryRun ? 'No device would change.' : 'No device changed.');
  print(`${changes.length} device(s) ${dryRun ? 'would change' : 'changed'}:`);
  print(
    table(
      ['UserName', 'DeviceId', 'DeviceType', 'From', 'To', 'Rule'],
      changes.map((c) => [
        c.userName,
        c.deviceId,
        c.deviceType,
        `${c.from.state} (${c.from.reason})`,
        `${c.to.state} (${c.to.reason})`,
        c.to.ruleName ?? '',
      ]),
    ),
  );
}

async function findRule(access: AccessService, ref: string): Promise<AccessRule> {
  const rules = await access.listRules();
  const hit =
    rules.find((r) => r.id === ref) ?? rules.filter((r) => r.name.toLowerCase() === ref.toLowerCase());
  if (!Array.isArray(hit)) return hit;
  if (hit.length === 1 && hit[0]) return hit[0];
  throw new CliError(hit.length ? `several rules are named ${ref}; use the Identity` : `no rule ${ref}`);
}

export function registerAccessCommands(program: Command): void {
  const db = () => program.opts().database as string | undefined;

  // --- rules ---
  const rule = program.command('rule').description('device access rules (allow/block/quarantine)');
  rule
    .command('list')
    .description('Get-ActiveSyncDeviceAccessRule')
    .option('--json', 'JSON output')
    .action(async (o: { json?: boolean }) =>
      withServices(db(), async ({ access }) => {
        const rules = await access.listRules();
        if (o.json) return printJson(rules);
        print(
          table(
            ['Name', 'Characteristic', 'QueryString', 'VersionRange', 'AccessLevel', 'Identity'],
            rules.map((r) => [
              r.name,
              r.characteristic,
              r.queryString,
              r.versionRange ?? '',
              r.accessLevel,
              r.id,
            ]),
          ),
        );
      }),
    );

  const addOptions = (c: Command) =>
    c
      .requiredOption('--characteristic <c>', CHARACTERISTICS.join(' | '))
      .requiredOption('--query <string>', 'whole value to match, or the family when --version is given')
      .option('--version <range>', "version range on the parsed version, e.g. '<1.0.4' or '>=1.0.4 <2'")
      .requiredOption('--level <level>', LEVELS.join(' | '))
      .option('--name <name>', 'rule name (default: derived from the rule)')
      .option('--json', 'JSON output');
  type AddOpts = {
    characteristic: string;
    query: string;
    version?: string;
    level: string;
    name?: string;
    json?: boolean;
  };
  const add = async (o: AddOpts, dryRun: boolean) =>
    withServices(db(), async ({ access, actor }) => {
      const { rule: saved, changes } = await guard(
        access.saveRule(
          {
            characteristic: oneOf('--characteristic', o.characteristic, CHARACTERISTICS) as Characteristic,
            queryString: o.query,
            versionRange: o.version ?? null,
            accessLevel: oneOf('--level', o.level, LEVELS) as AccessLevel,
            ...(o.name ? { name: o.name } : {}),
          },
          actor,
          { dryRun },
        ),
      );
      if (!o.json)
        print(
          dryRun ? `Preview of rule '${saved.name}' (not saved)` : `Saved rule '${saved.name}' (${saved.id})`,
        );
      printChanges(changes, dryRun, Boolean(o.json));
    });
  addOptions(rule.command('add').description('New-ActiveSyncDeviceAccessRule; re-evaluates every device'))
    .option('--dry-run', 'show what would change, save nothing')
    .action((o: AddOpts & { dryRun?: boolean }) => add(o, Boolean(o.dryRun)));
  addOptions(rule.command('preview').description('what a new rule would change, without saving it')).action(
    (o: AddOpts) => add(o, true),
  );
  rule
    .command('remove <rule>')
    .description('Remove-ActiveSyncDeviceAccessRule (by Identity or name)')
    .option('--dry-run', 'show what would change, save nothing')
    .option('--json', 'JSON output')
    .action(async (ref: string, o: { dryRun?: boolean; json?: boolean }) =>
      withServices(db(), async ({ access, actor }) => {
        const r = await findRule(access, ref);
        const changes = await guard(access.deleteRule(r.id, actor, { dryRun: Boolean(o.dryRun) }));
        if (!o.json) print(o.dryRun ? `Preview of removing '${r.name}'` : `Removed rule '${r.name}'`);
        printChanges(changes, Boolean(o.dryRun), Boolean(o.json));
      }),
    );

  // --- organisation ---
  const org = program
    .command('org')
    .description('organisation settings (Set-ActiveSyncOrganizationSettings)');
  org
    .command('show')
    .option('--json', 'JSON output')
    .action(async (o: { json?: boolean }) =>
      withServices(db(), async ({ access }) => {
        const s = await access.orgSettings();
        if (o.json) return printJson(s);
        print(
          list([
            ['DefaultAccessLevel', s.defaultAccessLevel],
            ['AdminMailRecipients', s.adminMailRecipients.join(', ')],
            ['UserMailInsert', s.userMailInsert],
            [
              'DefaultReleaseCondition',
              s.defaultReleaseCondition ? JSON.stringify(s.defaultReleaseCondition) : '',
            ],
            ['Autoblock', JSON.stringify(s.autoblock)],
          ]),
        );
      }),
    );
  org
    .command('set')
    .description('change settings; re-evaluates every device')
    .option('--default-access-level <level>', LEVELS.join(' | '))
    .option(
      '--admin-recipients <list>',
      'comma-separated addresses told about quarantined devices ("" = none)',
    )
    .option('--notice-text <text>', 'text for the quarantine notice the device shows (UserMailInsert)')
    .option(
      '--release-condition <cond>',
      "e.g. 'appVersion>=1.0.4', 'osVersion>=17', 'policyAppliedInFull', or 'none'",
    )
    .option(
      '--autoblock <mode>',
      "'off' (e.g. for load tests) or 'default'; applies at the next server start",
    )
    .option('--dry-run', 'show what would change, save nothing')
    .option('--json', 'JSON output')
    .action(
      async (o: {
        autoblock?: string;
        defaultAccessLevel?: string;
        adminRecipients?: string;
        noticeText?: string;
        releaseCondition?: string;
        dryRun?: boolean;
        json?: boolean;
      }) =>
        withServices(db(), async ({ access, actor }) => {
          const patch: Partial<OrgSettings> = {};
          if (o.defaultAccessLevel) {
            patch.defaultAccessLevel = oneOf(
              '--default-access-level',
              o.defaultAccessLevel,
              LEVELS,
            ) as AccessLevel;
          }
          if (o.adminRecipients !== undefined) {
            patch.adminMailRecipients = o.adminRecipients
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean);
            for (const a of patch.adminMailRecipients) {
              if (!/^[^\s@]+@[^\s@]+$/.test(a)) throw new CliError(`not an e-mail address: ${a}`);
            }
          }
          if (o.noticeText !== undefined) patch.userMailInsert = o.noticeText;
          if (o.autoblock !== undefined) {
            const mode = oneOf('--autoblock', o.autoblock, ['off', 'default']);
            const off = (r: AutoblockRule) => ({ ...r, enabled: false });
            patch.autoblock =
              mode === 'off'
                ? {
                    commandFrequency: off(DEFAULT_AUTOBLOCK.commandFrequency),
                    userAgentChanges: off(DEFAULT_AUTOBLOCK.userAgentChanges),
                    syncCommands: off(DEFAULT_AUTOBLOCK.syncCommands),
                  }
                : DEFAULT_AUTOBLOCK;
          }
          if (o.releaseCondition !== undefined) {
            if (o.releaseCondition === 'none') patch.defaultReleaseCondition = null;
            else {
              const r = parseReleaseCondition(o.releaseCondition);
              if (!r.ok) throw new CliError(r.error);
              patch.defaultReleaseCondition = r.condition;
            }
          }
          const { changes } = await guard(access.setOrgSettings(patch, actor, { dryRun: Boolean(o.dryRun) }));
          if (!o.json) print(o.dryRun ? 'Preview (not saved)' : 'Organisation settings saved');
          printChanges(changes, Boolean(o.dryRun), Boolean(o.json));
        }),
    );

  // --- quarantine queue and individual decisions ---
  const quarantine = program.command('quarantine').description('the quarantine queue');
  quarantine
    .command('list')
    .option('--json', 'JSON output')
    .action(async (o: { json?: boolean }) =>
      withStore(db(), async (store) => {
        const devices = await store.listDevices({ accessState: 'Quarantined' });
        const users = new Map((await store.listUsers()).map((u) => [u.id, u.username]));
        if (o.json) return printJson(devices.map((d) => ({ ...d, userName: users.get(d.userId) ?? null })));
        print(
          table(
            [
              'Identity',
              'UserName',
              'DeviceId',
              'DeviceType',
              'DeviceModel',
              'DeviceUserAgent',
              'QuarantinedAt',
              'ReleaseCondition',
              'Why',
            ],
            devices.map((d) => [
              d.id,
              users.get(d.userId) ?? d.userId,
              d.deviceId,
              d.deviceType,
              d.model ?? '',
              d.userAgent ?? '',
              fmtDate(d.quarantinedAt),
              d.releaseCondition ? JSON.stringify(d.releaseCondition) : '',
              d.accessExplanation ?? '',
            ]),
          ),
        );
      }),
    );
  for (const verb of ['allow', 'block'] as const) {
    const level: AccessLevel = verb === 'allow' ? 'Allow' : 'Block';
    const action = async (ref: string, o: { user?: string; rule?: string; json?: boolean }) =>
      withServices(db(), async ({ store, access, actor }) => {
        const d = await findDevice(store, ref, o.user);
        const changes = o.rule
          ? (
              await guard(
                access.ruleFromDevice(
                  d.id,
                  oneOf('--rule', o.rule, CHARACTERISTICS) as Characteristic,
                  level,
                  actor,
                ),
              )
            ).changes
          : await guard(verb === 'allow' ? access.allowDevice(d.id, actor) : access.blockDevice(d.id, actor));
        if (!o.json)
          print(
            `${verb === 'allow' ? 'Allowed' : 'Blocked'} ${d.deviceId}${o.rule ? ` and every device with the same ${o.rule}` : ''}`,
          );
        printChanges(changes, false, Boolean(o.json));
      });
    quarantine
      .command(`${verb} <device>`)
      .description(`${verb} a quarantined device (personal list), or with --rule every device like it`)
      .option('--user <username>', 'disambiguate a DeviceId used by several users')
      .option(
        '--rule <characteristic>',
        `create a ${level} rule from this device's ${CHARACTERISTICS.join('|')}`,
      )
      .option('--json', 'JSON output')
      .action(action);
    program.commands
      .find((c) => c.name() === 'device')
      ?.command(`${verb} <device>`)
      .description(
        `${verb} a device for its user (Set-CASMailbox -ActiveSync${verb === 'allow' ? 'Allowed' : 'Blocked'}DeviceIDs)`,
      )
      .option('--user <username>', 'disambiguate a DeviceId used by several users')
      .option('--rule <characteristic>', `create a ${level} rule from this device's characteristic instead`)
      .option('--json', 'JSON output')
      .action(action);
  }
  quarantine
    .command('condition <device> <condition>')
    .description("set a release condition, e.g. 'appVersion>=1.0.4', or 'none'")
    .option('--user <username>', 'disambiguate a DeviceId used by several users')
    .action(async (ref: string, cond: string, o: { user?: string }) =>
      withServices(db(), async ({ store, access, actor }) => {
        const d = await findDevice(store, ref, o.user);
        let c = null;
        if (cond !== 'none') {
          const r = parseReleaseCondition(cond);
          if (!r.ok) throw new CliError(r.error);
          c = r.condition;
        }
        await guard(access.setReleaseCondition(d.id, c, actor));
        print(
          c
            ? `${d.deviceId} is released automatically when ${cond}`
            : `${d.deviceId}: release condition removed`,
        );
      }),
    );

  // --- what-if and audit ---
  program
    .command('what-if')
    .description('the decision for sample device characteristics, with every matching rule')
    .requiredOption('--type <deviceType>', 'DeviceType')
    .option('--model <model>', 'DeviceModel')
    .option('--os <os>', 'DeviceOS')
    .option('--user-agent <ua>', 'User-Agent')
    .option('--user <username>', "count this user's lists and policy too")
    .option('--device-id <id>', 'DeviceId (for personal lists)')
    .option('--json', 'JSON output')
    .action(
      async (o: {
        type: string;
        model?: string;
        os?: string;
        userAgent?: string;
        user?: string;
        deviceId?: string;
        json?: boolean;
      }) =>
        withServices(db(), async ({ access }) => {
          const d = await guard(
            access.whatIf({
              deviceType: o.type,
              model: o.model ?? null,
              os: o.os ?? null,
              userAgent: o.userAgent ?? null,
              ...(o.deviceId ? { deviceId: o.deviceId } : {}),
              ...(o.user ? { userName: o.user } : {}),
            }),
          );
          if (o.json) return printJson(d);
          print(
            list([
              ['DeviceAccessState', d.state],
              ['DeviceAccessStateReason', d.reason],
              ['DeviceAccessControlRule', d.rule?.name ?? null],
              ['Explanation', d.explanation],
            ]),
          );
          print('\nSteps:');
          print(
            table(
              ['Step', 'Decided', 'Detail'],
              d.steps.map((s) => [s.step, s.decided ? 'yes' : '', s.detail]),
            ),
          );
          if (d.matchedRules.length) {
            print('\nMatching rules:');
            print(
              table(
                ['Name', 'AccessLevel'],
                d.matchedRules.map((r) => [r.name, r.accessLevel]),
              ),
            );
          }
        }),
    );

  program
    .command('audit')
    .description('the audit log, newest first (Search-AdminAuditLog)')
    .option('--target <id>', 'only this device/user/rule id')
    .option('--action <action>', "exact action, or a prefix ending in '.', e.g. 'device.'")
    .option('--actor <actor>', "e.g. 'admin:alice', 'system'")
    .option('--since <iso>', 'only entries at or after this time')
    .option('--limit <n>', 'how many', '50')
    .option('--json', 'JSON output')
    .action(
      async (o: {
        target?: string;
        action?: string;
        actor?: string;
        since?: string;
        limit: string;
        json?: boolean;
      }) =>
        withStore(db(), async (store: Store) => {
          const since = o.since ? new Date(o.since) : undefined;
          if (since && Number.isNaN(since.getTime())) throw new CliError(`bad --since ${o.since}`);
          const entries = await store.listAudit({
            ...(o.target ? { targetId: o.target } : {}),
            ...(o.action ? { action: o.action } : {}),
            ...(o.actor ? { actor: o.actor } : {}),
            ...(since ? { since } : {}),
            limit: Math.min(1000, Math.max(1, Number(o.limit) || 50)),
          });
          if (o.json) return printJson(entries);
          print(
            table(
              ['When', 'Actor', 'Action', 'Target', 'Change', 'Why'],
              entries.map((e) => [
                fmtDate(e.at),
                e.actor,
                e.action,
                e.targetId ? `${e.targetType}:${e.targetId}` : (e.targetType ?? ''),
                e.before || e.after ? `${short(e.before)} -> ${short(e.after)}` : '',
                e.reason ?? '',
              ]),
            ),
          );
        }),
    );
}

function short(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'object' && v && 'state' in v) return String((v as { state: unknown }).state);
  const s = JSON.stringify(v);
  return s.length > 40 ? s.slice(0, 37) + '...' : s;
}
