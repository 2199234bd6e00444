// Writes the synthetic trace shipped in bench/traces/ (synthetic-2000.csv) with a fixed seed, so
// the same file comes out every time: `node dist/bench/traces/make-trace.js [JOBS] [SEED]`
// prints it. Arrivals are a Poisson stream over about a minute, with a burst from 20 s to 30 s
// that asks for more than the default agents hold, so a queue builds and drains; most jobs are
// one small task, a few are bigger, about one in twenty is a gang of 2 to 8 tasks; durations are
// long-tailed.
import { mulberry32 } from '../random.js';

export function makeTrace(jobs: number, seed: number): string {
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  // About 28 jobs a second, three times as many in the burst: 2,000 jobs in about a minute.
  const gapS = (atS: number): number => (atS >= 20 && atS < 30 ? 0.012 : 0.036);
  const lines = ['# synthetic trace for `npm run bench -- replay`, made by bench/traces/make-trace.ts', `# jobs ${jobs}, seed ${seed}`, 'submitSeconds,cpus,memMb,durationSeconds,gangSize'];
  let at = 0;
  for (let i = 0; i < jobs; i++) {
    at += -Math.log(1 - random()) * gapS(at);
    const gang = random() < 0.05;
    const cpus = gang ? pick([2, 4]) : pick([0.5, 1, 1, 1, 2, 2, 4]);
    const memMb = cpus * pick([512, 1024, 2048]);
    // Log-uniform from 0.5 s to 20 s: many short tasks, a few long ones.
    const durationS = 0.5 * Math.exp(random() * Math.log(40));
    lines.push([at.toFixed(3), cpus, memMb, durationS.toFixed(2), gang ? 2 + Math.floor(random() * 7) : 1].join(','));
  }
  return `${lines.join('\n')}\n`;
}

const [jobs = '2000', seed = '12'] = process.argv.slice(2);
if (process.argv[1]?.endsWith('make-trace.js')) process.stdout.write(makeTrace(Number(jobs), Number(seed)));
