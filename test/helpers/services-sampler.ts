// Samples a service every 100 ms from two sides: what the framework believes (`view()`: running
// and healthy instances, by version) and, independently, what answers over HTTP (every task the
// master has for the framework, asked on its port for the page that names it). Tests assert on
// the minimums and maximums of the whole series.
import type { ServicesControl } from '../../frameworks/services/index.js';
import { dockerClient } from './docker.js';
import { getState } from './master.js';
import { getPage } from './services-httpd.js';
import { available } from './services-apply.js';

export interface Sample {
  atMs: number;
  /** Instances the framework sees running and healthy. */
  viewHealthy: number;
  /** The same, by spec version. */
  viewByVersion: Record<number, number>;
  /** Non-terminal instances the framework sees (staging to killing). */
  viewLive: number;
  /** Tasks of the framework the master has that answer with their own page (and are ready, with readyPath). */
  httpServing: number;
  /** The same, by the tag their page shows. */
  httpByTag: Record<string, number>;
  /** The live tasks that did not count as serving, and why (refused, a timeout, not ready...). */
  httpMisses: string[];
  /** Tasks of the framework the master has that are not terminal. */
  masterLive: number;
  /** Running Docker containers labelled with the framework's id (when asked for). */
  containers: number | undefined;
}

export interface SamplerOptions {
  serviceId: string;
  masterHttpUrl: string;
  /** Where the framework's view comes from; omitted when it runs in another process. */
  control?: ServicesControl;
  /** The framework's name at the master. Default 'services'. */
  frameworkName?: string;
  everyMs?: number;
  /** Also count the framework's running containers in Docker. */
  containers?: boolean;
  /** When set, a task counts as serving over HTTP only once this path answers 200 too (readiness). */
  readyPath?: string;
}

const TERMINAL = new Set(['FINISHED', 'FAILED', 'KILLED', 'ERROR', 'LOST', 'DROPPED', 'GONE', 'GONE_BY_OPERATOR']);

export class ServiceSampler {
  readonly samples: Sample[] = [];
  readonly #o: SamplerOptions;
  #running = false;
  #loop: Promise<void> | undefined;
  #failure: unknown;

  constructor(o: SamplerOptions) {
    this.#o = o;
  }

  start(): this {
    if (this.#running) return this;
    this.#running = true;
    this.#loop = this.#run();
    return this;
  }

  /** Stops sampling; rejects if a sample could not be taken (a gap would hide a dip). */
  async stop(): Promise<Sample[]> {
    this.#running = false;
    await this.#loop;
    if (this.#failure !== undefined) throw new Error('sampling failed', { cause: this.#failure });
    return this.samples;
  }

  /** The smallest value of one measure over the samples (from index `from`). */
  min(pick: (s: Sample) => number, from = 0): number {
    return Math.min(...this.samples.slice(from).map(pick));
  }

  max(pick: (s: Sample) => number, from = 0): number {
    return Math.max(...this.samples.slice(from).map(pick));
  }

  /** The sample where a measure was lowest, for failure messages. */
  lowest(pick: (s: Sample) => number): Sample | undefined {
    return this.samples.reduce<Sample | undefined>((low, s) => (low === undefined || pick(s) < pick(low) ? s : low), undefined);
  }

  /** The longest time between two samples, for the test's comments. */
  longestGapMs(): number {
    let gap = 0;
    for (let k = 1; k < this.samples.length; k++) gap = Math.max(gap, (this.samples[k]?.atMs ?? 0) - (this.samples[k - 1]?.atMs ?? 0));
    return gap;
  }

  /** Waits until `n` more samples have been taken. */
  async more(n: number): Promise<void> {
    const target = this.samples.length + n;
    while (this.#running && this.samples.length < target) await delay(this.#o.everyMs ?? 100);
  }

  async #run(): Promise<void> {
    const every = this.#o.everyMs ?? 100;
    while (this.#running) {
      const started = Date.now();
      try {
        this.samples.push(await this.#sample(started));
      } catch (err) {
        this.#failure = err;
        this.#running = false;
        return;
      }
      await delay(Math.max(0, every - (Date.now() - started)));
    }
  }

  async #sample(atMs: number): Promise<Sample> {
    const { control, serviceId } = this.#o;
    const viewByVersion: Record<number, number> = {};
    let viewHealthy = 0;
    let viewLive = 0;
    if (control) {
      for (const i of available(control, serviceId)) {
        viewByVersion[i.version] = (viewByVersion[i.version] ?? 0) + 1;
        viewHealthy++;
      }
      viewLive = control.view().instances.filter((i) => i.serviceId === serviceId && ['staging', 'starting', 'running', 'killing'].includes(i.state)).length;
    }
    const state = await getState(this.#o.masterHttpUrl);
    const fw = state.frameworks.find((f) => f.name === (this.#o.frameworkName ?? 'services'));
    const tasks = state.tasks.filter((x) => x.frameworkId === fw?.id && !TERMINAL.has(x.state));
    const httpMisses: string[] = [];
    const pages = await Promise.all(tasks.map(async (x) => {
      const port = x.resources.ports?.[0]?.begin;
      if (typeof port !== 'number') return undefined;
      const readyPath = this.#o.readyPath;
      const [page, ready] = await Promise.all([getPage(port), readyPath === undefined ? undefined : getPage(port, readyPath)]);
      const miss = !page.ok ? page.why : page.taskId !== x.id ? `another page: ${page.taskId}` : ready && !ready.ok ? ready.why : undefined;
      if (miss === undefined && page.ok) return page;
      httpMisses.push(`${x.id} (${x.state}): ${miss ?? ''}`);
      return undefined;
    }));
    const httpByTag: Record<string, number> = {};
    for (const p of pages) if (p) httpByTag[p.tag] = (httpByTag[p.tag] ?? 0) + 1;
    const containers = this.#o.containers && fw ? await runningContainers(fw.id) : undefined;
    return { atMs, viewHealthy, viewByVersion, viewLive, httpServing: pages.filter(Boolean).length, httpByTag, httpMisses, masterLive: tasks.length, containers };
  }
}

/** Running containers Docker has for a framework (the agents label them with its id). */
export async function runningContainers(frameworkId: string): Promise<number> {
  const list = await dockerClient().listContainers({ filters: { label: [`berth.framework_id=${frameworkId}`], status: ['running'] } });
  return list.length;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
