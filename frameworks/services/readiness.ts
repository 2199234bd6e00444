// Readiness checks, run by the framework itself: while an instance of a version with a
// readinessCheck runs and is not yet ready, it GETs http://HOST:PORT/PATH every intervalSeconds;
// the first 2xx answer makes the instance ready, and probing stops (readiness gates deployments,
// as in Marathon; health checks, run by the agent, watch the instance afterwards). HOST is the
// agent's advertised address; for an agent that gives none, its hostname, or 127.0.0.1 when the
// masters are on loopback (a one-machine cluster, whose agents may carry made-up hostnames);
// `readinessHost` overrides them.
import type { ReadinessCheckSpec } from './spec/index.js';

export interface ReadinessTarget {
  taskId: string;
  agentId: string;
  hostname: string;
  /** The agent's advertised address, when known. */
  address?: string;
  ports: Record<string, number>;
  check: ReadinessCheckSpec;
}

export interface ReadinessDeps {
  host: (t: { agentId: string; hostname: string; address?: string }) => string;
  /** Told every result; `ready` true ends the probing of that instance. */
  onResult: (taskId: string, ready: boolean) => void;
  fetch?: typeof fetch;
}

/** Whether every master URL names a loopback host. */
export function loopbackMasters(masterUrl: string | readonly string[]): boolean {
  const urls = (typeof masterUrl === 'string' ? masterUrl.split(',') : [...masterUrl]).map((u) => u.trim()).filter(Boolean);
  return urls.length > 0 && urls.every((u) => {
    try {
      const host = new URL(u).hostname;
      return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
    } catch {
      return false;
    }
  });
}

export class ReadinessProber {
  readonly #d: ReadinessDeps;
  readonly #timers = new Map<string, NodeJS.Timeout>();
  #stopped = false;

  constructor(deps: ReadinessDeps) {
    this.#d = deps;
  }

  /** How many instances are being probed (not yet ready). */
  get probing(): number {
    return this.#timers.size;
  }

  /** Probes exactly `targets` from now on: new ones start at once, missing ones stop. */
  sync(targets: readonly ReadinessTarget[]): void {
    if (this.#stopped) return;
    const wanted = new Set(targets.map((t) => t.taskId));
    for (const [id, timer] of this.#timers) {
      if (wanted.has(id)) continue;
      clearTimeout(timer);
      this.#timers.delete(id);
    }
    for (const t of targets) if (!this.#timers.has(t.taskId)) this.#schedule(t, 0);
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  #schedule(t: ReadinessTarget, delayMs: number): void {
    const timer = setTimeout(() => void this.#probe(t, timer), delayMs);
    this.#timers.set(t.taskId, timer);
  }

  async #probe(t: ReadinessTarget, timer: NodeJS.Timeout): Promise<void> {
    const port = t.ports[t.check.portName];
    let ready = false;
    if (port !== undefined) {
      const host = this.#d.host(t);
      const url = `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}${t.check.path.startsWith('/') ? '' : '/'}${t.check.path}`;
      try {
        const res = await (this.#d.fetch ?? fetch)(url, { signal: AbortSignal.timeout(t.check.timeoutSeconds * 1000) });
        ready = res.ok;
        await res.body?.cancel();
      } catch {
        ready = false;
      }
    }
    // Stopped or no longer wanted while the probe was out: its answer is for nobody.
    if (this.#stopped || this.#timers.get(t.taskId) !== timer) return;
    if (ready) this.#timers.delete(t.taskId);
    else this.#schedule(t, t.check.intervalSeconds * 1000);
    this.#d.onResult(t.taskId, ready);
  }
}
