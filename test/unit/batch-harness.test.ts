// batch's pure modules driven together by the in-memory harness: runs, retries, the queue and
// a gang, over simulated time.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { parseJobs, type JobSpec } from '../../frameworks/batch/index.js';
import { BatchHarness, type Script } from '../helpers/batch-harness.js';

function job(text: string): JobSpec {
  const r = parseJobs(text);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.jobs[0]!;
}
const example = (name: string) => job(readFileSync(new URL(`../../examples/batch/${name}`, import.meta.url), 'utf8'));
const cores = (cpus: number) => ({ cpus, memMb: cpus * 1024, diskMb: 100_000 });

t.test('the 50-frame render finishes, 10 at a time, retrying the frames that fail', async (t) => {
  // Frames 7 and 23 fail on their first attempt; every attempt takes 60 s.
  const script: Script = (_job, index, attempt) => ({ runsMs: 60_000, end: attempt === 1 && (index === 7 || index === 23) ? { kind: 'failed', exitCode: 1 } : { kind: 'succeeded' } });
  const h = new BatchHarness({ a: cores(12), b: cores(12) }, script, 'media');
  const run = h.submit(example('parallel-render.yaml'), 'render-1');
  let most = 0;
  for (let now = 0; now <= 30 * 60_000 && run.state !== 'succeeded'; now += 5_000) {
    h.step(now);
    most = Math.max(most, h.running('render-1').length);
  }
  t.equal(run.state, 'succeeded');
  t.equal(most, 10, 'parallelism 10, though the pool holds 12');
  const out = run.outcome()!;
  t.equal(out.succeeded, 50);
  t.equal(out.attempts.length, 52);
  t.same(out.attempts.filter((a) => a.attempt === 2).map((a) => a.index).sort((x, y) => x - y), [7, 23]);
});

t.test('a gang waits for room, keeps its reservation against small jobs, and starts whole', async (t) => {
  const script: Script = (jobId) => ({ runsMs: jobId === '/filler' ? 100_000 : 50_000, end: { kind: 'succeeded' } });
  const h = new BatchHarness({ a: { cpus: 8, memMb: 16_384, diskMb: 0 }, b: { cpus: 8, memMb: 16_384, diskMb: 0 } }, script, 'ml');
  const filler = job('{"id":"/filler","command":"x","role":"ml","resources":{"cpus":8,"memMb":1},"taskDeadlineSeconds":100}');
  h.submit(filler, 'filler-1');
  h.step(0);
  const gang = h.submit(example('training-gang.json'), 'gang-1');
  const small = job('{"id":"/small","command":"x","role":"ml","resources":{"cpus":1,"memMb":1}}');
  let startedAt: number | undefined;
  for (let now = 10_000, i = 0; now <= 200_000 && startedAt === undefined; now += 10_000, i++) {
    h.submit(small, `small-${i}`);
    h.step(now);
    if (gang.state === 'running') startedAt = now;
  }
  t.equal(startedAt, 100_000, 'the filler ends at 100 s; the gang starts then, ahead of every small job');
  t.equal(h.running('gang-1').length, 4);
  t.same(new Set(h.launches.filter((l) => l.runId === 'gang-1').map((l) => l.atMs)), new Set([100_000]));
});

t.test('a preempted task is launched again without using an attempt', async (t) => {
  const h = new BatchHarness({ a: cores(4) }, () => ({ runsMs: 10_000, end: { kind: 'succeeded' } }));
  const run = h.submit(job('{"id":"/once","command":"x","resources":{"cpus":1,"memMb":1}}'), 'r');
  h.step(0);
  h.preempt(h.running('r')[0]!);
  h.step(1_000);
  t.equal(h.running('r').length, 1, 'relaunched at the next step, no backoff');
  h.step(11_000);
  t.equal(run.state, 'succeeded');
  t.same(run.outcome()!.attempts.map((a) => [a.attempt, a.result]), [[1, 'preempted'], [1, 'succeeded']]);
});
