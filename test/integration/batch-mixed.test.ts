// Mixed workloads on a real master and process agent: a service role with a quota guarantee and a
// batch role filling the rest of the cluster. Scaling the service up (its guarantee raised with
// it) preempts preemptible batch tasks; they run again later and the run succeeds, the
// preemptions costing no attempt and no retry.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { testCluster } from '../helpers/cluster.js';
import { finished, runNow, submit, testBatch } from '../helpers/batch.js';
import { testService } from '../helpers/queue-service.js';
import { until } from '../helpers/poll.js';

async function guarantee(httpUrl: string, role: string, cpus: number, memMb: number): Promise<number> {
  const res = await fetch(`${httpUrl}/api/v1/roles/${role}`, { method: 'PUT', body: JSON.stringify({ weight: 1, quotaGuarantee: { cpus, memMb } }) });
  return res.status;
}

void t.test('scaling a guaranteed service up preempts batch tasks, which run again later and finish', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-mixed-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const gate = join(dir, 'gate');
  const { master } = await testCluster(t, 'process', { agents: 1, agentCpus: 4, allocationIntervalMs: 50 });

  // The service holds its guarantee: one instance of one cpu.
  t.equal(await guarantee(master.httpUrl, 'prod', 1, 32), 200);
  const service = testService(t, master.url, { role: 'prod', resources: { cpus: 1, memMb: 32 }, command: { value: 'sleep 600', shell: true } });
  service.scale(1);
  await until('one service instance running', () => service.running === 1, 20_000);

  // Batch fills the other three cpus; its tasks wait on a gate, so none ends on its own meanwhile.
  const fw = await testBatch(t, master.url, undefined, { roles: ['batch'] });
  await submit(fw, {
    id: '/fill', role: 'batch', preemptible: true, command: 'while [ ! -e "$GATE" ]; do sleep 0.05; done', env: { GATE: gate },
    resources: { cpus: 1, memMb: 16 }, parallelism: 3, completions: 6,
  });
  const { runId } = await runNow(fw, '/fill');
  const running = () => fw.scheduler.live.get(runId)?.tracker.runningTasks().length ?? 0;
  await until('batch fills the rest of the cluster', () => running() === 3, 20_000);

  // The service scales to three instances, and its guarantee with it: two batch tasks must go.
  t.equal(await guarantee(master.httpUrl, 'prod', 3, 96), 200);
  service.scale(3);
  await until('three service instances running', () => service.running === 3, 30_000);
  t.equal(master.master.counters.preemptions, 2, 'exactly the two cpus the guarantee lacked were preempted');
  t.equal(running(), 1, 'batch keeps the one cpu left');

  await writeFile(gate, '');
  const run = await finished(fw, runId, 60_000);
  t.equal(run.state, 'succeeded', run.reason);
  const outcome = run.outcome!;
  t.equal(outcome.succeeded, 6);
  t.equal(outcome.preempted, 2, 'the outcome counts the preemptions');
  t.match(run.reason, /6 of 6 tasks succeeded \(2 attempt\(s\) preempted, retried at no cost\)/);
  const preempted = outcome.attempts.filter((a) => a.result === 'preempted');
  t.equal(preempted.length, 2);
  t.ok(preempted.every((a) => /^preempted for a role below its quota guarantee/.test(a.message ?? '')), `the attempts say why: ${preempted.map((a) => a.message).join('; ')}`);
  t.same(outcome.attempts.filter((a) => a.result === 'failed' || a.result === 'killed'), [], 'no attempt counted as a failure');
  t.ok(outcome.attempts.every((a) => a.attempt === 1), 'every attempt is the first of its index: the preemptions used no retry (retries.limit is 0)');
  for (const p of preempted) {
    t.ok(outcome.attempts.some((a) => a.index === p.index && a.result === 'succeeded' && a.launchedMs >= p.endedMs!), `index ${p.index} ran again after its preemption and succeeded`);
  }
  t.equal(service.running, 3, 'the service kept its three instances');
});
