// Batch jobs, kept live by the batch framework's state stream: the jobs with their dependencies
// drawn as a DAG (SVG), each node coloured by its state in the latest workflow run it was in, and
// a job's recent runs.
import { html } from './html.js';
import { ago, Link } from './bars.js';
import { layoutDag } from './dag-layout.js';
import { idSegment, ModeTag, useFrameworkDoc } from './framework-api.js';

interface Job { id: string; dependsOn: string[]; schedule?: { cron: string } | undefined }
interface WorkflowRun { id: string; jobs: string[]; states: Record<string, { state: string; reason?: string }>; createdMs: number }
interface Run { runId: string; state: string; reason: string; createdMs: number; outcome?: { finishedMs: number; succeeded: number } | undefined }

const BASE = '/ui/proxy/batch/api/v1/jobs';
const NODE_W = 150;
const NODE_H = 32;
const GAP_X = 60;
const GAP_Y = 18;

/** Each job's state in the latest workflow run it was in (workflow runs come oldest first). */
function latestStates(workflows: readonly WorkflowRun[]): Map<string, { state: string; run: string; reason?: string | undefined }> {
  const out = new Map<string, { state: string; run: string; reason?: string | undefined }>();
  for (const w of workflows) for (const [job, s] of Object.entries(w.states)) out.set(job, { state: s.state, run: w.id, reason: s.reason });
  return out;
}

function Dag({ jobs, workflows }: { jobs: readonly Job[]; workflows: readonly WorkflowRun[] }) {
  const states = latestStates(workflows);
  const layout = layoutDag(jobs);
  const pos = new Map(layout.nodes.map((n) => [n.id, { x: n.column * (NODE_W + GAP_X) + 4, y: n.row * (NODE_H + GAP_Y) + 4 }]));
  const width = layout.columns * (NODE_W + GAP_X);
  const height = layout.rows * (NODE_H + GAP_Y) + 8;
  return html`<svg class="dag" width=${width} height=${height} viewBox="0 0 ${width} ${height}" role="img" aria-label="job dependencies">
    ${layout.edges.map((e) => {
      const a = pos.get(e.from)!;
      const b = pos.get(e.to)!;
      const x1 = a.x + NODE_W;
      const y1 = a.y + NODE_H / 2;
      const y2 = b.y + NODE_H / 2;
      return html`<path key=${`${e.from}>${e.to}`} class="edge" d="M${x1},${y1} C${x1 + GAP_X / 2},${y1} ${b.x - GAP_X / 2},${y2} ${b.x},${y2}" />`;
    })}
    ${layout.nodes.map((n) => {
      const p = pos.get(n.id)!;
      const s = states.get(n.id);
      return html`<g key=${n.id} class="node ${s?.state ?? ''}" data-job=${n.id} data-state=${s?.state ?? ''}><title>${s ? `${s.state} in ${s.run}${s.reason ? `: ${s.reason}` : ''}` : 'in no workflow run yet'}</title><rect x=${p.x} y=${p.y} width=${NODE_W} height=${NODE_H} rx="6" />
        <text x=${p.x + 8} y=${p.y + NODE_H / 2 + 4}>${n.id.length > 20 ? `${n.id.slice(0, 19)}…` : n.id}</text></g>`;
    })}
  </svg>`;
}

export function Jobs({ linked }: { linked: boolean }) {
  const { data, error, mode } = useFrameworkDoc<{ jobs: Job[]; workflows: WorkflowRun[] }>('batch', linked, {
    query: 'include=jobs,workflows',
    fallback: { path: BASE, toDoc: (b) => ({ jobs: (b as { jobs: Job[] }).jobs, workflows: [] }) },
  });
  if (!linked) return html`<section><h2>Jobs</h2><p class="muted">No batch framework is linked: start the master with the frameworkLinks option (docs/ui.md).</p></section>`;
  const jobs = data?.jobs ?? [];
  return html`<section>
    <h2>Jobs <${ModeTag} mode=${mode} name="batch" /></h2>
    ${error && html`<p class="error">${error}</p>`}
    ${jobs.some((j) => j.dependsOn.length > 0) && html`<h3>Dependencies</h3><${Dag} jobs=${jobs} workflows=${data?.workflows ?? []} />`}
    <table>
      <thead><tr><th>job</th><th>schedule</th><th>depends on</th></tr></thead>
      <tbody>${jobs.map((j) => html`<tr key=${j.id}><td><${Link} href=${`/jobs/${idSegment(j.id)}`}>${j.id}</${Link}></td><td>${j.schedule?.cron ?? ''}</td><td>${j.dependsOn.join(', ')}</td></tr>`)}</tbody>
    </table>
  </section>`;
}

export function JobPage({ id }: { id: string }) {
  const { data, error, mode } = useFrameworkDoc<{ runs: Run[] }>('batch', true, { query: `job=${encodeURIComponent(id)}&include=runs`, fallback: { path: `${BASE}/${idSegment(id)}/runs`, toDoc: (b) => b as { runs: Run[] } } });
  return html`<section>
    <h2>Job ${id} <${ModeTag} mode=${mode} name="batch" /></h2>
    ${error && html`<p class="error">${error}</p>`}
    <table>
      <thead><tr><th>run</th><th>state</th><th>created</th><th>finished</th><th>reason</th></tr></thead>
      <tbody>${[...(data?.runs ?? [])].reverse().map((r) => html`<tr key=${r.runId}><td>${r.runId}</td><td>${r.state}</td><td>${ago(r.createdMs)}</td><td>${r.outcome ? ago(r.outcome.finishedMs) : ''}</td><td>${r.reason}</td></tr>`)}</tbody>
    </table>
  </section>`;
}
