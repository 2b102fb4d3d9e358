// How commands reach the server's one PushHub: the composition root (src/http/server.ts) puts it
// on the services object as `push`, and pushHubOf() finds it, failing loudly when it was not wired
// (as syncStates() does for the store). Once EasServices declares `push`, this is a plain read.
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
