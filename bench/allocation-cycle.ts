// The master's allocation cycle at a steady launch rate, alone: N agents each holding one offer of
// one framework (as the latency bench's raw loop holds them), and before each triggered run a few
// of those offers used (the offer gone, a task charged to its agent and framework). CPU time per
// run (snapshot, allocator, offers), this build next to another build's dist/ (--baseline) in the
// same process, so the ratio holds on a shared machine.
import { parseFlags } from './flags.js';
import type { BenchReport } from './report.js';

const FLAGS = {
  agents: { kind: 'int', min: 1, max: 100_000, default: 5_000, help: 'agents, each holding one offer' },
  runs: { kind: 'int', min: 1, max: 100_000, default: 300, help: 'timed runs (after 20 untimed)' },
  changed: { kind: 'int', min: 1, max: 10_000, default: 20, help: 'offers used before each run' },
  baseline: { kind: 'string', help: "another build's dist/ folder, measured the same way" },
} as const;

const WARMUP_RUNS = 20;

interface Result {
  build: string;
  cpuMsPerRun: number;
  offersSent: number;
}

async function measure(dist: string, label: string, f: { agents: number; runs: number; changed: number }): Promise<Result> {
  const registry = (await import(`${dist}/master/registry.js`)) as typeof import('../master/registry.js');
  const { OfferBook } = (await import(`${dist}/master/offer-book.js`)) as typeof import('../master/offer-book.js');
  const { DrfAllocator } = (await import(`${dist}/master/allocator/index.js`)) as typeof import('../master/allocator/index.js');
  const { AllocationCycle } = (await import(`${dist}/master/allocation-cycle.js`)) as typeof import('../master/allocation-cycle.js');
  const { resources } = (await import(`${dist}/protocol/index.js`)) as typeof import('../protocol/index.js');
  type Deps = ConstructorParameters<typeof AllocationCycle>[0];
  const reg = new registry.Registry(100);
  // Only whether a channel is present matters to the cycle.
  const channel = {} as NonNullable<ReturnType<typeof reg.agents.get>>['channel'];
  for (let i = 0; i < f.agents; i++) {
    const a = registry.agentEntry({
      id: `a${i}`, registeredAtMs: 0, state: 'active',
      info: { hostname: `h${i}`, resources: resources.normalize({ cpus: 8, memMb: 16_384 }), attributes: {}, reservations: [] } as unknown as Parameters<typeof registry.agentEntry>[0]['info'],
    });
    // Builds before the registry's setters assigned the fields directly.
    const setters = reg as unknown as { setAgentChannel?: (x: typeof a, c: typeof channel) => void; addAgent?: (x: typeof a) => void };
    if (setters.setAgentChannel && setters.addAgent) {
      setters.setAgentChannel(a, channel);
      setters.addAgent(a);
    } else {
      (a as { channel: typeof channel }).channel = channel;
      reg.agents.set(a.record.id, a);
    }
  }
  const fw = registry.frameworkEntry({ id: 'f1', info: { name: 'f', roles: ['*'] } } as unknown as Parameters<typeof registry.frameworkEntry>[0]);
  fw.channel = channel;
  reg.frameworks.set('f1', fw);
  const offers = new OfferBook();
  let sent = 0;
  const quiet = { info: () => undefined, warn: () => undefined, debug: () => undefined };
  const cycle = new AllocationCycle({
    registry: reg, offers, allocator: new DrfAllocator(), roles: new Map(),
    settings: { minOffer: { cpus: 0.01, memMb: 1 }, offerTimeoutMs: 60_000, allocationMinGapMs: 20 },
    counters: { allocationRuns: 0, allocationMs: 0, offersMade: 0, preemptions: 0 },
    log: quiet as unknown as Deps['log'],
    outbox: { offers: (_: string, list: unknown[]) => (sent += list.length), toAgent: () => true } as unknown as Deps['outbox'],
    isLeading: () => true,
    rescind: () => undefined,
  });
  cycle.run();
  const task = resources.normalize({ cpus: 0.01, memMb: 1 });
  const charge = (m: Map<string, typeof task>): void => void m.set('*', resources.add(m.get('*') ?? resources.empty(), task));
  let cpu0 = process.cpuUsage();
  for (let r = 0; r < WARMUP_RUNS + f.runs; r++) {
    if (r === WARMUP_RUNS) {
      cpu0 = process.cpuUsage();
      sent = 0;
    }
    for (const o of offers.ofFramework('f1').slice(0, f.changed)) {
      offers.remove(o.id);
      charge((reg.agents.get(o.agentId) as NonNullable<ReturnType<typeof reg.agents.get>>).usedByRole as Map<string, typeof task>);
      (reg as unknown as { changedAgents?: Set<string> }).changedAgents?.add(o.agentId);
      charge(fw.allocated);
    }
    cycle.run(true);
  }
  const used = process.cpuUsage(cpu0);
  return { build: label, cpuMsPerRun: (used.user + used.system) / 1000 / f.runs, offersSent: sent };
}

export async function run(args: readonly string[] = []): Promise<BenchReport> {
  const f = parseFlags('allocation-cycle', args, FLAGS);
  const mine = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
  const results: Result[] = [];
  if (f.baseline) results.push(await measure(f.baseline.replace(/\/$/, ''), `baseline (${f.baseline})`, f));
  results.push(await measure(mine, 'this build', f));
  const base = f.baseline ? results[0] : undefined;
  return {
    bench: 'allocation-cycle',
    title: `the master's allocation cycle alone: ${f.agents} agents each holding one offer, ${f.changed} offers used before each run, CPU per run over ${f.runs} runs`,
    columns: ['build', 'cpu ms/run', 'vs baseline', 'offers sent'],
    rows: results.map((r) => [r.build, r.cpuMsPerRun, base ? `${(r.cpuMsPerRun / base.cpuMsPerRun).toFixed(2)}x` : '', r.offersSent]),
    results: { flags: f, runs: results },
    targets: [],
    notes: ['offers sent: the same in both builds means they made the same decisions on the same cluster'],
  };
}
