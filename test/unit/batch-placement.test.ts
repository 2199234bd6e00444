// planPlacement: offers and live runs in, launches out — the queue's order for plain runs, and
// gangs placed whole on their own bundle of offers or not at all.
import t from 'tap';
import { LiveRun } from '../../frameworks/batch/live-run.js';
import { planPlacement } from '../../frameworks/batch/placement.js';
import { parseJobs } from '../../frameworks/batch/index.js';
import type { BatchOffer } from '../../frameworks/batch/sdk-adapter.js';
import type { RunRecord } from '../../frameworks/batch/store/index.js';

function run(runId: string, spec: object, seq = 1): LiveRun {
  const parsed = parseJobs(JSON.stringify({ command: 'true', ...spec }));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const job = parsed.jobs[0]!;
  const record: RunRecord = { runId, jobId: job.id, spec: job, seq, params: {}, createdMs: 0, scheduledMs: undefined, workflowRunId: undefined, state: 'pending', reason: '', outcome: undefined };
  return new LiveRun(job, record);
}

const offer = (id: string, agentId: string, cpus: number, gangId = ''): BatchOffer => ({ id, agentId, role: '*', gangId, free: { cpus, memMb: 1024, diskMb: 0 } });

void t.test('higher priority first; what does not fit waits; unused offers are declined', async (t) => {
  const low = run('low', { id: '/low', resources: { cpus: 1, memMb: 10 }, parallelism: 2 }, 1);
  const high = run('high', { id: '/high', resources: { cpus: 1, memMb: 10 }, parallelism: 2, priority: 5 }, 2);
  const plan = planPlacement([offer('o1', 'a1', 3), offer('o2', 'a2', 0.5)], [low, high], 0);
  const started = plan.launches.flatMap((l) => l.tasks.map((x) => x.runId));
  t.same(started, ['high', 'high', 'low']);
  t.same(plan.launches.map((l) => l.offerIds), [['o1']]);
  t.same(plan.decline, ['o2']);
  t.ok(plan.held.some((h) => h.runId === 'low'));
});

void t.test('a gang is placed whole on its bundle, across agents, or not at all', async (t) => {
  const gang = run('g', { id: '/gang', resources: { cpus: 1, memMb: 10 }, parallelism: 4, gang: true });
  gang.gangId = 'g.g1';
  const short = planPlacement([offer('p1', 'a1', 3, 'g.g1')], [gang], 0);
  t.same(short.launches, [], 'three of four do not start');
  t.same(short.decline, ['p1']);
  const whole = planPlacement([offer('p1', 'a1', 3, 'g.g1'), offer('p2', 'a2', 1, 'g.g1'), offer('o3', 'a3', 8)], [gang], 0);
  t.same(whole.launches.map((l) => [l.agentId, l.offerIds, l.tasks.map((x) => x.index)]), [['a1', ['p1'], [0, 1, 2]], ['a2', ['p2'], [3]]]);
  t.same(whole.decline, ['o3'], 'plain offers are not used for a gang');
  const other = planPlacement([offer('p1', 'a1', 8, 'someone-else')], [gang], 0);
  t.same(other.decline, ['p1'], 'a bundle for no current gang is declined');
});

void t.test('a gang first in line reserves: later runs only backfill around it, and its capacity is declined for it', async (t) => {
  // a2 is busy until 100 s (a task with a 100 s deadline); the gang of two 4-cpu tasks needs a1 and a2.
  const busy = run('busy', { id: '/busy', resources: { cpus: 4, memMb: 10 }, taskDeadlineSeconds: 100 }, 1);
  busy.apply({ type: 'launch', index: 0, taskId: busy.nextTaskId(0), agentId: 'a2', atMs: 0 });
  const gang = run('g', { id: '/gang', resources: { cpus: 4, memMb: 10 }, parallelism: 2, gang: true }, 2);
  gang.gangId = 'g.g1';
  const long = run('long', { id: '/long', resources: { cpus: 1, memMb: 10 } }, 3);
  const short = run('short', { id: '/short', resources: { cpus: 1, memMb: 10 }, taskDeadlineSeconds: 10 }, 4);

  const blocked = planPlacement([offer('o1', 'a1', 4)], [busy, gang, long], 1_000);
  t.same(blocked.launches, [], 'a job behind the gang with no deadline does not take the gang\'s agent');
  t.same(blocked.decline, ['o1'], 'the gang\'s capacity goes back to the master, which offers it to the gang');
  t.match(blocked.held.find((h) => h.runId === 'g')?.reason, /gang waits for its bundle from the master: reserved/);
  t.match(blocked.held.find((h) => h.runId === 'long')?.reason, /reservation .*reserved for g/);

  const backfill = planPlacement([offer('o1', 'a1', 4)], [busy, gang, long, short], 1_000);
  t.same(backfill.launches.flatMap((l) => l.tasks.map((x) => [x.runId, x.agentId])), [['short', 'a1']], 'a job that ends before the gang could start backfills');

  const free = planPlacement([offer('o1', 'a1', 4), offer('o2', 'a2', 4)], [gang, long], 1_000);
  t.same(free.launches, [], 'a gang is never launched on plain offers, even when they would hold it');
  t.same(free.declineForGang.sort(), ['o1', 'o2'], 'they are declined without a filter, for the master to offer to the gang');
  t.same(free.decline, []);
  t.same(blocked.declineForGang, [], 'capacity only reserved for later is declined as usual');

  const withoutGang = planPlacement([offer('o1', 'a1', 4)], [busy, long], 1_000);
  t.same(withoutGang.launches.flatMap((l) => l.tasks.map((x) => x.runId)), ['long'], 'with no gang waiting the same job starts at once');
});
