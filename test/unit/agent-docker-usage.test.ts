// A Docker stats answer as a usage sample: cpuPercent is relative to one core (100 = one core) on
// any host size, so a container limited to some cpus tops out near cpus × 100.
import t from 'tap';
import type Docker from 'dockerode';
import { usageOf } from '../../agent/runtime/docker-spec.js';

const SECOND_NS = 1e9;

/** Stats between two readings a second apart: the container used `coresUsed` on a host of `hostCores`. */
function stats(coresUsed: number, hostCores: number, over: { onlineCpus?: number; percpu?: number; read?: string; memory?: object } = {}): Docker.ContainerStats {
  const before = { cpu_usage: { total_usage: 7 * SECOND_NS, ...(over.percpu ? { percpu_usage: Array(over.percpu).fill(0) } : {}) }, system_cpu_usage: 1000 * SECOND_NS, online_cpus: over.onlineCpus ?? hostCores };
  return {
    read: over.read ?? '2026-12-01T15:00:01.000Z',
    precpu_stats: before,
    cpu_stats: {
      ...before,
      cpu_usage: { ...before.cpu_usage, total_usage: before.cpu_usage.total_usage + coresUsed * SECOND_NS },
      system_cpu_usage: before.system_cpu_usage + hostCores * SECOND_NS,
    },
    memory_stats: over.memory ?? { usage: 64 * 2 ** 20, stats: { inactive_file: 16 * 2 ** 20 } },
  } as unknown as Docker.ContainerStats;
}

const CASES: { name: string; s: Docker.ContainerStats; cpuPercent: number }[] = [
  { name: 'half a core on a 2-core host', s: stats(0.5, 2), cpuPercent: 50 },
  { name: 'half a core on a 16-core host', s: stats(0.5, 16), cpuPercent: 50 },
  { name: 'a container limited to 0.25 cpus, saturated', s: stats(0.25, 2), cpuPercent: 25 },
  { name: 'two full cores on an 8-core host', s: stats(2, 8), cpuPercent: 200 },
  { name: 'idle', s: stats(0, 4), cpuPercent: 0 },
  { name: 'cgroup v1: the cores from percpu_usage', s: stats(1, 4, { onlineCpus: 0, percpu: 4 }), cpuPercent: 100 },
];

for (const c of CASES) {
  t.test(c.name, async (t) => {
    const u = usageOf(c.s);
    t.ok(u);
    t.ok(Math.abs(u!.cpuPercent - c.cpuPercent) < 1e-6, `cpuPercent ${u!.cpuPercent}, want ${c.cpuPercent}`);
    t.equal(u!.atMs, Date.parse('2026-12-01T15:00:01.000Z'));
  });
}

t.test('memory leaves out the reclaimable page cache', async (t) => {
  t.equal(usageOf(stats(0, 2))!.memBytes, 48 * 2 ** 20);
  t.equal(usageOf(stats(0, 2, { memory: { usage: 10, stats: { total_inactive_file: 20 } } }))!.memBytes, 0, 'never negative');
});

t.test('a stopped container has no sample', async (t) => {
  t.equal(usageOf(stats(0, 2, { read: '0001-01-01T00:00:00Z' })), undefined);
});

t.test('a first reading without a previous one is 0, not a guess', async (t) => {
  const s = stats(1, 2);
  (s as unknown as { precpu_stats: { system_cpu_usage: number } }).precpu_stats.system_cpu_usage = (s.cpu_stats as unknown as { system_cpu_usage: number }).system_cpu_usage;
  t.equal(usageOf(s)!.cpuPercent, 0);
});
