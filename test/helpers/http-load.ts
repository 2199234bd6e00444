// A load client for the traffic tests: N loops of HTTP GET to one host:port, each request on a new
// connection (`agent: false`, so every request is a new connection through a load balancer) with
// its own deadline. It records every request (when, how long, which instance answered or why it
// failed), so a test can count failures around an event and see which instances were in rotation.
import { request } from 'node:http';

export interface HttpLoadOptions {
  host: string;
  port: number;
  /** Default '/'. */
  path?: string;
  /** Loops sending one request after another. Default 4. */
  concurrency?: number;
  /** A request that has not answered in full by then fails with code TIMEOUT. Default 2000 ms. */
  timeoutMs?: number;
  /** Pause between one loop's requests. Default 0: the next starts when the last ended. */
  pauseMs?: number;
  /** Which instance answered, from the body (default: `instance ID` on the first line, as the httpd pages say). */
  identify?: (body: string) => string | undefined;
}

/** One request: its start and end (ms since the epoch) and who answered, or why none did. */
export type LoadResult =
  | { ok: true; startMs: number; endMs: number; loop: number; instance: string }
  | { ok: false; startMs: number; endMs: number; loop: number; code: string };

export type LoadFailure = Extract<LoadResult, { ok: false }>;

export interface LoadSummary {
  requests: number;
  successes: number;
  failures: number;
  /** Failures by code: ECONNRESET, ECONNREFUSED, TIMEOUT, HTTP_503, NO_INSTANCE... */
  failuresByCode: Record<string, number>;
  /** Successful answers by the instance that gave them. */
  byInstance: Record<string, number>;
  /** From the first request's start to the last one's end. */
  durationMs: number;
}

const PAGE = /^instance (\S+)/;

/** The instance the httpd page names on its first line, or undefined. */
export function pageInstance(body: string): string | undefined {
  return PAGE.exec(body)?.[1];
}

export class HttpLoad {
  readonly results: LoadResult[] = [];
  readonly #o: Required<Omit<HttpLoadOptions, 'identify'>> & { identify: (body: string) => string | undefined };
  #running = false;
  #loops: Promise<void>[] = [];
  /** Resolvers of more() waiting for a result. */
  #waiters = new Set<() => void>();
  /** Ends of the loops' pauses, cut short by stop(). */
  #pauses = new Set<() => void>();

  constructor(o: HttpLoadOptions) {
    this.#o = {
      host: o.host,
      port: o.port,
      path: o.path ?? '/',
      concurrency: o.concurrency ?? 4,
      timeoutMs: o.timeoutMs ?? 2_000,
      pauseMs: o.pauseMs ?? 0,
      identify: o.identify ?? pageInstance,
    };
    if (!Number.isInteger(this.#o.concurrency) || this.#o.concurrency < 1) throw new Error(`concurrency must be an integer >= 1, not ${o.concurrency}`);
    if (!(this.#o.timeoutMs > 0)) throw new Error(`timeoutMs must be > 0, not ${o.timeoutMs}`);
  }

  get running(): boolean {
    return this.#running;
  }

  start(): this {
    if (this.#running) return this;
    this.#running = true;
    this.#loops = Array.from({ length: this.#o.concurrency }, (_, loop) => this.#loop(loop));
    return this;
  }

  /** Stops the loops once their requests in flight have ended; the summary of everything recorded. */
  async stop(): Promise<LoadSummary> {
    this.#running = false;
    for (const end of [...this.#pauses, ...this.#waiters]) end();
    await Promise.all(this.#loops);
    return this.summary();
  }

  /** Waits until `n` more requests have ended (any outcome) than had when called. */
  async more(n: number): Promise<void> {
    const target = this.results.length + n;
    while (this.results.length < target) {
      if (!this.#running) throw new Error(`the load stopped after ${this.results.length} of ${target} requests`);
      await new Promise<void>((resolve) => {
        this.#waiters.add(resolve);
      });
    }
  }

  /** Counts over the requests that started at or after `fromMs` and before `toMs` (default all). */
  summary(fromMs = 0, toMs = Infinity): LoadSummary {
    const picked = this.results.filter((r) => r.startMs >= fromMs && r.startMs < toMs);
    const failuresByCode: Record<string, number> = {};
    const byInstance: Record<string, number> = {};
    for (const r of picked) {
      if (r.ok) byInstance[r.instance] = (byInstance[r.instance] ?? 0) + 1;
      else failuresByCode[r.code] = (failuresByCode[r.code] ?? 0) + 1;
    }
    const successes = picked.filter((r) => r.ok).length;
    const first = Math.min(...picked.map((r) => r.startMs));
    const last = Math.max(...picked.map((r) => r.endMs));
    return {
      requests: picked.length,
      successes,
      failures: picked.length - successes,
      failuresByCode,
      byInstance,
      durationMs: picked.length === 0 ? 0 : last - first,
    };
  }

  failures(fromMs = 0, toMs = Infinity): LoadFailure[] {
    return this.results.filter((r): r is LoadFailure => !r.ok && r.startMs >= fromMs && r.startMs < toMs);
  }

  /** When `instance` last answered (the end of its last successful request), or undefined. */
  lastAnswerMs(instance: string): number | undefined {
    for (let k = this.results.length - 1; k >= 0; k--) {
      const r = this.results[k];
      if (r?.ok && r.instance === instance) return r.endMs;
    }
    return undefined;
  }

  /** One line for a test's comments. */
  describe(s: LoadSummary = this.summary()): string {
    const rate = s.durationMs > 0 ? Math.round((s.requests * 1000) / s.durationMs) : 0;
    return `${s.requests} requests in ${s.durationMs} ms (${rate}/s), ${s.successes} ok, ${s.failures} failed ${JSON.stringify(s.failuresByCode)}, by instance ${JSON.stringify(s.byInstance)}`;
  }

  async #loop(loop: number): Promise<void> {
    while (this.#running) {
      const startMs = Date.now();
      const outcome = await this.#get();
      const endMs = Date.now();
      this.results.push('instance' in outcome ? { ok: true, startMs, endMs, loop, instance: outcome.instance } : { ok: false, startMs, endMs, loop, code: outcome.code });
      const waiters = [...this.#waiters];
      this.#waiters.clear();
      for (const wake of waiters) wake();
      if (this.#o.pauseMs > 0 && this.#running) await this.#pause();
    }
  }

  #pause(): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#pauses.delete(done);
        resolve();
      };
      const timer = setTimeout(done, this.#o.pauseMs);
      this.#pauses.add(done);
    });
  }

  /** One GET on a new connection: the instance that answered, or the failure's code. */
  #get(): Promise<{ instance: string } | { code: string }> {
    const o = this.#o;
    return new Promise((resolve) => {
      let settled = false;
      const finish = (v: { instance: string } | { code: string }): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        resolve(v);
      };
      const req = request({ host: o.host, port: o.port, path: o.path, method: 'GET', agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err: NodeJS.ErrnoException) => finish({ code: err.code ?? err.name }));
        // The connection closed before the whole body came: the answer was cut off.
        res.on('close', () => {
          if (!res.complete) finish({ code: 'ABORTED' });
        });
        res.on('end', () => {
          if (res.statusCode !== 200) return finish({ code: `HTTP_${res.statusCode}` });
          const instance = o.identify(Buffer.concat(chunks).toString('utf8'));
          finish(instance === undefined ? { code: 'NO_INSTANCE' } : { instance });
        });
      });
      const timer = setTimeout(() => finish({ code: 'TIMEOUT' }), o.timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => finish({ code: err.code ?? err.name }));
      req.end();
    });
  }
}
