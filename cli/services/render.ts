// How `berth services` prints the services API's answers as text: plans, applies, lists, one
// service, its history. Pure: answers in, lines out (the time passed in), so it is tested alone.
import type { Step } from '../../frameworks/services/index.js';
import type { ApiProblem } from '../http.js';
import { clock, count, formatProblem, span, table } from '../output.js';
import type { ApplyAnswer, DeploymentView, HistoryAnswer, PatchOp, PlanAnswer, PlannedService, ServiceDetail, ServiceSummary, ShareView } from './api-types.js';

const value = (v: unknown): string => (v === undefined ? '' : JSON.stringify(v));

/** One JSON Patch operation as `op path value`. */
export function patchLine(p: PatchOp): string {
  if (p.op === 'move' || p.op === 'copy') return `${p.op} ${p.from} ${p.path}`;
  return [p.op, p.path || '/', 'value' in p ? value(p.value) : ''].filter((s) => s !== '').join(' ');
}

export function stepLine(s: Step, nowMs: number): string {
  switch (s.kind) {
    case 'launch':
      return `launch ${count(s.count, 'instance')} of version ${s.version}`;
    case 'kill':
      return `kill ${count(s.instanceIds.length, 'instance')} (${s.instanceIds.join(', ')}): ${s.reason}`;
    case 'wait':
      return 'atMs' in s.until ? `wait ${span(s.until.atMs - nowMs)} (until ${clock(s.until.atMs)}): ${s.why}` : `wait for ${s.until.event}: ${s.why}`;
    case 'rollback':
      return `roll back to version ${s.toVersion}: ${s.why}`;
    case 'done':
      return 'done';
  }
}

const share = (s: ShareView): string => (s.resource ? `${(s.share * 100).toFixed(1)}% of ${s.resource}` : '0%');
const ports = (p: Record<string, number>): string => Object.entries(p).map(([name, port]) => `${name}=${port}`).join(' ');

function problemBlock(title: string, list: readonly ApiProblem[]): string[] {
  return list.length === 0 ? [] : ['', title, ...list.map((p) => `  ${formatProblem(p)}`)];
}

function plannedService(s: PlannedService, nowMs: number): string[] {
  const change = s.change === 'create' ? 'create' : s.change === 'update' ? `update (running version ${s.fromVersion ?? '?'})` : `unchanged (version ${s.fromVersion ?? '?'})`;
  const lines = [`${s.id}: ${change}`];
  if (s.change === 'unchanged') return lines;
  lines.push('  patch:', ...(s.patch.length ? s.patch.map((p) => `    ${patchLine(p)}`) : ['    (no differences)']));
  lines.push('  steps:', ...(s.steps.length ? s.steps.map((st) => `    ${stepLine(st, nowMs)}`) : ['    (none)']));
  if (s.placements.length > 0) lines.push('  new instances go to:', ...s.placements.map((p) => `    ${p.hostname} (${p.agentId})${Object.keys(p.ports).length ? `  ports ${ports(p.ports)}` : ''}`));
  if (s.pending.length > 0) lines.push('  pending:', ...s.pending.map((p) => `    ${count(p.count, 'instance')}: ${p.reason}`));
  const d = s.dominantShare;
  lines.push(`  dominant share of role ${d.role}: ${share(d.before)} -> ${share(d.after)}`);
  return lines;
}

export function planText(plan: PlanAnswer, nowMs: number): string {
  const lines = [`format: ${plan.format}`];
  for (const s of plan.services) lines.push('', ...plannedService(s, nowMs));
  if (plan.deployOrder.length > 1) lines.push('', `deploy order: ${plan.deployOrder.join(', ')}`);
  if (plan.untouched?.length) lines.push('', `not in the file, left as they are: ${plan.untouched.join(', ')}`);
  lines.push(...problemBlock('warnings:', plan.warnings));
  lines.push(...problemBlock(`unsupported Marathon fields (not translated): ${plan.unsupported.length}`, plan.unsupported));
  if (plan.format === 'marathon' && plan.unsupported.length === 0) lines.push('', 'unsupported Marathon fields: none');
  return lines.join('\n');
}

export function applyText(answer: ApplyAnswer): string {
  const lines = answer.services.map((s) => (s.change === 'unchanged' ? `${s.id}: unchanged (version ${s.version})` : `${s.id}: ${s.change === 'create' ? 'created' : 'updated'}, version ${s.version}`));
  if (answer.untouched?.length) lines.push(`not in the file, left as they are: ${answer.untouched.join(', ')}`);
  lines.push(...problemBlock('warnings:', answer.warnings));
  lines.push(...problemBlock('unsupported Marathon fields (not translated):', answer.unsupported));
  return lines.join('\n');
}

