// An in-memory cluster for the services planner: agents with fixed totals, instances that move
// staging -> running -> (healthy | failed) as a script says, kills that take one tick. Each tick
// advances the clock, lets the world move, asks the planner, and carries out its steps, so a test
// can check invariants at every step of a deployment.
import {
  applySpec,
  newServiceState,
  place,
  planService,
  plannerOptions,
  type AgentView,
  type DependencyView,
  type Instance,
  type PlannerOptions,
  type PlanResult,
  type PortRange,
  type ServiceSpec,
  type ServiceState,
} from '../../frameworks/services/index.js';

export interface SimAgent {
  id: string;
  hostname: string;
  attributes: Record<string, string>;
  total: { cpus: number; memMb: number; diskMb: number; ports: PortRange[] };
  draining: boolean;
  underPressure: boolean;
  unreachable: boolean;
}

/**
 * What a running instance's checks say this tick: true / false (healthy or not), undefined (no
 * result yet), 'crash' (the process exits: the instance fails).
 */
export type HealthScript = (i: Instance, sim: ServicesSim) => boolean | undefined | 'crash';

export interface SimOptions {
  tickMs?: number;
  health?: HealthScript;
  options?: Partial<PlannerOptions>;
  dependencies?: () => DependencyView[];
}

/** Agents a1..aN with roomy defaults. */
export function simAgents(n: number, over: Partial<SimAgent> = {}): SimAgent[] {
  return Array.from({ length: n }, (_, k) => ({
    id: `a${k + 1}`, hostname: `host${k + 1}`, attributes: {},
    total: { cpus: 16, memMb: 16_384, diskMb: 10_000, ports: [{ begin: 31000, end: 31099 }] },
    draining: false, underPressure: false, unreachable: false, ...over,
  }));
}

export class ServicesSim {
  nowMs = 1_000_000;
  state: ServiceState;
  instances: Instance[] = [];
  readonly agents: SimAgent[];
  readonly plans: PlanResult[] = [];
  /** Every instance ever launched, by id, with the tick it was launched at. */
  readonly launched = new Map<string, number>();
  ticks = 0;
  readonly #tickMs: number;
  readonly #options: PlannerOptions;
  #health: HealthScript;
  readonly #deps: (() => DependencyView[]) | undefined;
  #next = 0;
  /** Called after the world moved and again after the plan's steps were carried out. */
  onStep: ((sim: ServicesSim, when: 'observed' | 'acted') => void) | undefined;

  constructor(spec: ServiceSpec, agents: SimAgent[], o: SimOptions = {}) {
    this.agents = agents;
    this.state = newServiceState(spec, this.nowMs);
    this.#tickMs = o.tickMs ?? 1000;
    this.#health = o.health ?? (() => true);
    this.#options = plannerOptions(o.options);
    this.#deps = o.dependencies;
  }

  set health(h: HealthScript) {
    this.#health = h;
  }

  /** The agents as the planner sees them: free = total minus what live instances hold. */
  views(): AgentView[] {
    const spec = (v: number) => this.state.versions.find((x) => x.version === v)!.spec;
    return this.agents.map((a) => {
      const mine = this.instances.filter((i) => i.agentId === a.id && !['finished', 'failed', 'killed', 'error', 'lost', 'dropped', 'gone'].includes(i.state));
      const used = new Set(mine.flatMap((i) => Object.values(i.ports)));
      const ports: PortRange[] = [];
      for (const r of a.total.ports) for (let p = r.begin; p <= r.end; p++) if (!used.has(p)) ports.push({ begin: p, end: p });
      const sum = (k: 'cpus' | 'memMb' | 'diskMb') => mine.reduce((n, i) => n + spec(i.version).resources[k], 0);
      return {
        id: a.id, hostname: a.hostname, attributes: a.attributes,
        free: { cpus: a.total.cpus - sum('cpus'), memMb: a.total.memMb - sum('memMb'), diskMb: a.total.diskMb - sum('diskMb'), ports },
        draining: a.draining, underPressure: a.underPressure, unreachable: a.unreachable,
      };
    });
  }

  apply(spec: ServiceSpec): void {
    this.state = applySpec(this.state, spec, this.nowMs);
  }

  /** One step: time passes, the world moves, the planner plans, its steps are carried out. */
  tick(): PlanResult {
    this.ticks += 1;
    this.nowMs += this.#tickMs;
    // Ended instances are shown to the planner once, then forgotten, as a framework would.
    this.instances = this.instances.filter((i) => !['finished', 'failed', 'killed', 'error', 'lost', 'dropped', 'gone'].includes(i.state));
    this.instances = this.instances.map((i) => this.#move(i));
    this.onStep?.(this, 'observed');
    const plan = planService({ state: this.state, instances: this.instances, agents: this.views(), dependencies: this.#deps?.() ?? [], nowMs: this.nowMs, options: this.#options });
    this.state = plan.state;
    this.plans.push(plan);
    for (const step of plan.steps) {
      if (step.kind === 'kill') {
        const ids = new Set(step.instanceIds);
        // A kill cannot reach an instance whose agent is unreachable.
        const cut = (i: Instance) => this.agents.find((a) => a.id === i.agentId)?.unreachable === true;
        this.instances = this.instances.map((i) => (ids.has(i.id) && !cut(i) ? { ...i, state: 'killing' } : i));
      } else if (step.kind === 'launch') {
        const spec = this.state.versions.find((v) => v.version === step.version)!.spec;
        const live = this.instances.filter((i) => i.state !== 'killing');
        const placed = place(spec, step.count, this.views(), live);
        for (const p of placed.placements) {
          const a = this.agents.find((x) => x.id === p.agentId)!;
          const id = `${spec.id}.${++this.#next}`;
          this.launched.set(id, this.ticks);
          this.instances.push({ id, serviceId: spec.id, version: step.version, agentId: a.id, hostname: a.hostname, state: 'staging', healthy: undefined, ready: undefined, startedAtMs: this.nowMs, ports: p.ports });
        }
      }
    }
    this.onStep?.(this, 'acted');
    return plan;
  }

  /** Ticks until the planner says done (and the service is stable) or `max` ticks pass. */
  run(max = 500, until: (p: PlanResult) => boolean = (p) => p.steps.some((s) => s.kind === 'done') && p.deployment.status === 'stable'): PlanResult {
    let plan: PlanResult | undefined;
    for (let k = 0; k < max; k++) {
      plan = this.tick();
      if (until(plan)) return plan;
    }
    throw new Error(`not settled after ${max} ticks: ${JSON.stringify(plan?.deployment)} ${JSON.stringify(plan?.steps)}`);
  }

  #move(i: Instance): Instance {
    switch (i.state) {
      case 'killing': return { ...i, state: 'killed', healthy: false, endedAtMs: this.nowMs };
      case 'staging': return { ...i, state: 'running' };
      case 'running': {
        if (this.agents.find((a) => a.id === i.agentId)?.unreachable) return i;
        const h = this.#health(i, this);
        if (h === 'crash') return { ...i, state: 'failed', healthy: false, endedAtMs: this.nowMs };
        return { ...i, healthy: h, ready: h === true ? true : i.ready };
      }
      default: return i;
    }
  }

  /** Instances running, healthy (and not being killed), of any version. */
  healthy(): number {
    return this.instances.filter((i) => i.state === 'running' && i.healthy === true).length;
  }

  /** Instances that hold resources: staging to killing. */
  live(): number {
    return this.instances.filter((i) => ['staging', 'starting', 'running', 'killing'].includes(i.state)).length;
  }

  of(version: number): Instance[] {
    return this.instances.filter((i) => i.version === version);
  }
}
