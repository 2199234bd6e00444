// The ClusterStore contract against RedisStore on a real redis-server, plus what only Redis has:
// key layout, the bounded event stream, script reloading, and failures (unreachable, killed, paused).
import { createClient } from 'redis';
import t, { type Test } from 'tap';
import { ErrorCode } from '../../protocol/index.js';
import { RedisStore, openStore, type RedisStoreOptions, type StateChange } from '../../master/store/index.js';
import { startRedis, uniquePrefix, type RedisServer } from '../helpers/redis.js';
import { checkEarlierRecords, EARLIER_RECORDS, elect, eventually, sampleState, storeContract } from './store-contract.js';

// Tests that share one redis-server, each under its own key prefix.
void t.test('on a shared redis-server', async (t) => {
  const started = await startRedis(t);
  if (!started) return;
  const server = started;

  async function openFor(t: Test, options: Partial<RedisStoreOptions> = {}, url = server.url): Promise<RedisStore> {
    const store = await RedisStore.open({ url, commandTimeoutMs: 2_000, connectTimeoutMs: 2_000, ...options });
    t.teardown(() => store.close());
    return store;
  }

  async function rawClient(t: Test, url = server.url) {
    const client = createClient({ url });
    client.on('error', () => undefined);
    await client.connect();
    t.teardown(() => client.close());
    return client;
  }

  void t.test('RedisStore contract', async (t) => {
    storeContract(t, async (t) => {
      const keyPrefix = uniquePrefix('contract');
      const open = () => openFor(t, { keyPrefix });
      return { store: await open(), peer: open, reopen: open, withAuditLimit: (auditMaxLen) => openFor(t, { keyPrefix: uniquePrefix('audit'), auditMaxLen }) };
    });
  });

  void t.test('records written by the previous version load, completed', async (t) => {
    const keyPrefix = uniquePrefix('earlier');
    const store = await openFor(t, { keyPrefix });
    const raw = await rawClient(t);
    const { agent, framework, task } = EARLIER_RECORDS;
    await raw.hSet(store.keys.agents, agent.id, JSON.stringify(agent));
    await raw.hSet(store.keys.frameworks, framework.id, JSON.stringify(framework));
    await raw.hSet(store.keys.tasks, task.taskId, JSON.stringify(task));
    checkEarlierRecords(t, await store.load());
  });

  void t.test('openStore picks RedisStore for a redis:// url', async (t) => {
    const store = await openStore(server.url, { keyPrefix: uniquePrefix('open') });
    t.teardown(() => store.close());
    t.ok(store instanceof RedisStore);
    t.same(await store.leader(), null);
  });

  void t.test('key layout: hashes of JSON, a leader key with a TTL, an epoch, a stream', async (t) => {
    const keyPrefix = uniquePrefix('layout');
    const store = await openFor(t, { keyPrefix });
    const raw = await rawClient(t);
    const { epoch } = await elect(t, store, 'a');
    const { agents, frameworks, tasks } = sampleState();
    await store.apply(epoch, [
      { type: 'agent.put', agent: agents[0]! },
      { type: 'framework.put', framework: frameworks[0]! },
      { type: 'task.put', task: tasks[0]! },
    ]);
    const keys = store.keys;
    t.same((await raw.keys(`${keyPrefix}*`)).sort(), [keys.agents, keys.epoch, keys.events, keys.frameworks, keys.leader, keys.tasks].sort());
    t.ok(Object.values(keys).every((k) => k.startsWith(keyPrefix)));
    t.equal(await raw.get(keys.epoch), String(epoch));
    t.same(JSON.parse((await raw.get(keys.leader))!), { masterId: 'a', url: 'ws://127.0.0.1/a', epoch });
    const ttl = await raw.pTTL(keys.leader);
    t.ok(ttl > 0 && ttl <= 10_000, `the lease expires by Redis time (pttl ${ttl})`);
    t.equal(await raw.pTTL(keys.epoch), -1, 'the epoch never expires');
    t.same(JSON.parse((await raw.hGet(keys.tasks, tasks[0]!.taskId))!), tasks[0]);
    t.equal(await raw.type(keys.events), 'stream');
    const [entry] = (await raw.xRange(keys.events, '-', '+', { COUNT: 1 })) ?? [];
    t.same(entry!.message, { epoch: String(epoch), type: 'agent.put', id: agents[0]!.id, value: JSON.stringify(agents[0]) });
  });

  void t.test('prefixes keep clusters apart', async (t) => {
    const one = await openFor(t, { keyPrefix: uniquePrefix('one') });
    const two = await openFor(t, { keyPrefix: uniquePrefix('two') });
    const a = await elect(t, one, 'a');
    const b = await elect(t, two, 'b');
    t.equal(a.epoch, 1);
    t.equal(b.epoch, 1);
    await one.apply(a.epoch, [{ type: 'agent.put', agent: sampleState().agents[0]! }]);
    t.equal((await two.load()).agents.length, 0);
    t.equal((await two.leader())!.masterId, 'b');
  });

  void t.test('the event stream is bounded', async (t) => {
    const store = await openFor(t, { keyPrefix: uniquePrefix('bounded'), eventsMaxLen: 100 });
    const raw = await rawClient(t);
    const { epoch } = await elect(t, store, 'a');
    const base = sampleState().tasks[0]!;
    for (let batch = 0; batch < 10; batch++) {
      await store.apply(epoch, Array.from({ length: 100 }, (_, i): StateChange => ({ type: 'task.put', task: { ...base, taskId: `t-${batch}-${i}` } })));
    }
    const length = await raw.xLen(store.keys.events);
    // MAXLEN ~ trims whole stream nodes (100 entries each by default), so it keeps between 100 and 200.
    t.ok(length >= 100 && length < 300, `stream length ${length} is bounded`);
    const newest = await store.history(5);
    t.same(newest.map((e) => (e.change as { task: { taskId: string } }).task.taskId), ['t-9-95', 't-9-96', 't-9-97', 't-9-98', 't-9-99']);
    t.equal((await store.load()).tasks.length, 1_000, 'trimming the log never touches state');
  });

  void t.test('scripts are re-sent after Redis forgets them', async (t) => {
    const store = await openFor(t, { keyPrefix: uniquePrefix('noscript') });
    const raw = await rawClient(t);
    const { epoch } = await elect(t, store, 'a');
    await raw.scriptFlush();
    await store.apply(epoch, [{ type: 'agent.put', agent: sampleState().agents[0]! }]);
    t.equal((await store.load()).agents.length, 1);
  });

  void t.test('key layout: a status change is a short entry of its own, removed when the task completes', async (t) => {
    const store = await openFor(t, { keyPrefix: uniquePrefix('status') });
    const raw = await rawClient(t);
    const { epoch } = await elect(t, store, 'a');
    const task = sampleState().tasks[0]!;
    const record = JSON.stringify(task);
    const status = { ...task.status, state: 2, uuid: 'u-running', timestampMs: 7 };
    await store.apply(epoch, [{ type: 'task.put', task }, { type: 'task.status', taskId: task.taskId, status, appliedUuids: ['u-1', 'u-running'] }]);
    t.equal(await raw.hGet(store.keys.tasks, task.taskId), record, 'the record is as put');
    const entry = (await raw.hGet(store.keys.statuses, task.taskId))!;
    t.same(JSON.parse(entry), [1, 2, '', '', 'u-running', 7, status.source, 0, -1, '', 'agent-1', 'fw-1', 'u-1', 'u-running'], 'the status: its fields in order, then the uuids applied');
    t.ok(entry.length < record.length / 3, `the status entry (${entry.length} B) is much smaller than the record (${record.length} B)`);
    await store.apply(epoch, [{ type: 'task.complete', task: { ...task, status, appliedUuids: ['u-1', 'u-running'] } }]);
    t.equal(await raw.exists(store.keys.statuses), 0, 'nothing is left of it once the task completes');
    t.notOk(await raw.hExists(store.keys.tasks, task.taskId), 'and its record is among the completed');
  });
});

