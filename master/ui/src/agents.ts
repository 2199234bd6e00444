// Agents: connection, drain state with a drain / undrain button, memory pressure, resources.
import { useState } from 'preact/hooks';
import { html } from './html.js';
import { authFetch } from './auth.js';
import { ResourceBars } from './bars.js';
import type { AgentView } from './types.js';

/** POSTs to the master and returns the error text, or '' when it worked. */
export async function postJson(path: string, body: unknown): Promise<string> {
  try {
    const res = await authFetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (res.ok) return '';
    const err = (await res.json().catch(() => ({}))) as { message?: string };
    return err.message ?? `HTTP ${res.status}`;
  } catch (err) {
    return (err as Error).message;
  }
}

function DrainButton({ agent }: { agent: AgentView }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const act = async (): Promise<void> => {
    setBusy(true);
    const id = encodeURIComponent(agent.id);
    setError(agent.draining ? await postJson(`/api/v1/agents/${id}/undrain`, {}) : await postJson(`/api/v1/agents/${id}/drain`, { deadline: '1h' }));
    setBusy(false);
  };
  return html`<button disabled=${busy} onClick=${act} data-testid="drain-button">${agent.draining ? 'undrain' : 'drain (1h)'}</button>
    ${error && html`<div class="error">${error}</div>`}`;
}

function Pressure({ agent }: { agent: AgentView }) {
  const u = agent.usage;
  if (!u) return html`<span class="muted">no usage yet</span>`;
  const mem = `${Math.round(u.memBytes / 1024 / 1024)} MB`;
  return html`<span>${u.cpuPercent.toFixed(0)}% CPU, ${mem}</span>
    ${u.underPressure && html` <span class="tag bad" title=${u.pressureReason}>under pressure</span>`}`;
}

export function Agents({ agents }: { agents: readonly AgentView[] }) {
  return html`<section>
    <h2>Agents</h2>
    <table>
      <thead><tr><th>agent</th><th>connected</th><th>state</th><th>drain</th><th>pressure</th><th>tasks</th><th>resources</th><th></th></tr></thead>
      <tbody>${agents.map((a) => html`<tr key=${a.id} id=${a.id} data-agent=${a.id}>
        <td><b>${a.hostname}</b><br /><small>${a.id}</small><br /><small>${a.runtime}</small></td>
        <td>${a.connected ? html`<span class="tag ok">yes</span>` : html`<span class="tag bad">no</span>`}</td>
        <td>${a.state}</td>
        <td data-testid="drain-state">${a.draining ? html`<span class="tag warn">draining</span>${a.drainingUntilMs ? html`<br /><small>until ${new Date(a.drainingUntilMs).toLocaleTimeString()}</small>` : ''}` : html`<span class="muted">not draining</span>`}</td>
        <td><${Pressure} agent=${a} /></td>
        <td>${a.tasks}</td>
        <td class="wide"><${ResourceBars} total=${a.total} used=${a.used} offered=${a.offered} /></td>
        <td><${DrainButton} agent=${a} /></td>
      </tr>`)}</tbody>
    </table>
  </section>`;
}
