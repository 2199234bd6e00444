// Request rates per instance from the load balancers' counters (`GET {lb}/api/v1/stats`, section
// 5 of the traffic contract): each read keeps every balancer's counters, and the next one turns
// the growth into requests per second per backend (an instance id), summed over the balancers.

/** One balancer's counters of one read: requests seen per backend (instance id). */
interface Reading {
  atMs: number;
  requests: Map<string, number>;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The requests counted per backend in a stats body, summed over its services; throws naming the field. */
export function decodeLbStats(body: unknown): Map<string, number> {
  if (!isObject(body) || !Array.isArray(body.services)) throw new Error('stats.services must be a list');
  const out = new Map<string, number>();
  body.services.forEach((s: unknown, i) => {
    if (!isObject(s) || !Array.isArray(s.backends)) throw new Error(`stats.services[${i}].backends must be a list`);
    s.backends.forEach((b: unknown, k) => {
      const f = `stats.services[${i}].backends[${k}]`;
      if (!isObject(b) || typeof b.id !== 'string') throw new Error(`${f}.id must be a string`);
      if (!(typeof b.requestsTotal === 'number' && Number.isFinite(b.requestsTotal) && b.requestsTotal >= 0)) throw new Error(`${f}.requestsTotal must be a number >= 0`);
      out.set(b.id, (out.get(b.id) ?? 0) + b.requestsTotal);
    });
  });
  return out;
}

export interface RequestRatesOptions {
  /** The balancers' admin base URLs (http://host:port). */
  lbUrls: readonly string[];
  now: () => number;
  /** How long one balancer may take to answer (default 2000). */
  timeoutMs?: number;
  /** Sent as a bearer token (a principal allowed lb.read). */
  token?: string;
  fetch?: typeof fetch;
}

/** Reads the balancers and hands out request rates since the previous read. */
export class RequestRates {
  readonly #o: RequestRatesOptions;
  readonly #last = new Map<string, Reading>();

  constructor(options: RequestRatesOptions) {
    this.#o = options;
  }

  /**
   * Requests per second per instance since the previous read, summed over the balancers, or
   * undefined when any balancer did not answer (a partial sum would understate the load). An
   * instance a balancer had not seen the previous time, or whose counter went back (the balancer
   * restarted), has no rate yet. The first read only sets the baseline.
   */
  async read(): Promise<{ rates: Map<string, number> } | { failed: string }> {
    const readings = await Promise.all(this.#o.lbUrls.map(async (url) => {
      try {
        return { url, reading: await this.#get(url) };
      } catch (err) {
        return { url, error: `${url}: ${(err as Error).message}` };
      }
    }));
    const failures: string[] = [];
    const rates = new Map<string, number>();
    const missing = new Set<string>();
    for (const r of readings) {
      if (!r.reading) {
        failures.push(r.error);
        this.#last.delete(r.url);
        continue;
      }
      const before = this.#last.get(r.url);
      this.#last.set(r.url, r.reading);
      const seconds = before ? (r.reading.atMs - before.atMs) / 1000 : 0;
      for (const [id, count] of r.reading.requests) {
        const was = before?.requests.get(id);
        if (was === undefined || count < was || seconds <= 0) missing.add(id);
        else rates.set(id, (rates.get(id) ?? 0) + (count - was) / seconds);
      }
    }
    if (failures.length > 0) return { failed: failures.join('; ') };
    for (const id of missing) rates.delete(id);
    return { rates };
  }

  async #get(url: string): Promise<Reading> {
    const get = this.#o.fetch ?? fetch;
    const res = await get(`${url.replace(/\/+$/, '')}/api/v1/stats`, { signal: AbortSignal.timeout(this.#o.timeoutMs ?? 2_000), ...(this.#o.token ? { headers: { authorization: `Bearer ${this.#o.token}` } } : {}) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const body: unknown = await res.json();
    return { atMs: this.#o.now(), requests: decodeLbStats(body) };
  }
}