void t.test('invalid options are refused with every problem listed', async (t) => {
  await t.rejects(RedisStore.open({ url: 'http://x', commandTimeoutMs: 0, keyPrefix: '' }), {
    code: ErrorCode.BAD_REQUEST,
    message: /url.*keyPrefix.*commandTimeoutMs/,
  });
});

void t.test('an unreachable Redis fails open() with STORE_UNAVAILABLE within the connect timeout', async (t) => {
  const started = Date.now();
  await t.rejects(RedisStore.open({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 300 }), {
    name: 'BerthError',
    code: ErrorCode.STORE_UNAVAILABLE,
  });
  t.ok(Date.now() - started < 3_000, 'it does not hang');
});

void t.test('a killed Redis: calls fail fast, then the store reconnects on its own', async (t) => {
  const own = await startRedis(t);
  if (!own) return;
  const store = await RedisStore.open({ url: own.url, keyPrefix: uniquePrefix('kill'), commandTimeoutMs: 1_000 });
  t.teardown(() => store.close());
  const { epoch } = await elect(t, store, 'a');
  await own.kill();
  const started = Date.now();
  const err = await store.apply(epoch, [{ type: 'agent.put', agent: sampleState().agents[0]! }]).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.match(err, { name: 'BerthError', code: ErrorCode.STORE_UNAVAILABLE });
  t.ok((err as Error).cause, 'the client error is the cause');
  t.ok(Date.now() - started < 2_000, 'no offline queue: it fails at once');
  await own.restart();
  // No appendonly and no save: the restarted Redis is empty, so the epoch is gone; campaign again.
  const again = await eventually(t, async () => {
    try {
      const r = await store.campaign({ masterId: 'a', url: 'ws://127.0.0.1/a' }, 10_000);
      return r;
    } catch {
      return undefined;
    }
  }, 10_000);
  t.ok(again.elected, 'the same store works again after Redis came back');
});

void t.test('a paused Redis: calls time out with STORE_UNAVAILABLE instead of hanging', async (t) => {
  const own: RedisServer | undefined = await startRedis(t);
  if (!own) return;
  const store = await RedisStore.open({ url: own.url, keyPrefix: uniquePrefix('pause'), commandTimeoutMs: 300, loadTimeoutMs: 500 });
  t.teardown(() => store.close());
  const { epoch } = await elect(t, store, 'a');
  process.kill(own.pid, 'SIGSTOP');
  t.teardown(() => {
    try {
      process.kill(own.pid, 'SIGCONT');
    } catch {
      // Already gone.
    }
  });
  const started = Date.now();
  await t.rejects(store.apply(epoch, [{ type: 'agent.put', agent: sampleState().agents[0]! }]), {
    code: ErrorCode.STORE_UNAVAILABLE,
  });
  await t.rejects(store.load(), { code: ErrorCode.STORE_UNAVAILABLE }, 'load has its own, longer timeout, but one');
  t.ok(Date.now() - started < 5_000);
  process.kill(own.pid, 'SIGCONT');
  const agents = await eventually(t, async () => {
    try {
      return (await store.load()).agents;
    } catch {
      return undefined;
    }
  });
  // The timed-out apply was sent before Redis paused, so it ran when Redis resumed: a timeout means
  // "outcome unknown", which is why every change is an idempotent put or delete.
  t.ok(agents.length <= 1);
});
