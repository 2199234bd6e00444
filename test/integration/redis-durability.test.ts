// What apply() acknowledged survives kill -9 of Redis running with appendonly + appendfsync always
// (how the master's Redis should be configured: an acknowledged write is on disk).
import t from 'tap';
import { ErrorCode } from '../../protocol/index.js';
import { RedisStore, type StateChange, type TaskRecord } from '../../master/store/index.js';
import { startRedis, uniquePrefix } from '../helpers/redis.js';
import { elect, sampleState } from './store-contract.js';

const BATCHES = 200;
const PER_BATCH = 5;
const IN_FLIGHT = 8;

void t.test('acknowledged applies survive kill -9 and a restart on the same dir', async (t) => {
  const redis = await startRedis(t, { appendonly: true });
  if (!redis) return;
  const keyPrefix = uniquePrefix('durable');
  const open = async (): Promise<RedisStore> => {
    const store = await RedisStore.open({ url: redis.url, keyPrefix, commandTimeoutMs: 2_000 });
    t.teardown(() => store.close());
    return store;
  };
  const store = await open();
  const { epoch } = await elect(t, store, 'a');
  const base = sampleState().tasks[0]!;
  const task = (id: string, n: number): TaskRecord => ({ ...base, taskId: id, launchedAtMs: n });
  const acknowledged = new Map<string, TaskRecord>();

  // One at a time: each batch awaited before the next.
  for (let b = 0; b < BATCHES; b++) {
    const tasks = Array.from({ length: PER_BATCH }, (_, i) => task(`seq-${b}-${i}`, b));
    await store.apply(epoch, tasks.map((x): StateChange => ({ type: 'task.put', task: x })));
    for (const x of tasks) acknowledged.set(x.taskId, x);
  }

  // Then several in flight at once, and Redis killed while some are unanswered: only what was
  // acknowledged before the kill is promised.
  let killed = false;
  let pipelinedAcks = 0;
  let failures = 0;
  const writer = async (w: number): Promise<void> => {
    for (let b = 0; !killed; b++) {
      const x = task(`par-${w}-${b}`, b);
      try {
        await store.apply(epoch, [{ type: 'task.put', task: x }]);
        acknowledged.set(x.taskId, x); // even one answered just as the kill landed was fsynced first
        if (++pipelinedAcks === 300) {
          killed = true;
          process.kill(redis.pid, 'SIGKILL');
        }
      } catch (err) {
        t.match(err, { code: ErrorCode.STORE_UNAVAILABLE }, 'a write cut off by the crash is reported unavailable');
        failures++;
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, (_, w) => writer(w)));
  await redis.kill(); // reaps the process
  t.ok(pipelinedAcks >= 300, `${pipelinedAcks} pipelined applies acknowledged before the kill (${failures} cut off)`);

  await redis.restart();
  const after = await open();
  const loaded = new Map((await after.load()).tasks.map((x) => [x.taskId, x]));
  const lost = [...acknowledged.keys()].filter((id) => !loaded.has(id));
  t.same(lost, [], `none of ${acknowledged.size} acknowledged tasks is lost`);
  t.ok([...acknowledged].every(([id, x]) => JSON.stringify(loaded.get(id)) === JSON.stringify(x)), 'and each is intact');

  // The epoch survived too: the old leader still holds (or held) epoch, and the next election is epoch + 1.
  await after.resign('a', epoch);
  const next = await after.campaign({ masterId: 'b', url: 'ws://127.0.0.1/b' }, 10_000);
  t.same(next.leader, { masterId: 'b', url: 'ws://127.0.0.1/b', epoch: epoch + 1 });
  const history = await after.history(1);
  t.equal(history[0]?.epoch, epoch, 'the event log survived with the state');
});
