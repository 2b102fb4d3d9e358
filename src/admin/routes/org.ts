// Organization settings (Set-ActiveSyncOrganizationSettings plus quarantine release and autoblock).
// Changing the default access level affects every device no rule or list covers: preview with dryRun.
import type { AutoblockSettings, OrgSettings } from '../../access/types.js';
import type { AdminDeps } from '../deps.js';
import { defineRoute } from '../route.js';
import type { AnyRoute } from '../route.js';
import { DryRunQuery, OrgPatch, OrgUpdated, OrgView } from '../schemas.js';
import { orgView } from '../views.js';

export function orgRoutes(deps: AdminDeps): AnyRoute[] {
  const { access } = deps;
  return [
    defineRoute({
      method: 'GET',
      url: '/org',
      tag: 'org',
      summary: 'Get the organization settings',
      response: OrgView,
      async handler() {
        return orgView(await access.orgSettings());
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/org',
      tag: 'org',
      summary: 'Change organization settings (dryRun=true previews the decision changes)',
      query: DryRunQuery,
      body: OrgPatch,
      response: OrgUpdated,
      errors: ['EAS_ERR_ACCESS_INVALID'],
      async handler({ query, body, actor }) {
        const current = await access.orgSettings();
        const patch: Partial<OrgSettings> = {};
        if (body.defaultAccessLevel !== undefined) patch.defaultAccessLevel = body.defaultAccessLevel;
        if (body.adminMailRecipients !== undefined) patch.adminMailRecipients = body.adminMailRecipients;
        if (body.userMailInsert !== undefined) patch.userMailInsert = body.userMailInsert;
        if (body.defaultReleaseCondition !== undefined)
          patch.defaultReleaseCondition = body.defaultReleaseCondition;
        if (body.autoblock) {
          // Each threshold is patched field by field; the others stay as they are.
          const a = body.autoblock;
          const merged: AutoblockSettings = {
            commandFrequency: { ...current.autoblock.commandFrequency, ...defined(a.commandFrequency) },
            userAgentChanges: { ...current.autoblock.userAgentChanges, ...defined(a.userAgentChanges) },
            syncCommands: { ...current.autoblock.syncCommands, ...defined(a.syncCommands) },
          };
          patch.autoblock = merged;
        }
        const { settings, changes } = await access.setOrgSettings(patch, actor, { dryRun: query.dryRun });
        return { settings: orgView(settings), changes, dryRun: query.dryRun };
      },
    }),
  ];
}

/** The object without its undefined fields (zod leaves absent optional fields out, but be sure). */
function defined<T extends object>(o: T | undefined): Partial<T> {
  if (!o) return {};
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
