// What the batch benches share: the batch framework in this process (memory store, silent log)
// with its HTTP API, job submission through that API as a user would, and a sampler of its
// counters for completion rates.
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { MemoryBatchStore, startBatchFramework, type BatchFramework } from '../frameworks/batch/index.js';

export async function startBenchBatch(masterUrl: string): Promise<BatchFramework> {
  return startBatchFramework({ masterUrl, store: new MemoryBatchStore(), http: { port: 0 }, log: pino({ level: 'silent' }), failoverTimeoutMs: 60_000, name: 'batch-bench' });
}

// node:http with keep-alive: on this loopback, fetch's client costs several times the call itself.
const keepAlive = new Agent({ keepAlive: true, maxSockets: 64 });

function post(url: string, body: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({
      host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent: keepAlive,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 201) reject(new Error(`POST ${url}: ${res.statusCode} ${text}`));
        else resolve(JSON.parse(text) as unknown);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Submits a job and starts a run of it, through the HTTP API; resolves with the run id. */
export async function submitAndRun(fw: BatchFramework, job: { id: string } & Record<string, unknown>): Promise<string> {
  await post(`${fw.url}/api/v1/jobs`, JSON.stringify(job));
  const run = (await post(`${fw.url}/api/v1/jobs/${encodeURIComponent(job.id)}/runs`, '{}')) as { runId: string };
  return run.runId;
}

/** Runs fn over items with at most `limit` in flight. */
export async function inFlight<T>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i] as T, i);
    }
  });
  await Promise.all(lanes);
}

/** Samples a counter every few milliseconds, for its steady rate and when it reached a value. */
export class CounterSampler {
  readonly samples: { atMs: number; value: number }[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(readonly read: () => number, everyMs = 20) {
    this.sample();
    this.#timer = setInterval(() => this.sample(), everyMs);
  }

  sample(): void {
    this.samples.push({ atMs: performance.now(), value: this.read() });
  }

  stop(): void {
    clearInterval(this.#timer);
    this.sample();
  }

  /** The first sampled time at which the counter had reached `value`. */
  reachedAt(value: number): number {
    return this.samples.find((s) => s.value >= value)?.atMs ?? NaN;
  }

  /**
   * The area between `ceiling` and the counter from `fromMs` to `toMs`, in value-seconds: with
   * the counter the tasks running and the ceiling the slots, the slot-seconds left idle.
   */
  areaBelow(ceiling: number, fromMs: number, toMs: number): number {
    let area = 0;
    for (let i = 1; i < this.samples.length; i++) {
      const a = this.samples[i - 1]!;
      const start = Math.max(a.atMs, fromMs);
      const end = Math.min(this.samples[i]!.atMs, toMs);
      if (end > start) area += Math.max(0, ceiling - a.value) * (end - start);
    }
    return area / 1000;
  }

  /** The counter's value every `stepMs` from `fromMs` (the last sample at or before each time), for a JSON timeline. */
  every(stepMs: number, fromMs: number): number[] {
    const out: number[] = [];
    let i = 0;
    const last = this.samples[this.samples.length - 1]?.atMs ?? fromMs;
    for (let at = fromMs; at <= last; at += stepMs) {
      while (i + 1 < this.samples.length && this.samples[i + 1]!.atMs <= at) i++;
      out.push(this.samples[i]?.value ?? 0);
    }
    return out;
  }

  /** The rate between the times it reached `fromShare` and `toShare` of `total`: the steady state. */
  steadyRate(total: number, fromShare = 0.1, toShare = 0.9): number {
    const a = this.samples.find((s) => s.value >= total * fromShare);
    const b = this.samples.find((s) => s.value >= total * toShare);
    if (!a || !b || b.atMs <= a.atMs) return NaN;
    return ((b.value - a.value) * 1000) / (b.atMs - a.atMs);
  }
}

/** Waits until probe() is true, checking every few milliseconds; false when the time ran out. */
export async function waitUntil(probe: () => boolean, timeoutMs: number, everyMs = 20): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!probe()) {
    if (performance.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return true;
}
