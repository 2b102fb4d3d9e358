// The services object's `push` (EasServices.push, set by the composition root src/http/server.ts)
// for code that holds the services under a wider type: PushServices names the field, pushHubOf()
// reads it and fails loudly when a hand-built services object lacks it. Commands use ctx.svc.push.
import { PushHub } from './hub.js';

/** The services object as the composition root builds it. */
export interface PushServices {
  push: PushHub;
}

export function pushHubOf(services: object): PushHub {
  const hub = (services as Partial<PushServices>).push;
  if (!(hub instanceof PushHub)) {
    throw new Error('services: no PushHub wired (src/http/server.ts puts it on the services as `push`)');
  }
  return hub;
}
