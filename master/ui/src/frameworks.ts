// Frameworks: connection, roles, suppression, tasks, offers held and what they hold by role, and
// a link to the UI's view of a linked framework (the services and batch frameworks, by name).
import { html } from './html.js';
import { ago, Link } from './bars.js';
import { formatAmount } from './resource-math.js';
import type { FrameworkView } from './types.js';

/** The UI's own view of a framework the master links to (docs/ui.md, "Framework links"), matched by its name. */
const VIEWS: Record<string, { link: 'services' | 'batch'; href: string; label: string }> = {
  services: { link: 'services', href: '/services', label: 'services' },
  batch: { link: 'batch', href: '/jobs', label: 'jobs' },
};

export function Frameworks({ frameworks, links }: { frameworks: readonly FrameworkView[]; links: { services?: string; batch?: string } }) {
  const viewOf = (f: FrameworkView) => {
    const v = VIEWS[f.name];
    return v && links[v.link] ? html`<${Link} href=${v.href}>${v.label}</${Link}>` : html`<span class="muted">—</span>`;
  };
  return html`<section>
    <h2>Frameworks</h2>
    <table>
      <thead><tr><th>framework</th><th>connected</th><th>roles</th><th>suppressed</th><th>tasks</th><th>offers</th><th>holds</th><th>registered</th><th>view</th></tr></thead>
      <tbody>${frameworks.map((f) => html`<tr key=${f.id} data-framework=${f.id}>
        <td><b>${f.name}</b><br /><small>${f.id}</small></td>
        <td>${f.connected ? html`<span class="tag ok">yes</span>` : html`<span class="tag bad">no</span>`}</td>
        <td>${f.roles.join(', ')}</td>
        <td>${f.suppressedRoles.join(', ') || html`<span class="muted">none</span>`}</td>
        <td><${Link} href=${`/tasks?q=${encodeURIComponent(f.id)}`}>${f.tasks}</${Link}></td>
        <td>${f.offers}</td>
        <td>${Object.entries(f.allocated).map(([role, r]) => html`<div key=${role}>${role}: ${formatAmount('cpus', r.cpus)} CPU, ${formatAmount('memMb', r.memMb)}</div>`)}</td>
        <td>${ago(f.registeredAtMs)}</td>
        <td data-testid="framework-view">${viewOf(f)}</td>
      </tr>`)}</tbody>
    </table>
  </section>`;
}
