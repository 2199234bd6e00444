// The cluster overview: used / offered / free for the whole cluster, per agent and per role, and
// each role's dominant share over time against its fair share (by weight) and its quota.
import { html } from './html.js';
import { Link, ResourceBars } from './bars.js';
import { clusterTotals, roleRows, type RoleRow } from './resource-math.js';
import { chartSpan, sharePath, type ShareHistory } from './share-history.js';
import type { MasterState, RoleView } from './types.js';

const W = 240;
const H = 60;

function ShareChart({ row, history, nowMs }: { row: RoleRow; history: ShareHistory; nowMs: number }) {
  const samples = history.series(row.name);
  const { fromMs } = chartSpan(samples, nowMs);
  const lines = [row.fairShare, row.guaranteeShare ?? 0, row.limitShare ?? 0, ...samples.map((s) => s.share)];
  const maxShare = Math.min(1.1, Math.max(0.05, ...lines) * 1.15);
  const y = (share: number): number => H - (Math.min(share, maxShare) / maxShare) * H;
  return html`<svg class="chart" width=${W} height=${H} viewBox="0 0 ${W} ${H}" role="img" aria-label="dominant share of ${row.name} over time">
    <rect x="0" y="0" width=${W} height=${H} class="chart-bg" />
    <line x1="0" x2=${W} y1=${y(row.fairShare)} y2=${y(row.fairShare)} class="fair"><title>fair share by weight: ${(row.fairShare * 100).toFixed(1)}%</title></line>
    ${row.guaranteeShare !== null && html`<line x1="0" x2=${W} y1=${y(row.guaranteeShare)} y2=${y(row.guaranteeShare)} class="guarantee"><title>quota guarantee</title></line>`}
    ${row.limitShare !== null && html`<line x1="0" x2=${W} y1=${y(row.limitShare)} y2=${y(row.limitShare)} class="limit"><title>quota limit</title></line>`}
    <path d=${sharePath(samples, { width: W, height: H, fromMs, toMs: nowMs, maxShare })} class="share" />
    <text x="4" y="12" class="chart-label">${Math.round((nowMs - fromMs) / 1000)} s</text>
  </svg>`;
}

const pct = (n: number | null): string => (n === null ? '—' : `${(n * 100).toFixed(1)}%`);

export function Overview({ state, roles, history }: { state: MasterState; roles: readonly RoleView[]; history: ShareHistory }) {
  const totals = clusterTotals(state.agents);
  const rows = roleRows(state, roles);
  const running = state.tasks.filter((t) => t.state === 'RUNNING').length;
  const nowMs = Date.now();
  return html`<section>
    <h2>Cluster</h2>
    <div class="cards">
      <div class="card"><b>${state.agents.filter((a) => a.connected).length}</b> / ${state.agents.length} agents connected</div>
      <div class="card"><b>${state.frameworks.length}</b> frameworks</div>
      <div class="card"><b data-testid="running-count">${running}</b> running of ${state.tasks.length} tasks</div>
      <div class="card"><b>${state.offers}</b> offers out</div>
    </div>
    <${ResourceBars} total=${totals.total} used=${totals.used} offered=${totals.offered} />
    <p class="legend"><span class="swatch used"></span> used <span class="swatch offered"></span> offered <span class="swatch free"></span> free</p>
    <h2>Agents</h2>
    <div class="grid">
      ${state.agents.map((a) => html`<div class="card agent-card" key=${a.id}>
        <div><${Link} href=${`/agents#${a.id}`}>${a.hostname}</${Link}> <small>${a.id}</small>
          ${a.draining && html`<span class="tag warn">draining</span>`} ${!a.connected && html`<span class="tag bad">disconnected</span>`}</div>
        <${ResourceBars} total=${a.total} used=${a.used} offered=${a.offered} />
      </div>`)}
    </div>
    <h2>Roles</h2>
    <p class="hint">A role's bars are what its tasks hold of the cluster's connected agents; offers are not split by role. The chart is its dominant share since the page opened, up to 4 minutes (blue), against its fair share by weight (grey) and its quota guarantee (green) and limit (red).</p>
    <table class="roles">
      <thead><tr><th>role</th><th>weight</th><th>dominant share</th><th>fair share</th><th>guarantee</th><th>limit</th><th>held</th><th>over time</th></tr></thead>
      <tbody>${rows.map((r) => html`<tr key=${r.name} data-role=${r.name}>
        <td>${r.name}</td><td>${r.weight}</td><td>${pct(r.dominant.share)} ${r.dominant.resource && html`<small>(${r.dominant.resource})</small>`}</td>
        <td>${pct(r.fairShare)}</td><td>${pct(r.guaranteeShare)}</td><td>${pct(r.limitShare)}</td>
        <td class="wide"><${ResourceBars} total=${totals.total} used=${r.used} /></td>
        <td><${ShareChart} row=${r} history=${history} nowMs=${nowMs} /></td>
      </tr>`)}</tbody>
    </table>
  </section>`;
}
