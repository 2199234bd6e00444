// services: berth's services framework next to Docker Swarm on the same engine, in the same run,
// with the same 10-instance busybox httpd service, health check interval and stop grace period:
// (1) from `docker kill` of one container until its replacement is running and healthy, and
// (2) a rolling upgrade of all 10, one at a time (Swarm: --update-parallelism 1, stop-first).
import { measureBerth } from './services-berth.js';
import { SERVICES_BENCH } from './services-shape.js';
import { measureSwarm } from './services-swarm.js';
import { percentile, type BenchReport } from './report.js';

const median = (xs: readonly number[]): number => percentile([...xs].sort((a, b) => a - b), 50);

export async function run(): Promise<BenchReport> {
  const b = SERVICES_BENCH;
  const progress = (line: string): void => void process.stderr.write(`services: ${line}\n`);
  const berth = await measureBerth(progress);
  const swarm = await measureSwarm({
    replicas: b.instances,
    image: b.image,
    healthIntervalMs: b.healthIntervalS * 1000,
    stopGraceMs: b.stopGraceS * 1000,
    kills: b.selfHealRounds,
    log: progress,
  });
  const s = (ms: number): string => (ms / 1000).toFixed(2);
  const heal = { berth: median(berth.selfHealMs), swarm: median(swarm.selfHealMs) };
  const speedup = swarm.rollingMs / berth.rollingMs;
  return {
    bench: 'services',
    title: `a ${b.instances}-instance httpd service, health checked every ${b.healthIntervalS} s, stop grace ${b.stopGraceS} s: berth's services framework next to Docker Swarm on the same engine`,
    columns: ['orchestrator', 'self-heal s (median)', 'self-heal s (each)', `rolling upgrade of ${b.instances} s`],
    rows: [
      ['berth', s(heal.berth), berth.selfHealMs.map(s).join(' '), s(berth.rollingMs)],
      ['docker swarm', s(heal.swarm), swarm.selfHealMs.map(s).join(' '), s(swarm.rollingMs)],
    ],
    results: { shape: b, berth, swarm, rollingSpeedup: speedup },
    targets: [
      { name: 'self-heal, berth / swarm (medians)', value: Number((heal.berth / heal.swarm).toFixed(2)), unit: 'x', op: '<=', target: 1 },
      { name: 'rolling upgrade, swarm / berth', value: Number(speedup.toFixed(2)), unit: 'x', op: '>=', target: 2 },
    ],
    notes: [
      'self-heal: from docker kill until a replacement is running and healthy; rolling: from the update until every instance of the new version is healthy',
      'Swarm spends about 5 s per replica in an update here; a shorter --update-monitor (500 ms) did not change it',
    ],
  };
}
