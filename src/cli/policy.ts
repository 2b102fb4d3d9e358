// syncward policy list|show|set|assign (Exchange: Get-/New-/Set-MobileDeviceMailboxPolicy,
// Set-CASMailbox -ActiveSyncMailboxPolicy). Every change bumps the revision, so devices re-provision.
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import {
  DEFAULT_POLICY_OPTIONS,
  DEFAULT_POLICY_SETTINGS,
  describePolicy,
  parseSettingAssignments,
  splitPolicyPatch,
} from '../policy/index.js';
import type { PolicyPatch } from '../policy/index.js';
import type { Policy } from '../policy/types.js';
import type { Store } from '../store/types.js';
import { CliError, fmtDate, list, print, printJson, table, withServices, withStore } from './context.js';

async function requirePolicy(store: Store, name: string): Promise<Policy> {
  const p = await store.getPolicyByName(name);
  if (!p) throw new CliError(`no policy named ${name} (see: syncward policy list)`);
  return p;
}

/** A changed policy gets a new revision, so every device on it re-provisions (status 144). */
export function applyPatch(policy: Policy, patch: PolicyPatch, now: Date): Policy {
  const { settings, options } = splitPolicyPatch(patch);
  return {
    ...policy,
    settings: { ...policy.settings, ...settings },
    options: { ...policy.options, ...options },
    revision: policy.revision + 1,
    updatedAt: now,
  };
}

export function registerPolicyCommands(program: Command): void {
  const policy = program.command('policy').description('mobile device mailbox policies');

  policy
    .command('list')
    .description('list policies (Get-MobileDeviceMailboxPolicy)')
    .option('--json', 'JSON output')
    .action(async (o: { json?: boolean }) => {
      await withStore(program.opts().database, async (store) => {
        const policies = await store.listPolicies();
        if (o.json) return printJson(policies);
        const users = await store.listUsers();
        print(
          table(
            [
              'Name',
              'IsDefault',
              'Revision',
              'PasswordEnabled',
              'RequireDeviceEncryption',
              'Users',
              'WhenChanged',
            ],
            policies.map((p) => [
              p.name,
              String(p.isDefault),
              String(p.revision),
              String(p.settings.DevicePasswordEnabled),
              String(p.settings.RequireDeviceEncryption),
              String(users.filter((u) => u.policyId === p.id).length),
              fmtDate(p.updatedAt),
            ]),
          ),
        );
        const domains = await store.listDomainPolicies();
        if (domains.length) {
          const names = new Map(policies.map((p) => [p.id, p.name]));
          print(
            '\n' +
              table(
                ['Domain', 'Policy'],
                domains.map((d) => [d.domain, names.get(d.policyId) ?? d.policyId]),
              ),
          );
        }
      });
    });

  policy
    .command('show <name>')
    .description('every setting of a policy')
    .option('--json', 'JSON output')
    .action(async (name: string, o: { json?: boolean }) => {
      await withStore(program.opts().database, async (store) => {
        const p = await requirePolicy(store, name);
        if (o.json) return printJson(p);
        print(
          list([
            ['Name', p.name],
            ['IsDefault', p.isDefault],
            ['Revision', p.revision],
            ['WhenChanged', fmtDate(p.updatedAt)],
            ...describePolicy(p.settings, p.options).map((r) => [r.name, r.value] as [string, string]),
          ]),
        );
      });
    });

  policy
    .command('set <name> <settings...>')
    .description(
      'change settings, e.g. DevicePasswordEnabled=true MinDevicePasswordLength=6 MaxInactivityTimeDeviceLock=',
    )
    .option('--create', 'create the policy if it does not exist (starting from Exchange defaults)')
    .option('--default', 'make it the default policy')
    .action(async (name: string, pairs: string[], o: { create?: boolean; default?: boolean }) => {
      let patch: PolicyPatch;
      try {
        patch = parseSettingAssignments(pairs);
      } catch (err) {
        throw new CliError((err as Error).message);
      }
      await withServices(program.opts().database, async ({ store, access, audit, actor }) => {
        const now = new Date();
        let p = await store.getPolicyByName(name);
        if (!p) {
          if (!o.create) throw new CliError(`no policy named ${name}; add --create to create it`);
          p = {
            id: randomUUID(),
            name,
            isDefault: false,
            settings: { ...DEFAULT_POLICY_SETTINGS },
            options: { ...DEFAULT_POLICY_OPTIONS },
            revision: 0,
            createdAt: now,
            updatedAt: now,
          };
        }
        const next = applyPatch(p, patch, now);
        if (o.default) next.isDefault = true;
        await store.putPolicy(next);
        await audit.record({
          actor,
          action: 'policy.updated',
          targetType: 'policy',
          targetId: next.id,
          before: p,
          after: next,
        });
        print(`policy ${name} saved (revision ${next.revision}); devices re-provision on their next request`);
        // AllowNonProvisionableDevices and friends are part of access decisions.
        const changes = await access.reevaluate({ actor });
        if (changes.length) print(`${changes.length} device access decision(s) changed`);
      });
    });

  policy
    .command('assign <name>')
    .description('assign a policy to users or e-mail domains (user beats domain beats default)')
    .option('--user <username...>', 'users to assign it to')
    .option('--domain <domain...>', 'e-mail domains to assign it to')
    .option('--default', 'make it the default policy')
    .option('--unassign', 'remove the assignment instead (users and domains fall back)')
    .action(
      async (
        name: string,
        o: { user?: string[]; domain?: string[]; default?: boolean; unassign?: boolean },
      ) => {
        if (!o.user && !o.domain && !o.default) throw new CliError('give --user, --domain or --default');
        await withServices(program.opts().database, async ({ store, access, audit, actor }) => {
          const p = await requirePolicy(store, name);
          const now = new Date();
          for (const username of o.user ?? []) {
            const u = await store.getUserByName(username);
            if (!u) throw new CliError(`no user ${username}`);
            await store.putUser({ ...u, policyId: o.unassign ? null : p.id, updatedAt: now });
            print(`${username}: ${o.unassign ? 'policy assignment removed' : `policy ${p.name}`}`);
          }
          for (const domain of o.domain ?? []) {
            await store.setDomainPolicy(domain.toLowerCase(), o.unassign ? null : p.id);
            print(
              `@${domain.toLowerCase()}: ${o.unassign ? 'policy assignment removed' : `policy ${p.name}`}`,
            );
          }
          if (o.default) {
            await store.putPolicy({ ...p, isDefault: true, updatedAt: now });
            print(`${p.name} is now the default policy`);
          }
          await audit.record({
            actor,
            action: 'policy.assigned',
            targetType: 'policy',
            targetId: p.id,
            after: {
              users: o.user ?? [],
              domains: o.domain ?? [],
              default: Boolean(o.default),
              unassign: Boolean(o.unassign),
            },
          });
          const changes = await access.reevaluate({ actor });
          if (changes.length) print(`${changes.length} device access decision(s) changed`);
        });
      },
    );
}
