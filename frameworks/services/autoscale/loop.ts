// The autoscaler's loop: every interval it reads one sample per instance in rotation (CPU from the
// master's state, request rates from the load balancers), asks `decide` about each autoscaled
// service, and applies a change through the same command as `berth services scale`, with the
// decision's sentence kept on the new version. Clock and timers are injected for tests.
import type { ServicesView } from '../control.js';
import type { Result } from '../commands.js';
import { specOf, type Instance, type ServiceState } from '../deploy/index.js';
import type { ServicesLog } from '../scheduler.js';
import type { AutoscaleSpec, ServiceSpec } from '../spec/index.js';
import { decide, targetOf, type Decision, type Recommendation } from './decide.js';
import type { AutoscaleMetrics } from './metrics.js';

/** A task's CPU as the master last heard it: 100 = one core. */
export interface CpuSample {
  taskId: string;
  cpuPercent: number;
  atMs: number;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface AutoscalerDeps {
  /** The services and their instances, read at one moment. */
  view(): Promise<ServicesView>;
  /** Applies a decision (ServicesCommands.autoscale). */
  scale(id: string, fromVersion: number, instances: number, reason: string): Promise<Result<{ id: string; version: number }>>;
  /** The tasks' CPU use (from the master's state). */
  readCpu(): Promise<CpuSample[]>;
  /** Request rates per instance since the previous call, or why there are none; undefined: no load balancers configured. */
  readRequests?: () => Promise<{ rates: Map<string, number> } | { failed: string }>;
  now(): number;
  timers: Timers;
  intervalMs: number;
  /** CPU samples older than this are no samples (the agent has stopped reporting). */
  maxSampleAgeMs: number;
  log: ServicesLog;
  metrics?: AutoscaleMetrics;
}

/** What the last tick decided per service (tests and logs). */
export interface TickOutcome {
  id: string;
  decision: Decision;
  applied: boolean;
}

/** Whether an instance takes traffic: running, healthy (or unchecked) and ready (or unchecked). */
function inRotation(i: Instance, spec: ServiceSpec): boolean {
  return i.state === 'running' && (spec.healthChecks.length === 0 || i.healthy === true) && (spec.readinessCheck === undefined || i.ready === true);
}

export class Autoscaler {
  readonly #d: AutoscalerDeps;
  readonly #recommendations = new Map<string, Recommendation[]>();
  readonly #warned = new Set<string>();
  #timer: unknown;
  #running = false;
  #ticking: Promise<TickOutcome[]> | undefined;

  constructor(deps: AutoscalerDeps) {
    this.#d = deps;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#arm();
  }

