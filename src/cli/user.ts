// syncward user add|list|passwd|enable|disable (Exchange: New-Mailbox / Set-CASMailbox).
import type { Command } from 'commander';
import { hashPassword } from '../auth/password.js';
import { newUserRecord } from '../auth/user-record.js';
import { generatePassword } from '../http/bootstrap.js';
import { CliError, fmtDate, print, printJson, table, withServices, withStore } from './context.js';
import { readSecret } from './secret.js';

export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('mail users (EAS accounts)');

  user
    .command('add <username>')
    .description('create a user; prints a generated password unless --password-stdin is given')
    .option('--email <address>', 'primary SMTP address (default: <username>@example.com)')
    .option('--display-name <name>', 'display name')
    .option('--password-stdin', 'read the password from standard input')
    .option('--disabled', 'create with ActiveSync disabled')
    .action(
      async (
        username: string,
        o: { email?: string; displayName?: string; passwordStdin?: boolean; disabled?: boolean },
      ) => {
        const password = o.passwordStdin ? await readSecret() : generatePassword();
        await withServices(program.opts().database, async ({ store, audit, actor }) => {
          if (await store.getUserByName(username)) throw new CliError(`user ${username} already exists`);
          const created = newUserRecord({
            username,
            email: o.email ?? `${username}@example.com`,
            displayName: o.displayName,
            passwordHash: await hashPassword(password),
            now: new Date(),
            easEnabled: !o.disabled,
          });
          await store.putUser(created);
          await audit.record({
            actor,
            action: 'user.created',
            targetType: 'user',
            targetId: created.id,
            after: { username },
          });
        });
        print(`created user ${username}`);
        if (!o.passwordStdin) print(`password: ${password}`);
      },
    );

  user
    .command('list')
    .description('list users (Get-CASMailbox)')
    .option('--json', 'JSON output')
    .action(async (o: { json?: boolean }) => {
      await withStore(program.opts().database, async (store) => {
        const users = await store.listUsers();
        const policies = new Map((await store.listPolicies()).map((p) => [p.id, p.name]));
        if (o.json) {
          return printJson(users.map(({ passwordHash: _h, ...u }) => u));
        }
        print(
          table(
            ['Name', 'PrimarySmtpAddress', 'ActiveSyncEnabled', 'ActiveSyncMailboxPolicy', 'WhenCreated'],
            users.map((u) => [
              u.username,
              u.email,
              String(u.easEnabled),
              u.policyId ? (policies.get(u.policyId) ?? u.policyId) : '(default)',
              fmtDate(u.createdAt),
            ]),
          ),
        );
      });
    });

  user
    .command('passwd <username>')
    .description('set a new password; prints a generated one unless --password-stdin is given')
    .option('--password-stdin', 'read the password from standard input')
    .action(async (username: string, o: { passwordStdin?: boolean }) => {
      const password = o.passwordStdin ? await readSecret() : generatePassword();
      await withServices(program.opts().database, async ({ store, audit, actor }) => {
        const u = await store.getUserByName(username);
        if (!u) throw new CliError(`no user ${username}`);
        await store.putUser({ ...u, passwordHash: await hashPassword(password), updatedAt: new Date() });
        await audit.record({ actor, action: 'user.password.changed', targetType: 'user', targetId: u.id });
      });
      print(`password changed for ${username}`);
      if (!o.passwordStdin) print(`password: ${password}`);
    });

  for (const [name, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    user
      .command(`${name} <username>`)
      .description(`${name} ActiveSync for a user (Set-CASMailbox -ActiveSyncEnabled)`)
      .action(async (username: string) => {
        await withServices(program.opts().database, async ({ store, access, actor }) => {
          const u = await store.getUserByName(username);
          if (!u) throw new CliError(`no user ${username}`);
          await access.setUserLists(u.id, { easEnabled: enabled }, actor);
        });
        print(`ActiveSync ${enabled ? 'enabled' : 'disabled'} for ${username}`);
      });
  }
}
