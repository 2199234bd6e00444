// The UI's shell: the header with the stream's connection, the navigation, and the view of the
// current route, re-rendered whenever the live state changes.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { html } from './html.js';
import { authFetch } from './auth.js';
import { Link } from './bars.js';
import { Agents } from './agents.js';
import { Frameworks } from './frameworks.js';
import { JobPage, Jobs } from './jobs.js';
import type { LiveState } from './live-state.js';
import { Overview } from './overview.js';
import { dominantShare, clusterTotals, usedByRole } from './resource-math.js';
import { parseRoute, type Route } from './routes.js';
import { ServicePage, Services } from './services.js';
import { ShareHistory } from './share-history.js';
import { TaskPage } from './task-page.js';
import { Tasks } from './tasks.js';
import { TokenForm, useTokenNeeded } from './token-form.js';
import type { MasterState, RoleView } from './types.js';

export interface Links {
  services?: string;
  batch?: string;
}

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.pathname, location.search));
  useEffect(() => {
    const onPop = (): void => setRoute(parseRoute(location.pathname, location.search));
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  return route;
}

/** Roles' weights and quotas (not in the stream): read at start and when the set of roles changes. */
function useRoles(state: MasterState | undefined): RoleView[] {
  const [roles, setRoles] = useState<RoleView[]>([]);
  const names = state ? [...new Set(state.frameworks.flatMap((f) => [...f.roles, ...Object.keys(f.allocated)]))].sort().join(',') : '';
  useEffect(() => {
    if (!state) return;
    void authFetch('/api/v1/roles').then((r) => (r.ok ? (r.json() as Promise<RoleView[]>) : [])).then(setRoles, () => undefined);
  }, [names, state === undefined]);
  return roles;
}

function View({ route, state, roles, history, links, version }: { route: Route; state: MasterState; roles: RoleView[]; history: ShareHistory; links: Links; version: number }) {
  switch (route.view) {
    case 'overview':
      return html`<${Overview} state=${state} roles=${roles} history=${history} />`;
    case 'agents':
      return html`<${Agents} agents=${state.agents} />`;
    case 'frameworks':
      return html`<${Frameworks} frameworks=${state.frameworks} links=${links} />`;
    case 'tasks':
      return html`<${Tasks} tasks=${state.tasks} completed=${state.completedTasks} version=${version} initialText=${route.query} />`;
    case 'task':
      return html`<${TaskPage} taskId=${route.id} task=${state.tasks.find((t) => t.id === route.id) ?? state.completedTasks.find((t) => t.id === route.id)} />`;
    case 'services':
      return html`<${Services} linked=${Boolean(links.services)} />`;
    case 'service':
      return html`<${ServicePage} id=${route.id} />`;
    case 'jobs':
      return html`<${Jobs} linked=${Boolean(links.batch)} />`;
    case 'job':
      return html`<${JobPage} id=${route.id} />`;
    default:
      return html`<section><h2>Not found</h2><p>Nothing at ${route.path}. <${Link} href="/">Back to the overview</${Link}>.</p></section>`;
  }
}

export function App({ live, links }: { live: LiveState; links: Links }) {
  const [version, setVersion] = useState(0);
  const history = useMemo(() => new ShareHistory(), []);
  useEffect(() => live.subscribe(() => {
    const state = live.state;
    if (state) {
      const { total } = clusterTotals(state.agents);
      const shares = new Map([...usedByRole(state.frameworks)].map(([role, r]) => [role, dominantShare(r, total).share]));
      for (const f of state.frameworks) for (const role of f.roles) if (!shares.has(role)) shares.set(role, 0);
      history.add(Date.now(), shares);
    }
    setVersion((v) => v + 1);
  }), [live]);
  const route = useRoute();
  const state = live.state;
  const roles = useRoles(state);
  const tokenNeeded = useTokenNeeded();
  const nav: [string, string, Route['view'][]][] = [
    ['/', 'Overview', ['overview']], ['/agents', 'Agents', ['agents']], ['/frameworks', 'Frameworks', ['frameworks']],
    ['/tasks', 'Tasks', ['tasks', 'task']], ['/services', 'Services', ['services', 'service']], ['/jobs', 'Jobs', ['jobs', 'job']],
  ];
  return html`<header>
      <h1>berth</h1>
      <nav>${nav.map(([href, label, views]) => html`<${Link} key=${href} href=${href} class=${views.includes(route.view) ? 'active' : ''}>${label}</${Link}>`)}</nav>
      <span class="conn ${live.connection}" data-testid="connection" title=${live.problem}>${live.connection}${live.position ? ` · v${live.position.version}` : ''}</span>
    </header>
    <main>${tokenNeeded ? html`<${TokenForm} />` : state ? html`<${View} route=${route} state=${state} roles=${roles} history=${history} links=${links} version=${version} />` : html`<p class="muted">Connecting to the master's state stream…</p>`}</main>`;
}
