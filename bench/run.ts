// `npm run bench`: every benchmark, medians printed as Markdown tables. Loopback only, bounded.
import { benchProvision } from './provision.js';
import { printRows } from './lib.js';

const { benchWbxml } = await import('./wbxml.js');
const wbxml = await benchWbxml();
printRows('WBXML codec', wbxml);
printRows('Provision over loopback', await benchProvision());
