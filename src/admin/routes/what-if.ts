// What-if: the decision a device with these characteristics would get now, with every matching rule
// and every evaluation step. Reads only; nothing is saved or audited.
import type { AdminDeps } from '../deps.js';
import { defineRoute } from '../route.js';
import type { AnyRoute } from '../route.js';
import { DecisionView, WhatIfRequest } from '../schemas.js';
import { findUser } from './users.js';

export function whatIfRoutes(deps: AdminDeps): AnyRoute[] {
  const { store, access } = deps;
  return [
    defineRoute({
      method: 'POST',
      url: '/what-if',
      tag: 'access',
      summary: 'Evaluate sample device characteristics against the current rules and settings',
      description: "With userName, that user's ActiveSyncEnabled, personal lists and policy count too.",
      body: WhatIfRequest,
      response: DecisionView,
      errors: ['EAS_ERR_USER_NOT_FOUND'],
      async handler({ body }) {
        // Resolve the name first so an unknown user is a 404 with the users' code.
        const user = body.userName ? await findUser(store, body.userName) : null;
        return access.whatIf({
          deviceType: body.deviceType,
          ...(body.model !== undefined ? { model: body.model } : {}),
          ...(body.os !== undefined ? { os: body.os } : {}),
          ...(body.userAgent !== undefined ? { userAgent: body.userAgent } : {}),
          ...(body.deviceId !== undefined ? { deviceId: body.deviceId } : {}),
          ...(user ? { userName: user.username } : {}),
        });
      },
    }),
  ];
}
