// The deployment planner: desired state (a ServiceState) and observed state (instances, agents)
// in, steps and the next desired state out. Pure: no I/O, no timers; time is `nowMs`. The
// scheduler calls it whenever something changes (an update, an apply, a timer at `wakeAtMs`)
// and carries out the steps; calling it again with nothing changed returns the same steps.
import { moveDeployment } from './deployment-phase.js';
import { specOf, withHistory } from './apply-spec.js';
import { isStopping, isTerminal, type AgentView, type DependencyView, type Deployment, type DeploymentStatus, type Instance, type ServiceState, type ServiceStatus, type Step } from './model.js';
import { place } from './placement.js';
import { crashLoop, freshBackoff, updateBackoff, type BackoffOptions } from './restart-backoff.js';
import { classify, decideRolling } from './rolling.js';

/** Planner-wide settings, compiled once by `plannerOptions`. */
export type PlannerOptions = BackoffOptions;

const DEFAULT_OPTIONS: PlannerOptions = { crashLoopFailures: 5, crashLoopWindowMs: 300_000, resetAfterMs: 60_000 };

/** Fills and checks planner options; throws one error listing every bad value. */
export function plannerOptions(partial: Partial<PlannerOptions> = {}): PlannerOptions {
  const o = { ...DEFAULT_OPTIONS, ...partial };
  const bad = Object.entries(o).filter(([, v]) => !(Number.isFinite(v) && v >= (0 as number)));
  if (!Number.isInteger(o.crashLoopFailures) || o.crashLoopFailures < 1) bad.push(['crashLoopFailures', o.crashLoopFailures]);
  if (bad.length > 0) throw new RangeError(`bad planner options: ${bad.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  return Object.freeze(o);
}

export interface PlanInput {
  state: ServiceState;
  /** What agents report for this service (other services' instances are ignored). */
  instances: readonly Instance[];
  /** The cluster's agents with their free resources (for migration and the placement preview). */
  agents: readonly AgentView[];
  /** The services this one depends on, as their last plans left them. */
  dependencies?: readonly DependencyView[];
  nowMs: number;
  options?: PlannerOptions;
}

export interface PlanResult {
  steps: Step[];
  deployment: DeploymentStatus;
  /** The desired state to store; `input.state` is never changed. */
  state: ServiceState;
  /** Why the plan is what it is, for people (pending placements, waits, rollbacks). */
  reasons: string[];
  /** When to plan again even if nothing is observed to change (a deadline, a backoff's end). */
  wakeAtMs: number | undefined;
}

/**
 * Plans one service: what to launch, kill or wait for now, whether the deployment succeeded, must
 * roll back or failed, and the service's status. See docs/services-deployments.md for the rules.
 */
export function planService(input: PlanInput): PlanResult {
  const o = input.options ?? DEFAULT_OPTIONS;
  const { nowMs } = input;
  let state = input.state;
  const steps: Step[] = [];
  const reasons: string[] = [];
  const agents = new Map(input.agents.map((a) => [a.id, a]));
  const mine = input.instances.filter((i) => i.serviceId === state.id);
  const target = specOf(state, state.targetVersion);
  const spec = target.spec;

  const configOf = (v: number) => state.versions.find((x) => x.version === v)?.configVersion;
  const isCurrent = (i: Instance) => configOf(i.version) === configOf(state.targetVersion);
  const isAvailable = (i: Instance): boolean => {
    if (i.state !== 'running' || isStopping(i) || agents.get(i.agentId)?.unreachable) return false;
    const s = state.versions.find((x) => x.version === i.version)?.spec ?? spec;
    return (s.healthChecks.length === 0 || i.healthy === true) && (!s.readinessCheck || i.ready === true);
  };

  // Restart backoff: count new failures; a current instance serving long enough resets it.
  const serving = mine.filter((i) => isCurrent(i) && isAvailable(i)).map((i) => i.startedAtMs);
  const backoff = updateBackoff(state.backoff, spec.backoff, mine, serving.length > 0 ? Math.min(...serving) : undefined, nowMs, o);
  state = { ...state, backoff };
  const looping = crashLoop(backoff, o);
  if (looping) reasons.push(`crash-looping: ${looping}`);

  let d = state.deployment?.phase === 'running' ? state.deployment : undefined;
  const c = classify(mine, agents, isCurrent);
  // Instances on unreachable agents are killed once replaced, but cannot confirm it until their
  // agent returns or is declared gone; they must not hold a deployment back meanwhile.
  const reachable = (i: Instance) => i.state !== 'unreachable' && agents.get(i.agentId)?.unreachable !== true;
  const complete = c.keep.length === spec.instances && c.keep.every(isAvailable) && ![...c.movers, ...c.old, ...c.killing].some(reachable);

  if (d && !complete) {
    const waitingOn = (spec.dependencies ?? []).filter((id) => input.dependencies?.find((x) => x.id === id)?.status !== 'stable');
    if (waitingOn.length > 0 && d.stepsDone === 0) {
      // The deadline counts from when the deployment can start.
      const waiting: Deployment = { ...d, startedAtMs: nowMs, deadlineMs: nowMs + spec.deploymentDeadlineSeconds * 1000 };
      state = { ...state, deployment: waiting };
      const why = `waiting for ${waitingOn.join(', ')} to be deployed and healthy`;
      return result(state, [{ kind: 'wait', until: { event: 'dependencies' }, why }], [...reasons, why], 'waiting-for-dependencies', c, undefined);
    }
    if (nowMs >= d.deadlineMs) {
      const healthyNew = c.keep.filter(isAvailable).length;
      const why = `version ${d.toVersion}: ${healthyNew} of ${spec.instances} instances healthy and ready after ${spec.deploymentDeadlineSeconds} s${looping ? ` (crash-looping: ${looping})` : ''}`;
      const back = state.lastGoodVersion;
      if (d.rollbackOf === undefined && back !== undefined && back !== d.toVersion) {
        const ended = moveDeployment(d, 'rolled-back', { endedAtMs: nowMs, reason: why });
        const backSpec = specOf(state, back).spec;
        const rollback: Deployment = {
          fromVersion: d.toVersion, toVersion: back, phase: 'running', startedAtMs: nowMs,
          deadlineMs: nowMs + backSpec.deploymentDeadlineSeconds * 1000, stepsDone: 0, rollbackOf: d.toVersion,
        };
        const next: ServiceState = { ...state, targetVersion: back, deployment: rollback, history: withHistory(state, ended), backoff: { ...freshBackoff(), countedInstanceIds: backoff.countedInstanceIds } };
        const inner = planService({ ...input, state: next, options: o });
        return { ...inner, steps: [{ kind: 'rollback', toVersion: back, why }, ...inner.steps], reasons: [`rolling back to version ${back}: ${why}`, ...inner.reasons] };
      }
      const failed = moveDeployment(d, 'failed', { endedAtMs: nowMs, reason: why });
      state = { ...state, deployment: failed, history: withHistory(state, failed) };
      reasons.push(`deployment failed: ${why}${back === undefined ? ' (no earlier version to roll back to)' : ''}`);
      d = undefined;
    }
  }
  if (d && complete) {
    const ok = moveDeployment(d, 'succeeded', { endedAtMs: nowMs });
    state = { ...state, deployment: ok, lastGoodVersion: state.targetVersion, history: withHistory(state, ok) };
    d = undefined;
  }

  const r = decideRolling(c, spec, agents, isAvailable);
  for (const k of r.kills) steps.push({ kind: 'kill', instanceIds: k.instances.map((i) => i.id), reason: k.reason });
  let status: ServiceStatus = d ? (d.rollbackOf !== undefined ? 'rolling-back' : 'deploying') : complete ? 'stable' : 'recovering';
  let wakeAtMs = d?.deadlineMs;

  if (r.launch > 0 && backoff.consecutiveFailures > 0 && nowMs < backoff.nextLaunchAtMs) {
    const why = `restart backoff after ${backoff.consecutiveFailures} failure${backoff.consecutiveFailures === 1 ? '' : 's'}: next launch in ${Math.ceil((backoff.nextLaunchAtMs - nowMs) / 1000)} s`;
    steps.push({ kind: 'wait', until: { atMs: backoff.nextLaunchAtMs }, why });
    reasons.push(why);
    status = 'backing-off';
    wakeAtMs = Math.min(wakeAtMs ?? Infinity, backoff.nextLaunchAtMs);
  } else if (r.launch > 0) {
    const killed = new Set(steps.flatMap((s) => (s.kind === 'kill' ? s.instanceIds : [])));
    const stay = mine.filter((i) => !isTerminal(i.state) && !killed.has(i.id) && !isStopping(i));
    const preview = place(spec, r.launch, input.agents, stay);
    const avoid = input.agents.filter((a) => a.draining || a.underPressure || a.unreachable).map((a) => a.id);
    steps.push({ kind: 'launch', version: state.targetVersion, count: r.launch, placementHints: { placements: preview.placements, avoidAgentIds: avoid, pending: preview.pending } });
    for (const p of preview.pending) reasons.push(`${p.count} instance${p.count === 1 ? '' : 's'} cannot be placed now: ${p.reason}`);
  }
  if (looping) status = 'crash-looping';
  if (backoff.consecutiveFailures > 0 && serving.length > 0) wakeAtMs = Math.min(wakeAtMs ?? Infinity, Math.min(...serving) + o.resetAfterMs);

  if (!complete && !steps.some((s) => s.kind === 'launch' || s.kind === 'wait')) {
    const pendingKills = c.killing.length > 0 || steps.some((s) => s.kind === 'kill');
    const starting = [...c.keep].filter((i) => !isAvailable(i)).length;
    if (starting > 0) steps.push({ kind: 'wait', until: { event: 'instances-healthy' }, why: `waiting for ${starting} instance${starting === 1 ? '' : 's'} to become healthy and ready` });
    else if (pendingKills) steps.push({ kind: 'wait', until: { event: 'instances-killed' }, why: 'waiting for killed instances to end' });
    else if (c.movers.length > 0 || c.old.length > 0) steps.push({ kind: 'wait', until: { event: 'instances-healthy' }, why: 'waiting for capacity to replace instances' });
  }
  if (steps.length === 0) steps.push({ kind: 'done' });
  if (d) {
    const stepsDone = d.stepsDone + steps.filter((s) => s.kind === 'launch' || s.kind === 'kill').length;
    state = { ...state, deployment: { ...d, stepsDone } };
  }
  return result(state, steps, reasons, status, c, { ...r, wakeAtMs });

  function result(
    s: ServiceState, st: Step[], why: string[], status: ServiceStatus, cl: ReturnType<typeof classify>,
    extra: { minAvailable: number; maxLive: number; available: number; updated: number; wakeAtMs: number | undefined } | undefined,
  ): PlanResult {
    const all = [...cl.keep, ...cl.movers, ...cl.old];
    const deployment: DeploymentStatus = {
      status,
      deployment: s.deployment,
      desired: specOf(s, s.targetVersion).spec.instances,
      live: cl.live,
      available: extra?.available ?? all.filter(isAvailable).length,
      updated: extra?.updated ?? cl.keep.filter(isAvailable).length,
      minAvailable: extra?.minAvailable ?? 0,
      maxLive: extra?.maxLive ?? 0,
    };
    return { steps: st, deployment, state: s, reasons: why, wakeAtMs: extra ? extra.wakeAtMs : undefined };
  }
}
