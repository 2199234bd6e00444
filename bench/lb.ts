// lb: berth lb next to HAProxy (TCP mode, round robin, one thread) over the same busybox httpd
// backends, with wrk at 1, 16 and 128 connections, and wrk straight at one backend as the floor.
// busybox httpd closes each connection after its response, so every request is a new connection
// through the proxy: this measures connection setup and proxying together. Also the cost of
// counting HTTP requests (the request-line check per chunk), measured alone.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { looksLikeHttp, startsRequest } from '../frameworks/services/lb/index.js';
import { freePort, procStat } from './cluster-kit.js';
import { parseFlags, UsageError } from './flags.js';
import { berthLb, busyboxBackends, haproxy, staticEndpointsStream, untilListening, wrk, type Proc } from './lb-kit.js';
import type { BenchReport, Target } from './report.js';

const FLAGS = {
  backends: { kind: 'int', min: 1, max: 32, default: 2, help: 'busybox httpd backends' },
  seconds: { kind: 'int', min: 1, max: 600, default: 5, help: 'how long wrk runs at each connection count, per target' },
  connections: { kind: 'string', default: '1,16,128', help: 'wrk connection counts, comma-separated' },
  threads: { kind: 'int', min: 1, max: 64, default: 2, help: 'wrk threads (at most the connections)' },
  algorithm: { kind: 'string', default: 'round-robin', help: 'berth lb algorithm: round-robin or least-connections' },
  forwarding: { kind: 'string', help: "berth lb's --forwarding, handles or streams (without it: berth lb's default)" },
  rounds: { kind: 'int', min: 1, max: 20, default: 1, help: 'runs of each target per connection count, taken in turn; the table shows the median run (by rps)' },
} as const;

const RPS_TARGET = 0.7;
const P99_TARGET = 2;

type Kind = 'direct' | 'berth lb' | 'haproxy';

interface Row {
  connections: number;
  target: Kind;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** The proxy process's CPU over the run, 100 = one core. */
  proxyCpuPercent: number | undefined;
}

/** ns per call of the request-line checks on a typical request chunk and on a body chunk. */
function countingCost(): { firstChunkNs: number; nextChunkNs: number } {
  const request = Buffer.from('GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: wrk\r\n\r\n');
  const body = Buffer.alloc(16 * 1024, 0x61);
  const n = 2_000_000;
  let seen = 0;
  const time = (f: () => void): number => {
    const t0 = performance.now();
    f();
    return ((performance.now() - t0) * 1e6) / n;
  };
  const firstChunkNs = time(() => {
    for (let i = 0; i < n; i++) if (looksLikeHttp(request)) seen++;
  });
  const nextChunkNs = time(() => {
    for (let i = 0; i < n; i++) if (startsRequest(i % 2 ? request : body)) seen++;
  });
  if (seen !== n + n / 2) throw new Error(`the request checks answered wrongly (${seen})`);
  return { firstChunkNs, nextChunkNs };
}

/** The run with the median rps (the lower middle one of an even count). */
function median(runs: Row[]): Row {
  const sorted = [...runs].sort((a, b) => a.rps - b.rps);
  return sorted[Math.floor((sorted.length - 1) / 2)] as Row;
}

async function measure(url: string, connections: number, threads: number, seconds: number, target: Kind, proxy: Proc | undefined): Promise<Row> {
  const before = proxy ? procStat(proxy.pid).cpuSeconds : 0;
  const r = await wrk(url, connections, threads, seconds);
  const cpu = proxy ? ((procStat(proxy.pid).cpuSeconds - before) / seconds) * 100 : undefined;
  return { connections, target, rps: r.rps, p50Ms: r.p50Ms, p99Ms: r.p99Ms, errors: r.errors, proxyCpuPercent: cpu };
}

