// Every first write of a status update fails after it is durable (failpoint
// status.after-persist=error): the master neither acknowledges nor forwards it, the agent re-sends
// it, and the re-send, found durable already, is acknowledged and forwarded. So the framework
// hears each state exactly once, and nothing is left unacknowledged on the agent.
import t from 'tap';
import { Failpoints } from '../../master/index.js';
import { TaskState as S } from '../../protocol/index.js';
import { testAgent, testFramework } from '../helpers/cluster.js';
import { testMaster } from '../helpers/master.js';
import { until } from '../helpers/poll.js';

const TASKS = 4;

void t.test('status updates whose first write fails after persisting reach the framework once each', async (t) => {
  const master = await testMaster(t, { allocationIntervalMs: 50, failpoints: Failpoints.parse('status.after-persist=error') });
  const agent = await testAgent(t, master.url, 'process', { cpus: 4 });
  const fw = await testFramework(t, master.url);
  const offer = await fw.next('an offer', (e) => (e.type === 'offers' ? e.offers[0] : undefined));
  const ids = Array.from({ length: TASKS }, (_, i) => `err-${i}`);
  await fw.client.launch([offer.id], ids.map((taskId) => ({ taskId, resources: { cpus: 0.1, memMb: 16 }, command: { value: 'true', shell: true } })));
  for (const id of ids) await fw.next(`${id} FINISHED`, (e) => (e.type === 'update' && e.status.taskId === id && e.status.state === S.TASK_FINISHED ? true : undefined));
  await until('the agent has nothing left to re-send', () => agent.pendingUpdates().length === 0 || undefined);
  for (const id of ids) {
    t.same(fw.updates(id), [String(S.TASK_STARTING), String(S.TASK_RUNNING), String(S.TASK_FINISHED)], `${id}: each state once, in order`);
  }
});
