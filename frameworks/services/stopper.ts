// How the services scheduler stops instances: drain before kill. An instance in rotation (running,
// healthy and ready where checked, on a reachable agent) is first taken out of it (draining: the
// endpoints list it under `draining`, load balancers and DNS stop sending it clients) and its kill
// is sent only after its spec's shutdownDelaySeconds; any other instance is killed at once. The
// kill carries killGracePeriodSeconds, and is sent again while the instance does not end.
import { isTerminal } from './deploy/index.js';
import { inRotation } from './endpoints.js';
import type { TrackedInstance } from './observed.js';
import type { ServicesDriver } from './sdk-adapter.js';
import type { ServicesLog } from './scheduler.js';
import { DEFAULTS, type ServiceSpec } from './spec/index.js';

/** A kill is sent again when its instance has not ended after this long. */
export const KILL_RESEND_MS = 10_000;

export interface StopperDeps {
  instance(taskId: string): TrackedInstance | undefined;
  instances(): Iterable<TrackedInstance>;
  /** The spec of the version the instance runs (of a removed service too), if still known. */
  specOf(t: TrackedInstance): ServiceSpec | undefined;
  agentUnreachable(agentId: string): boolean;
  driver(): ServicesDriver | undefined;
  log: ServicesLog;
}

/** Specs stored before shutdownDelaySeconds existed lack it: the default applies. */
function shutdownDelayMs(spec: ServiceSpec | undefined): number {
  return ((spec as Partial<ServiceSpec> | undefined)?.shutdownDelaySeconds ?? DEFAULTS.shutdownDelaySeconds) * 1000;
}

export class InstanceStopper {
  readonly #d: StopperDeps;

  constructor(deps: StopperDeps) {
    this.#d = deps;
  }

  /** Stops these instances: draining first where they are in rotation, else a kill now. */
  stop(requests: readonly { taskId: string; reason: string }[], now: number): void {
    for (const k of requests) {
      const t = this.#d.instance(k.taskId);
      if (!t || isTerminal(t.state) || t.drainingSinceMs !== undefined) continue;
      const spec = this.#d.specOf(t);
      const delayMs = shutdownDelayMs(spec);
      if (t.killSentAtMs === undefined && delayMs > 0 && spec && !this.#d.agentUnreachable(t.record.agentId) && inRotation(t, spec)) {
        t.drainingSinceMs = now;
        this.#d.log.info({ taskId: k.taskId, serviceId: t.record.serviceId, reason: k.reason, shutdownDelayMs: delayMs }, 'draining before the kill');
        continue;
      }
      this.#kill(t, k.reason, now);
    }
    this.#killDrained(now);
  }

  /** When the next drained instance is due its kill, and kill re-sends. */
  wakeTimes(): number[] {
    const times: number[] = [];
    for (const t of this.#d.instances()) {
      if (isTerminal(t.state)) continue;
      if (t.killSentAtMs !== undefined) times.push(t.killSentAtMs + KILL_RESEND_MS);
      else if (t.drainingSinceMs !== undefined) times.push(t.drainingSinceMs + shutdownDelayMs(this.#d.specOf(t)));
    }
    return times;
  }

  /** Sends the kills of draining instances whose shutdown delay is over. */
  #killDrained(now: number): void {
    for (const t of this.#d.instances()) {
      if (isTerminal(t.state) || t.drainingSinceMs === undefined || t.killSentAtMs !== undefined) continue;
      if (now >= t.drainingSinceMs + shutdownDelayMs(this.#d.specOf(t))) this.#kill(t, 'drained', now);
    }
  }

  #kill(t: TrackedInstance, reason: string, now: number): void {
    const taskId = t.record.taskId;
    if (t.killSentAtMs !== undefined && now - t.killSentAtMs < KILL_RESEND_MS) return;
    if (t.killSentAtMs === undefined) this.#d.log.info({ taskId, serviceId: t.record.serviceId, reason }, 'killing');
    t.killSentAtMs = now;
    if (t.state !== 'unreachable') t.state = 'killing';
    const driver = this.#d.driver();
    driver?.kill(taskId, t.record.agentId, (this.#d.specOf(t)?.killGracePeriodSeconds ?? 0) * 1000).catch((err: unknown) => {
      this.#d.log.debug({ taskId, err }, 'kill failed');
      // Refused (the master does not know the task, say): ask what became of it instead.
      if (driver.refused(err)) driver.reconcile([{ taskId, agentId: t.record.agentId }]).catch(() => undefined);
    });
  }
}
