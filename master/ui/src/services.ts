// Services, kept live by the services framework's state stream: the list with instances, health
// and deployment progress, and a service's page with its instances and history (read again when
// its version or deployment changes).
import { html } from './html.js';
import { authFetch } from './auth.js';
import { ago, Link } from './bars.js';
import { useEffect, useState } from 'preact/hooks';
import { ModeTag, servicePath, useFrameworkDoc, usePolled } from './framework-api.js';

interface Deployment { fromVersion: number | null; toVersion: number; phase: string; startedAtMs: number; endedAtMs?: number; reason?: string }
interface ServiceSummary { id: string; version: number; instances: number; running: number; healthy: number; status: string; deployment: Deployment | null; role: string }
interface Instance { id: string; version: number; agentId: string; hostname: string; state: string; healthy: boolean | null; ready: boolean | null; ports: Record<string, number>; startedAtMs: number }
interface ServiceDetail { id: string; version: number; status: string; spec?: { instances?: number }; deployment: Deployment | null; reasons: string[]; instances: Instance[] }
interface ServiceHistory { versions: { version: number; appliedAtMs: number }[]; deployments: Deployment[] }

const BASE = '/ui/proxy/services/api/v1/services';

/** `v1 → v2`, or `new → v1` for a service's first deployment. */
const move = (d: Deployment): string => `${d.fromVersion === null ? 'new' : `v${d.fromVersion}`} → v${d.toVersion}`;

function Progress({ done, of }: { done: number; of: number }) {
  const f = of > 0 ? Math.min(1, done / of) : 0;
  return html`<span class="bar small" title="${done} of ${of}"><span class="seg used" style=${{ width: `${(f * 100).toFixed(0)}%` }}></span></span> ${done}/${of}`;
}

/** A service's history, read when the key (its version and deployment) changes: the stream does not carry it. */
function useHistory(id: string, key: string, enabled: boolean): ServiceHistory | undefined {
  const [history, setHistory] = useState<ServiceHistory | undefined>(undefined);
  useEffect(() => {
    if (!enabled) return undefined;
    const stop = new AbortController();
    void authFetch(`${BASE}/${servicePath(id)}/history`, { signal: stop.signal })
      .then((r) => (r.ok ? (r.json() as Promise<ServiceHistory>) : undefined))
      .then((h) => h && setHistory(h), () => undefined);
    return () => stop.abort();
  }, [id, key, enabled]);
  return history;
}

export function Services({ linked }: { linked: boolean }) {
  const { data, error, mode } = useFrameworkDoc<{ services: ServiceSummary[] }>('services', linked, { query: 'include=services', fallback: { path: BASE, toDoc: (b) => b as { services: ServiceSummary[] } } });
  if (!linked) return html`<section><h2>Services</h2><p class="muted">No services framework is linked: start the master with the frameworkLinks option (docs/ui.md).</p></section>`;
  return html`<section>
    <h2>Services <${ModeTag} mode=${mode} name="services" /></h2>
    ${error && html`<p class="error">${error}</p>`}
    <table>
      <thead><tr><th>service</th><th>status</th><th>running</th><th>healthy</th><th>deployment</th><th>role</th></tr></thead>
      <tbody>${(data?.services ?? []).map((s) => html`<tr key=${s.id} data-service=${s.id}>
        <td><${Link} href=${`/services/${servicePath(s.id)}`}>${s.id}</${Link}> <small>v${s.version}</small></td>
        <td>${s.status}</td>
        <td><${Progress} done=${s.running} of=${s.instances} /></td>
        <td><${Progress} done=${s.healthy} of=${s.instances} /></td>
        <td>${s.deployment ? `${s.deployment.phase}: ${move(s.deployment)}` : html`<span class="muted">none</span>`}</td>
        <td>${s.role}</td>
      </tr>`)}</tbody>
    </table>
  </section>`;
}

export function ServicePage({ id }: { id: string }) {
  const service = `/${id.replace(/^\/+/, '')}`;
  const doc = useFrameworkDoc<{ details: ServiceDetail[] }>('services', true, {
    query: `service=${encodeURIComponent(service)}&include=details`,
    fallback: { path: `${BASE}/${servicePath(id)}`, toDoc: (b) => ({ details: [b as ServiceDetail] }) },
  });
  const { error, mode } = doc;
  const data = doc.data?.details[0];
  const d = data?.deployment;
  const streamed = useHistory(id, `${data?.version ?? ''}|${d ? `${d.toVersion}:${d.phase}:${d.endedAtMs ?? ''}` : ''}`, mode !== 'polling');
  const polled = usePolled<ServiceHistory>(mode === 'polling' ? `${BASE}/${servicePath(id)}/history` : undefined);
  const history = mode === 'polling' ? polled.data : streamed;
  return html`<section>
    <h2>Service ${data?.id ?? service} <${ModeTag} mode=${mode} name="services" /></h2>
    ${error && html`<p class="error">${error}</p>`}
    ${data && html`<p>version ${data.version}, ${data.status}</p>
      ${data.deployment && html`<p data-testid="deployment">deployment to v${data.deployment.toVersion} (${data.deployment.phase}):
        <${Progress} done=${data.instances.filter((i) => i.version === data.deployment?.toVersion && i.state.toLowerCase() === 'running').length} of=${data.spec?.instances ?? data.instances.length} /> instances of the new version running</p>`}
      ${data.reasons.length > 0 && html`<ul>${data.reasons.map((r) => html`<li key=${r}>${r}</li>`)}</ul>`}
      <h3>Instances</h3>
      <table>
        <thead><tr><th>instance</th><th>version</th><th>state</th><th>health</th><th>agent</th><th>ports</th><th>started</th></tr></thead>
        <tbody>${data.instances.map((i) => html`<tr key=${i.id} data-instance=${i.id}>
          <td><${Link} href=${`/tasks/${encodeURIComponent(i.id)}`}>${i.id}</${Link}></td><td>v${i.version}</td><td>${i.state}</td>
          <td>${i.healthy === null ? html`<span class="tag" title="this version has no health checks">no checks</span>` : i.healthy ? html`<span class="tag ok">healthy</span>` : html`<span class="tag warn">${i.ready ? 'ready' : 'not healthy'}</span>`}</td>
          <td>${i.hostname || i.agentId}</td><td>${Object.entries(i.ports).map(([k, v]) => `${k}:${v}`).join(' ')}</td><td>${ago(i.startedAtMs)}</td>
        </tr>`)}</tbody>
      </table>`}
    <h3>History</h3>
    <table>
      <thead><tr><th>deployment</th><th>phase</th><th>started</th><th>ended</th><th>reason</th></tr></thead>
      <tbody>${[...(history?.deployments ?? [])].reverse().map((d) => html`<tr key=${`${d.toVersion}-${d.startedAtMs}`}>
        <td>${move(d)}</td><td>${d.phase}</td><td>${ago(d.startedAtMs)}</td><td>${d.endedAtMs ? ago(d.endedAtMs) : ''}</td><td>${d.reason ?? ''}</td>
      </tr>`)}</tbody>
    </table>
  </section>`;
}
