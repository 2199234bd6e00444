// Messages to an agent leave in the order the master decided them: a KILL sent in the same tick
// as its LAUNCH reaches the agent after the RunTask, so the task is killed, never lost and left
// running. A real agent with the process runtime.
import { execFileSync } from 'node:child_process';
import t from 'tap';
import { TaskState, isTerminal, stateName } from '../../protocol/index.js';
import { testCluster, testFramework } from '../helpers/cluster.js';
import { getState } from '../helpers/master.js';
import { until } from '../helpers/poll.js';

/** Processes whose command line contains marker. */
function processesWith(marker: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

t.test('a kill right after its launch (same tick) ends every task KILLED and leaves no process', async (t) => {
  const { master } = await testCluster(t, 'process', { agentCpus: 8, agentMemMb: 8192, allocationIntervalMs: 100 });
  const fw = await testFramework(t, master.url);
  const marker = `sleep 7${String(process.pid).padStart(6, '0')}`;
  t.teardown(() => {
    for (const pid of processesWith(marker)) process.kill(Number(pid), 'SIGKILL');
  });
  const offer = await fw.next('an offer', (e) => (e.type === 'offers' ? e.offers[0] : undefined));
  const ids = Array.from({ length: 40 }, (_, i) => `ko-${i}`);
  fw.client.launch([offer.id], ids.map((id) => ({ taskId: id, resources: { cpus: 0.1, memMb: 16 }, command: { value: marker, shell: true } })));
  for (const id of ids) fw.client.kill(id);
  const ends = await until('every task ended', () => {
    const last = new Map<string, number>();
    for (const e of fw.events) if (e.type === 'update' && e.status.taskId) last.set(e.status.taskId, e.status.state ?? 0);
    return ids.every((id) => isTerminal(last.get(id) ?? 0)) ? last : undefined;
  }, 30_000, 50);
  const byState = new Map<string, number>();
  for (const id of ids) byState.set(stateName(ends.get(id)), (byState.get(stateName(ends.get(id))) ?? 0) + 1);
  t.same(Object.fromEntries(byState), { KILLED: 40 }, 'every task KILLED');
  // A task the agent started after answering LOST would run on; give it time to show.
  await new Promise((r) => setTimeout(r, 1_500));
  t.same(processesWith(marker), [], 'no task process is left running');
  const state = await getState(master.httpUrl);
  t.same(state.tasks.filter((x) => !isTerminal(TaskState[`TASK_${x.state}` as keyof typeof TaskState])).map((x) => x.id), [], 'the master counts no task live');
});
