// Frameworks: connection, roles, suppression, tasks, offers held and what they hold by role.
import { html } from './html.js';
import { ago, Link } from './bars.js';
import { formatAmount } from './resource-math.js';
import type { FrameworkView } from './types.js';

export function Frameworks({ frameworks }: { frameworks: readonly FrameworkView[] }) {
  return html`<section>
    <h2>Frameworks</h2>
    <table>
      <thead><tr><th>framework</th><th>connected</th><th>roles</th><th>suppressed</th><th>tasks</th><th>offers</th><th>holds</th><th>registered</th></tr></thead>
      <tbody>${frameworks.map((f) => html`<tr key=${f.id} data-framework=${f.id}>
        <td><b>${f.name}</b><br /><small>${f.id}</small></td>
        <td>${f.connected ? html`<span class="tag ok">yes</span>` : html`<span class="tag bad">no</span>`}</td>
        <td>${f.roles.join(', ')}</td>
        <td>${f.suppressedRoles.join(', ') || html`<span class="muted">none</span>`}</td>
        <td><${Link} href=${`/tasks?q=${encodeURIComponent(f.id)}`}>${f.tasks}</${Link}></td>
        <td>${f.offers}</td>
        <td>${Object.entries(f.allocated).map(([role, r]) => html`<div key=${role}>${role}: ${formatAmount('cpus', r.cpus)} CPU, ${formatAmount('memMb', r.memMb)}</div>`)}</td>
        <td>${ago(f.registeredAtMs)}</td>
      </tr>`)}</tbody>
    </table>
  </section>`;
}
