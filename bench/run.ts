// `npm run bench`: every benchmark, medians printed as Markdown tables. Loopback only, bounded.
import { benchAccess } from './access.js';
import { benchLargeMail } from './large-mail.js';
import { printRows } from './lib.js';
import { benchPing } from './ping.js';
import { benchProvision } from './provision.js';
import { benchSync } from './sync.js';

const { benchWbxml } = await import('./wbxml.js');
const wbxml = await benchWbxml();
printRows('WBXML codec', wbxml);
printRows('Provision over loopback', await benchProvision());
printRows('Access decisions (10,000 rules) and re-evaluation (100,000 associations)', await benchAccess());
printRows('Sync over loopback (embedded mail backend)', await benchSync());
printRows('Held Pings: server memory', await benchPing());
printRows('Large mail: server memory (embedded backend, SQLite file store)', await benchLargeMail());
