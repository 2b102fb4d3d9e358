// The audit log: decision changes, admin actions, wipes, logins; newest first, keyset-paged.
import type { AuditFilter } from '../../store/types.js';
import type { AdminDeps } from '../deps.js';
import { defineRoute } from '../route.js';
import type { AnyRoute } from '../route.js';
import { AuditPage, AuditQuery } from '../schemas.js';
import { auditView } from '../views.js';

const DEFAULT_LIMIT = 100;

export function auditRoutes(deps: AdminDeps): AnyRoute[] {
  const { store } = deps;
  return [
    defineRoute({
      method: 'GET',
      url: '/audit',
      tag: 'audit',
      summary: 'List audit entries, newest first; pass `next` as `before` for the next page',
      query: AuditQuery,
      response: AuditPage,
      async handler({ query }) {
        const limit = query.limit ?? DEFAULT_LIMIT;
        const filter: AuditFilter = { limit };
        if (query.targetType) filter.targetType = query.targetType;
        if (query.targetId) filter.targetId = query.targetId;
        if (query.action) filter.action = query.action;
        if (query.actor) filter.actor = query.actor;
        if (query.since) filter.since = new Date(query.since);
        if (query.until) filter.until = new Date(query.until);
        if (query.before) filter.beforeId = query.before;
        const entries = await store.listAudit(filter);
        // A full page may have a successor; the next request tells (an empty page ends it).
        const last = entries.length === limit ? entries[entries.length - 1] : undefined;
        return { entries: entries.map(auditView), next: last?.id ?? null };
      },
    }),
  ];
}