export async function run(args: readonly string[]): Promise<BenchReport> {
  const f = parseFlags('lb', args, FLAGS);
  const levels = f.connections.split(',').map((c) => Number(c.trim()));
  if (!levels.every((c) => Number.isInteger(c) && c >= 1 && c <= 10_000)) throw new UsageError(`--connections must be whole numbers from 1 to 10000 separated by commas, got ${JSON.stringify(f.connections)}`);
  if (f.forwarding !== undefined && !['handles', 'streams'].includes(f.forwarding)) throw new UsageError(`--forwarding must be handles or streams, got ${JSON.stringify(f.forwarding)}`);
  if (!['round-robin', 'least-connections'].includes(f.algorithm)) throw new UsageError(`--algorithm must be round-robin or least-connections, got ${JSON.stringify(f.algorithm)}`);
  const dir = await mkdtemp(join(tmpdir(), 'berth-bench-lb-'));
  const procs: Proc[] = [];
  let stream: Awaited<ReturnType<typeof staticEndpointsStream>> | undefined;
  try {
    const ports = await Promise.all(Array.from({ length: f.backends }, () => freePort()));
    procs.push(...(await busyboxBackends(dir, ports)));
    const [lbPort, haPort] = [await freePort(), await freePort()];
    stream = await staticEndpointsStream([{
      id: '/bench/web', dnsName: 'web.bench.services.berth', algorithm: f.algorithm, servicePorts: { http: lbPort }, killGracePeriodSeconds: 5, draining: [],
      endpoints: ports.map((p, i) => ({ id: `web-${i}`, host: '127.0.0.1', hostname: 'localhost', agentId: 'bench', ports: { http: p }, version: 1 })),
    }]);
    const lb = await berthLb(stream.url, f.algorithm, f.forwarding);
    procs.push(lb);
    await untilListening(lbPort, lb, 'berth lb');
    const ha = await haproxy(dir, haPort, ports);
    procs.push(ha);
    const rows: Row[] = [];
    const targetsOf: [Kind, number, Proc | undefined][] = [['direct', ports[0] as number, undefined], ['berth lb', lbPort, lb], ['haproxy', haPort, ha]];
    for (const c of levels) {
      const runs = new Map<Kind, Row[]>(targetsOf.map(([k]) => [k, []]));
      // In turn, so that the machine's drift falls on every target alike.
      for (let r = 0; r < f.rounds; r++) {
        for (const [kind, port, proc] of targetsOf) runs.get(kind)!.push(await measure(`http://127.0.0.1:${port}/`, c, f.threads, f.seconds, kind, proc));
      }
      for (const [kind] of targetsOf) rows.push(median(runs.get(kind)!));
    }
    const stats = (await (await fetch(`${lb.adminUrl}/api/v1/stats`)).json()) as { services: { requestsTotal: number; connectionsTotal: number }[] };
    const cost = countingCost();
    const at = (c: number, k: Kind) => rows.find((r) => r.connections === c && r.target === k) as Row;
    const targets: Target[] = levels.flatMap((c) => [
      { name: `berth lb rps / haproxy rps at ${c} connections`, value: at(c, 'berth lb').rps / at(c, 'haproxy').rps, unit: 'x', op: '>=' as const, target: RPS_TARGET },
      { name: `berth lb p99 / haproxy p99 at ${c} connections`, value: at(c, 'berth lb').p99Ms / at(c, 'haproxy').p99Ms, unit: 'x', op: '<=' as const, target: P99_TARGET },
    ]);
    const lbRps = rows.filter((r) => r.target === 'berth lb');
    const meanLbRps = lbRps.reduce((n, r) => n + r.rps, 0) / lbRps.length;
    return {
      bench: 'lb',
      title: `wrk through berth lb and HAProxy (mode tcp, roundrobin, nbthread 1) over ${f.backends} busybox httpd backends, ${f.seconds} s per run, median of ${f.rounds}, ${f.algorithm}, forwarding ${f.forwarding ?? 'default'}`,
      columns: ['connections', 'target', 'rps', 'p50 ms', 'p99 ms', 'errors', 'proxy cpu %', 'rps / haproxy', 'p99 / haproxy'],
      rows: rows.map((r) => {
        const h = at(r.connections, 'haproxy');
        return [r.connections, r.target, r.rps, r.p50Ms, r.p99Ms, r.errors, r.proxyCpuPercent ?? '-', r.target === 'direct' ? '-' : r.rps / h.rps, r.target === 'direct' ? '-' : r.p99Ms / h.p99Ms];
      }),
      results: {
        backends: f.backends,
        seconds: f.seconds,
        algorithm: f.algorithm,
        forwarding: f.forwarding ?? 'default',
        rounds: f.rounds,
        rows,
        lbCounted: stats.services[0] ?? null,
        requestCounting: { ...cost, shareOfOneCoreAtMeanLbRps: (cost.firstChunkNs * meanLbRps) / 1e9 },
      },
      targets,
      notes: [
        'direct is wrk at one backend alone; its column of ratios is empty. busybox httpd closes each connection, so every request is a new connection.',
        `counting HTTP requests: ${cost.firstChunkNs.toFixed(1)} ns for a connection's first chunk, ${cost.nextChunkNs.toFixed(1)} ns per later chunk; at berth lb's mean ${meanLbRps.toFixed(0)} rps that is ${((cost.firstChunkNs * meanLbRps) / 1e7).toFixed(4)}% of one core.`,
        `berth lb counted ${stats.services[0]?.requestsTotal ?? 0} requests on ${stats.services[0]?.connectionsTotal ?? 0} connections (wrk's own warm-up connections included).`,
        'the machine is shared: absolute numbers drift, the ratios to HAProxy in the same run are what the targets read.',
      ],
    };
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await stream?.close();
    await rm(dir, { recursive: true, force: true });
  }
}
