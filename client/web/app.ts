/**
 * The GasFlux web page served at `/`: upload a flight, follow the tasks live, browse the reports, check the service
 * and manage WIS2 subscriptions. Plain DOM on top of the SDK (client/sdk.ts); bundled by src/http/web-ui.ts.
 */
import { createGasFluxClient } from '../sdk.js';
import { acceptLanguage, byId } from './dom.js';
import { initReports } from './reports.js';
import { initSystem } from './status.js';
import { initTasks } from './tasks.js';
import { initUpload } from './upload.js';
import { initViewer } from './viewer.js';
import { initWis2 } from './wis2.js';

const SECTIONS = ['upload', 'tasks', 'reports', 'system', 'wis2'] as const;
type Section = (typeof SECTIONS)[number];

function start() {
  // Error messages of the service come in the browser's language; the page itself is in English.
  const client = createGasFluxClient({ url: window.location.origin, headers: { 'accept-language': acceptLanguage() } });

  const viewer = initViewer();
  const tasks = initTasks(client, viewer);
  const reports = initReports(client, viewer);
  const system = initSystem(client);
  const wis2 = initWis2(client);
  const upload = initUpload(client, (task) => {
    tasks.add(task);
    show('tasks');
  });

  client.config().then(
    (config) => upload.setMaxBytes(config.configuration.maxContentLength),
    () => upload.setMaxBytes(null), // the service still enforces its limit
  );

  const tab = (section: Section) => byId<HTMLButtonElement>(`tab-${section}`);
  const panel = (section: Section) => byId(`panel-${section}`);

  function show(section: Section, focus = false) {
    for (const other of SECTIONS) {
      const selected = other === section;
      tab(other).setAttribute('aria-selected', String(selected));
      tab(other).tabIndex = selected ? 0 : -1;
      panel(other).hidden = !selected;
    }
    if (focus) tab(section).focus();
    if (window.location.hash !== `#${section}`) history.replaceState(null, '', `#${section}`);
    if (section === 'system') system.start();
    else system.stop();
    if (section === 'reports') void reports.reload();
    if (section === 'wis2') void wis2.reload();
  }

  SECTIONS.forEach((section, index) => {
    tab(section).addEventListener('click', () => show(section));
    // Arrow keys, Home and End move between the tabs (the WAI-ARIA tabs pattern).
    tab(section).addEventListener('keydown', (event) => {
      const moves: Record<string, number> = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: SECTIONS.length - 1 };
      if (!(event.key in moves)) return;
      event.preventDefault();
      show(SECTIONS[(moves[event.key] + SECTIONS.length) % SECTIONS.length], true);
    });
  });
  window.addEventListener('hashchange', () => {
    const wanted = window.location.hash.slice(1) as Section;
    if (SECTIONS.includes(wanted)) show(wanted);
  });

  const initial = window.location.hash.slice(1) as Section;
  show(SECTIONS.includes(initial) ? initial : 'upload');
  document.documentElement.dataset.ready = 'true';
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
