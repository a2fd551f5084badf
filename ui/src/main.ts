/** The dashboard's entry point (bundled by esbuild into dist/dashboard/app.js). */
import { html, render } from 'htm/preact';
import { Store } from './store.js';
import { App } from './views/app.js';

const store = new Store();
// For the browser tests and the benchmark: when the first listing arrived.
(window as unknown as { fleetStore: Store }).fleetStore = store;
render(html`<${App} store=${store} />`, document.getElementById('app')!);
