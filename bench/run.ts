// `npm run bench`: every benchmark, medians printed as Markdown tables. Loopback only, bounded.
import { benchAccess } from './access.js';
import { benchProvision } from './provision.js';
import { printRows } from './lib.js';

const { benchWbxml } = await import('./wbxml.js');
const wbxml = await benchWbxml();
printRows('WBXML codec', wbxml);
printRows('Provision over loopback', await benchProvision());
printRows('Access decisions (10,000 rules) and re-evaluation (100,000 associations)', await benchAccess());
