// The scale bench's compact hollow pool against a real master over real WebSockets: its agents
// register, every task the bench's framework launches is reported RUNNING with an update the
// master acknowledges, and killed tasks are reported KILLED and forgotten.
import t from 'tap';
import { SchedulerClient, TaskState } from '../../frameworks/sdk/index.js';
import { HollowPool } from '../../bench/hollow-pool.js';
import { launchAll } from '../../bench/scale-framework.js';
import { getState, testMaster } from '../helpers/master.js';
import { until } from '../helpers/poll.js';

t.test('the pool registers, runs what is launched and has every update acknowledged', async (t) => {
  const master = await testMaster(t);
  const pool = new HollowPool({ masterUrl: master.url, offset: 0, count: 3, cpus: 8, memMb: 16_384, resendMs: 10_000 });
  await pool.start();
  t.teardown(() => pool.stop());
  t.equal(pool.size, 3);
  const result = await launchAll(master.url, { agents: 3, tasks: 30 }, 60_000);
  t.equal(result.running, 30);
  t.equal(result.failed, 0);
  t.same(result.disconnects, []);
  await until('every update acknowledged', () => pool.counters.acknowledged === pool.counters.updatesSent);
  t.equal(pool.counters.runTasks, 30);
  t.equal(pool.counters.resent, 0);
  const state = await getState(master.httpUrl);
  const hosts = state.agents.map((a) => a.hostname).sort();
  t.same(hosts, ['hollow-0', 'hollow-1', 'hollow-2']);
  // launchAll closes its framework, which leaves for good (no failover timeout): its tasks are killed.
  await until('the departed framework\'s tasks killed and forgotten', () => pool.running === 0);
  t.equal(pool.counters.kills, 30);
  t.ok((await getState(master.httpUrl)).tasks.every((task) => task.state !== 'RUNNING'), 'no task RUNNING on the master');
});

t.test('a task the framework kills is reported KILLED and forgotten once acknowledged', async (t) => {
  const master = await testMaster(t);
  const pool = new HollowPool({ masterUrl: master.url, offset: 10, count: 1, cpus: 4, memMb: 4_096, resendMs: 10_000 });
  await pool.start();
  t.teardown(() => pool.stop());
  const client = new SchedulerClient({ masterUrl: master.url, framework: { name: 'kill-test', roles: ['*'] } });
  t.teardown(() => client.close());
  const states: TaskState[] = [];
  for await (const event of client.events()) {
    if (event.type === 'offers') {
      const [offer] = event.offers;
      if (offer && states.length === 0) void client.launch([offer.id], [{ taskId: 'k1', resources: { cpus: 1, memMb: 64 }, command: { value: 'true', shell: true } }]);
    } else if (event.type === 'update') {
      states.push(event.status.state);
      if (event.status.state === TaskState.TASK_RUNNING) void client.kill('k1');
      if (event.status.state === TaskState.TASK_KILLED) break;
    }
  }
  t.same(states, [TaskState.TASK_RUNNING, TaskState.TASK_KILLED]);
  t.equal(pool.counters.kills, 1);
  await until('the killed task forgotten', () => pool.running === 0);
});

t.test('agents of given sizes register with those sizes (numbered with the offset); the rest with the default', async (t) => {
  const master = await testMaster(t);
  const sizes = [{ cpus: 1, memMb: 1 }, { cpus: 1, memMb: 1 }, { cpus: 2, memMb: 512 }, { cpus: 3, memMb: 1_024 }];
  const pool = new HollowPool({ masterUrl: master.url, offset: 2, count: 3, cpus: 8, memMb: 16_384, resendMs: 10_000, sizes });
  await pool.start();
  t.teardown(() => pool.stop());
  const state = await getState(master.httpUrl);
  const byHost = Object.fromEntries(state.agents.map((a) => [a.hostname, a.total.cpus]));
  t.same(byHost, { 'hollow-2': 2, 'hollow-3': 3, 'hollow-4': 8 });
});