  /** Stops the timer and waits for a tick under way. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer !== undefined) this.#d.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#ticking?.catch(() => undefined);
  }

  /** One round now (or the one under way). */
  tick(): Promise<TickOutcome[]> {
    this.#ticking ??= this.#round().finally(() => {
      this.#ticking = undefined;
    });
    return this.#ticking;
  }

  #arm(): void {
    if (!this.#running) return;
    this.#timer = this.#d.timers.setTimeout(() => {
      void this.tick().catch((err: unknown) => this.#d.log.warn({ err }, 'autoscale round failed')).finally(() => this.#arm());
    }, this.#d.intervalMs);
  }

  async #round(): Promise<TickOutcome[]> {
    const view = await this.#d.view();
    const scaled = [...view.states.values()].map((s) => ({ state: s, spec: specOf(s, s.targetVersion).spec })).filter((x): x is { state: ServiceState; spec: ServiceSpec & { autoscale: AutoscaleSpec } } => x.spec.autoscale !== undefined);
    for (const id of this.#recommendations.keys()) if (!scaled.some((x) => x.state.id === id)) this.#recommendations.delete(id);
    this.#d.metrics?.forget(new Set(scaled.map((x) => x.state.id)));
    if (scaled.length === 0) return [];
    const wants = new Set(scaled.map((x) => targetOf(x.spec.autoscale).metric));
    const cpu = wants.has('cpu') ? await this.#cpu() : undefined;
    const requests = wants.has('rps') ? await this.#requests() : undefined;
    const outcomes: TickOutcome[] = [];
    for (const { state, spec } of scaled) {
      const metric = targetOf(spec.autoscale).metric;
      // An instance runs its own version's spec (its cpus, its checks); the target's if that one is gone.
      const specFor = (i: Instance) => state.versions.find((v) => v.version === i.version)?.spec ?? spec;
      const samples = view.instances.filter((i) => i.serviceId === state.id && inRotation(i, specFor(i))).map((i) => {
        if (metric === 'rps') return requests?.get(i.id);
        const s = cpu?.get(i.id);
        const fresh = s !== undefined && s.atMs >= i.startedAtMs && s.atMs >= this.#d.now() - this.#d.maxSampleAgeMs;
        return fresh ? s.cpuPercent / 100 / specFor(i).resources.cpus : undefined;
      });
      if (metric === 'rps' && !this.#d.readRequests) this.#warnOnce(state.id, 'the service scales on requestsPerSecond, but no load balancer is configured (--lb-url)');
      outcomes.push(await this.#decideOne(state, spec, samples));
    }
    return outcomes;
  }

  async #decideOne(state: ServiceState, spec: ServiceSpec & { autoscale: AutoscaleSpec }, samples: (number | undefined)[]): Promise<TickOutcome> {
    const nowMs = this.#d.now();
    // A service seen for the first time (or after a restart) counts its current size as a
    // recommendation: nothing scales down before a whole window has been watched.
    const earlier = this.#recommendations.get(state.id) ?? [{ atMs: nowMs, instances: spec.instances }];
    const r = decide({
      autoscale: spec.autoscale,
      current: spec.instances,
      samples,
      cpus: spec.resources.cpus,
      lastScaleAtMs: specOf(state, state.targetVersion).appliedAtMs,
      nowMs,
      recommendations: earlier,
    });
    this.#recommendations.set(state.id, r.recommendations.length > 0 ? r.recommendations : earlier);
    this.#d.metrics?.observe(state.id, spec.autoscale, r.average);
    if (!r.decision.change) {
      this.#d.log.debug({ serviceId: state.id, reason: r.decision.reason }, 'autoscale: no change');
      return { id: state.id, decision: r.decision, applied: false };
    }
    const out = await this.#d.scale(state.id, state.targetVersion, r.decision.instances, r.decision.reason);
    if (!out.ok) {
      this.#d.log.warn({ serviceId: state.id, code: out.code, message: out.message }, 'autoscale: scaling refused');
      return { id: state.id, decision: r.decision, applied: false };
    }
    this.#d.metrics?.decided(state.id, r.decision.direction);
    this.#d.log.info({ serviceId: state.id, version: out.version, instances: r.decision.instances, reason: r.decision.reason }, 'autoscaled');
    return { id: state.id, decision: r.decision, applied: true };
  }

  async #cpu(): Promise<Map<string, CpuSample> | undefined> {
    try {
      return new Map((await this.#d.readCpu()).map((s) => [s.taskId, s]));
    } catch (err) {
      this.#d.log.warn({ err: (err as Error).message }, 'autoscale: could not read CPU use from the master');
      return undefined;
    }
  }

  async #requests(): Promise<Map<string, number> | undefined> {
    if (!this.#d.readRequests) return undefined;
    const r = await this.#d.readRequests();
    if ('failed' in r) {
      this.#d.log.warn({ err: r.failed }, 'autoscale: could not read every load balancer');
      return undefined;
    }
    return r.rates;
  }

  #warnOnce(id: string, message: string): void {
    if (this.#warned.has(id)) return;
    this.#warned.add(id);
    this.#d.log.warn({ serviceId: id }, `autoscale: ${message}`);
  }
}
