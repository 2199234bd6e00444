// The stack of the traffic tests: a services cluster on Docker agents, the services framework with
// its HTTP API (which serves the endpoints the load balancer follows), and a load balancer in this
// process; plus what the tests read of them: the endpoints document, the load balancer's stats, and
// a load client aimed at a service port.
import type { Test } from 'tap';
import { MemoryServicesStore, startServicesFramework, type Instance, type ServicesFramework, type ServicesRuntime } from '../../frameworks/services/index.js';
import { startLoadBalancer, type ServicePortStats } from '../../frameworks/services/lb/index.js';
import { HttpLoad, type HttpLoadOptions, type LoadSummary } from './http-load.js';
import { testLogger } from './log.js';
import { until } from './poll.js';
import { available, untilStable } from './services-apply.js';
import { servicesCluster, type ServicesCluster, type ServicesClusterOptions } from './services-cluster.js';

/** GET /api/v1/stats of the load balancer's admin port. */
export interface LbStats {
  services: ServicePortStats[];
}

export interface TrafficStack {
  cluster: ServicesCluster;
  framework: ServicesFramework;
  runtime: ServicesRuntime;
  /** The load balancer's admin URL (stats, metrics). */
  lbAdminUrl: string;
}

/** Starts the cluster, the services framework with its API, and a load balancer on 127.0.0.1; all stopped at test end. */
export async function trafficStack(t: Test, o: ServicesClusterOptions): Promise<TrafficStack> {
  const cluster = await servicesCluster(t, o);
  const framework = await startServicesFramework({
    masterUrl: cluster.master.url,
    store: new MemoryServicesStore(),
    http: { port: 0 },
    log: testLogger(),
    clusterPollMs: 300,
  });
  t.teardown(() => framework.stop());
  const lb = await startLoadBalancer({ servicesUrl: framework.url, host: '127.0.0.1', adminPort: 0 });
  t.teardown(() => lb.close());
  return { cluster, framework, runtime: framework.runtime, lbAdminUrl: lb.adminUrl };
}

export async function lbStats(adminUrl: string): Promise<LbStats> {
  const res = await fetch(`${adminUrl}/api/v1/stats`);
  if (res.status !== 200) throw new Error(`GET ${adminUrl}/api/v1/stats: ${res.status} ${await res.text()}`);
  return (await res.json()) as LbStats;
}

/** The backends the load balancer sends new connections to on `servicePort` (listed, not draining), sorted; none while it does not listen. */
export async function lbRotation(adminUrl: string, servicePort: number): Promise<string[]> {
  const s = (await lbStats(adminUrl)).services.find((x) => x.servicePort === servicePort);
  if (!s?.listening) return [];
  return s.backends.filter((b) => !b.draining).map((b) => b.id).sort();
}

/** The service's endpoints document: the ids in rotation and those draining. */
export async function endpointIds(frameworkUrl: string, serviceId: string): Promise<{ endpoints: string[]; draining: string[] }> {
  const res = await fetch(`${frameworkUrl}/api/v1/services${serviceId}/endpoints`);
  if (res.status !== 200) throw new Error(`GET endpoints of ${serviceId}: ${res.status} ${await res.text()}`);
  const doc = (await res.json()) as { endpoints: { id: string }[]; draining: { id: string }[] };
  return { endpoints: doc.endpoints.map((e) => e.id).sort(), draining: doc.draining.map((e) => e.id).sort() };
}

/** Waits until the endpoints document and the load balancer both have exactly `ids` in rotation. */
export async function untilRotation(stack: TrafficStack, serviceId: string, servicePort: number, ids: readonly string[], timeoutMs = 10_000): Promise<void> {
  const want = [...ids].sort().join(',');
  let seen = '';
  await until(`${serviceId} in rotation: ${want}`, async () => {
    const doc = await endpointIds(stack.framework.url, serviceId);
    const lb = await lbRotation(stack.lbAdminUrl, servicePort);
    seen = `endpoints ${doc.endpoints.join(',')} draining ${doc.draining.join(',')}; lb ${lb.join(',')}`;
    return doc.endpoints.join(',') === want && lb.join(',') === want;
  }, timeoutMs, 50).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}; last seen ${seen}`, { cause: err });
  });
}

/**
 * Waits until the service is stable with `count` available instances and exactly those are in
 * rotation, in the endpoints and at the load balancer; returns them.
 */
export async function untilServing(stack: TrafficStack, serviceId: string, servicePort: number, count: number, timeoutMs = 90_000): Promise<Instance[]> {
  await untilStable(stack.runtime, serviceId, count, timeoutMs);
  const instances = available(stack.runtime, serviceId);
  await untilRotation(stack, serviceId, servicePort, instances.map((i) => i.id));
  return instances;
}

export interface Episode<T> {
  /** What `change` returned. */
  value: T;
  startMs: number;
  /** When `change` resolved: the change is done and the rotation settled. */
  settledAtMs: number;
  /** The requests started from `startMs` to `settledAtMs`. */
  during: LoadSummary;
  /** The requests started after it. */
  after: LoadSummary;
  all: LoadSummary;
}

/**
 * Runs `change` (the change and the wait for its end) while `load` goes on, after 50 requests
 * before it and with 100 more after it; then stops the load and says what it saw in `t`'s comments.
 */
export async function underLoad<T>(t: Test, load: HttpLoad, what: string, change: () => Promise<T>): Promise<Episode<T>> {
  await load.more(50);
  const startMs = Date.now();
  const value = await change();
  const settledAtMs = Date.now();
  await load.more(100);
  const all = await load.stop();
  const during = load.summary(startMs, settledAtMs);
  t.comment(`during ${what} (${settledAtMs - startMs} ms): ${load.describe(during)}`);
  t.comment(`in all: ${load.describe(all)}`);
  if (all.failures > 0) t.comment(`failures: ${JSON.stringify(load.failures().slice(0, 20).map((f) => ({ code: f.code, atMs: f.startMs - startMs, loop: f.loop })))}`);
  return { value, startMs, settledAtMs, during, after: load.summary(settledAtMs), all };
}

/** A load client on 127.0.0.1:servicePort, started; stopped at test end if the test did not. */
export function startLoad(t: Test, servicePort: number, o: Partial<HttpLoadOptions> = {}): HttpLoad {
  const load = new HttpLoad({ host: '127.0.0.1', port: servicePort, concurrency: 4, timeoutMs: 2_000, ...o }).start();
  t.teardown(async () => {
    if (load.running) await load.stop();
  });
  return load;
}