/** "v3 -> v4 running", "rollback of v4 -> v3 running". */
export function deploymentLine(d: DeploymentView | null | undefined): string {
  if (!d) return '';
  const from = d.fromVersion === null || d.fromVersion === undefined ? '' : `v${d.fromVersion} -> `;
  return `${d.rollbackOf !== undefined ? `rollback of v${d.rollbackOf}: ` : ''}${from}v${d.toVersion} ${d.phase}${d.reason ? ` (${d.reason})` : ''}`;
}

export function listText(services: readonly ServiceSummary[]): string {
  return table(['ID', 'VERSION', 'STATUS', 'RUNNING', 'HEALTHY', 'ROLE', 'DEPLOYMENT'], services.map((s) => [
    s.id, String(s.version), s.status, `${s.running}/${s.instances}`, String(s.healthy), s.role, deploymentLine(s.deployment),
  ]));
}

const yesNo = (v: boolean | null | undefined): string => (v === true ? 'yes' : v === false ? 'no' : '-');

/** `, autoscaled 1..4 at cpu 60% ...` after the instance count, or nothing. */
function autoscaleText(a: ServiceDetail['spec']['autoscale']): string {
  if (!a) return '';
  const target = a.target.cpuUtilization !== undefined ? `cpu ${Math.round(a.target.cpuUtilization * 100)}% of its cpus` : `${a.target.requestsPerSecond} requests/s`;
  return ` (autoscaled ${a.min}..${a.max} at ${target} per instance; window ${a.stabilizationWindowSeconds}s, cooldown ${a.cooldownSeconds}s)`;
}

export function detailText(s: ServiceDetail, nowMs: number): string {
  const c = s.spec.container;
  const run = c.command !== undefined ? `command ${JSON.stringify(c.command)}` : c.args.length ? `args ${JSON.stringify(c.args)}` : "the image's entrypoint";
  const r = s.spec.resources;
  const lines = [
    `${s.id}  version ${s.version}  ${s.status}  role ${s.spec.role}`,
    `  instances  ${s.spec.instances}${autoscaleText(s.spec.autoscale)}`,
    `  image      ${c.image}, ${run}`,
    `  resources  ${r.cpus} cpus, ${r.memMb} MB memory${r.diskMb ? `, ${r.diskMb} MB disk` : ''}${r.ports.length ? `, ports ${r.ports.map((p) => (p.number ? `${p.name}:${p.number}` : p.name)).join(' ')}` : ''}`,
  ];
  if (s.deployment) {
    const d = s.deployment;
    const left = d.deadlineMs - nowMs;
    lines.push(`  deployment ${deploymentLine(d)}, started ${span(nowMs - d.startedAtMs)} ago${d.phase === 'running' ? `, deadline ${left > 0 ? `in ${span(left)}` : 'passed'}` : ''}`);
  }
  const p = s.progress;
  if (p) lines.push(`  progress   updated ${p.updated}/${p.desired}, available ${p.available} (at least ${p.minAvailable}), live ${p.live} (at most ${p.maxLive})`);
  lines.push(`  versions   ${s.versions.join(', ')}`);
  if (s.reasons.length > 0) lines.push('  reasons:', ...s.reasons.map((why) => `    - ${why}`));
  lines.push('', `INSTANCES (${s.instances.length})`, table(['ID', 'VERSION', 'HOST', 'STATE', 'HEALTHY', 'READY', 'PORTS', 'AGE'], s.instances.map((i) => [
    i.id, String(i.version), i.hostname, i.state, yesNo(i.healthy), yesNo(i.ready), ports(i.ports), span(nowMs - i.startedAtMs),
  ])));
  return lines.join('\n');
}

export function historyText(h: HistoryAnswer): string {
  return [
    `${h.id}`,
    '',
    `VERSIONS (${h.versions.length} kept)`,
    table(['VERSION', 'CONFIG', 'APPLIED', 'INSTANCES', 'IMAGE', 'WHY'], h.versions.map((v) => [
      String(v.version), String(v.configVersion), clock(v.appliedAtMs), String(v.spec.instances), v.spec.container.image, v.reason ?? '',
    ])),
    '',
    `DEPLOYMENTS (${h.deployments.length}, oldest first)`,
    table(['FROM', 'TO', 'PHASE', 'STARTED', 'ENDED', 'REASON'], h.deployments.map((d) => [
      d.fromVersion === null || d.fromVersion === undefined ? '-' : String(d.fromVersion),
      String(d.toVersion),
      `${d.phase}${d.rollbackOf !== undefined ? ` (rollback of ${d.rollbackOf})` : ''}${d.supersededBy !== undefined ? ` (by ${d.supersededBy})` : ''}`,
      clock(d.startedAtMs),
      clock(d.endedAtMs),
      d.reason ?? '',
    ])),
  ].join('\n');
}
