// Device access rules (New-/Set-/Get-/Remove-ActiveSyncDeviceAccessRule, plus version ranges). Every
// change can be previewed with dryRun=true: the same decision changes, nothing saved.
import type { RuleInput } from '../../access/rules.js';
import type { AdminDeps } from '../deps.js';
import { apiError } from '../errors.js';
import { defineRoute } from '../route.js';
import type { AnyRoute } from '../route.js';
import { DryRunQuery, IdParams, RuleBody, RuleDeleted, RuleList, RuleSaved } from '../schemas.js';
import { ruleView } from '../views.js';

export function ruleRoutes(deps: AdminDeps): AnyRoute[] {
  const { store, access } = deps;

  async function requireRule(id: string) {
    const rule = await store.getRule(id);
    if (!rule) throw apiError('EAS_ERR_RULE_NOT_FOUND', `no rule ${JSON.stringify(id)}`);
    return rule;
  }

  async function create(body: RuleInput, actor: string, dryRun: boolean) {
    const { rule, changes } = await access.saveRule(body, actor, { dryRun });
    return { rule: ruleView(rule), changes, dryRun };
  }

  return [
    defineRoute({
      method: 'GET',
      url: '/rules',
      tag: 'rules',
      summary: 'List device access rules',
      response: RuleList,
      async handler() {
        return { rules: (await access.listRules()).map(ruleView) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/rules',
      tag: 'rules',
      summary: 'Create a device access rule',
      description:
        'Returns the rule and every association whose decision changes (201). With dryRun=true nothing is saved (200).',
      query: DryRunQuery,
      body: RuleBody,
      status: 201,
      altStatus: 200,
      response: RuleSaved,
      errors: ['EAS_ERR_ACCESS_INVALID'],
      async handler({ query, body, actor, reply }) {
        if (query.dryRun) reply.code(200);
        return create(body, actor, query.dryRun);
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/rules/preview',
      tag: 'rules',
      summary: 'Preview a new rule: the decision changes it would cause (nothing is saved)',
      description: 'The same as POST /rules?dryRun=true.',
      body: RuleBody,
      response: RuleSaved,
      errors: ['EAS_ERR_ACCESS_INVALID'],
      async handler({ body, actor }) {
        return create(body, actor, true);
      },
    }),
    defineRoute({
      method: 'PUT',
      url: '/rules/:id',
      tag: 'rules',
      summary: 'Replace a device access rule',
      params: IdParams,
      query: DryRunQuery,
      body: RuleBody,
      response: RuleSaved,
      errors: ['EAS_ERR_RULE_NOT_FOUND', 'EAS_ERR_ACCESS_INVALID'],
      async handler({ params, query, body, actor }) {
        await requireRule(params.id);
        const { rule, changes } = await access.saveRule({ ...body, id: params.id }, actor, {
          dryRun: query.dryRun,
        });
        return { rule: ruleView(rule), changes, dryRun: query.dryRun };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/rules/:id',
      tag: 'rules',
      summary: 'Delete a device access rule',
      params: IdParams,
      query: DryRunQuery,
      response: RuleDeleted,
      errors: ['EAS_ERR_RULE_NOT_FOUND'],
      async handler({ params, query, actor }) {
        await requireRule(params.id);
        const changes = await access.deleteRule(params.id, actor, { dryRun: query.dryRun });
        return { changes, dryRun: query.dryRun };
      },
    }),
  ];
}
