// Random, well-formed but hostile calls from a framework and an agent (fast-check): the master
// must keep serving, answer every call exactly once (accepted or an error), and keep its books
// consistent: no agent over its resources, no task launched twice, no terminal task coming back.
import fc from 'fast-check';
import t from 'tap';
import { TaskState, isTerminal, resources, type SchedulerCall } from '../../protocol/index.js';
import { getState, testMaster } from '../helpers/master.js';
import { peer } from '../helpers/peer.js';
import { until } from '../helpers/poll.js';

const num = fc.oneof(fc.double({ min: -10, max: 100, noNaN: false }), fc.constantFrom(0, 0.1, 1, 1e9, -1, Number.NaN, Number.POSITIVE_INFINITY));
const res = fc.record({ cpus: num, memMb: num, diskMb: num, ports: fc.array(fc.record({ begin: fc.integer({ min: 0, max: 70_000 }), end: fc.integer({ min: 0, max: 70_000 }) }), { maxLength: 2 }) });
const taskId = fc.oneof(fc.constantFrom('t1', 't2', 't3', 'bad id', ''), fc.string({ maxLength: 8 }));

t.test('random scheduler and agent calls never break the master or its books', async (t) => {
  const m = await testMaster(t, { allocationIntervalMs: 20 });
  const agent = await peer(t, m.url, 'agent');
  agent.send({ agentCall: { register: { agent: { hostname: 'fuzz', resources: { cpus: 4, memMb: 4096, ports: [{ begin: 31000, end: 31010 }] } } } } });
  const agentId = await agent.next('registered', (e) => e.agentEvent?.registered?.agentId);
  const fw = await peer(t, m.url, 'scheduler');
  fw.send({ schedulerCall: { subscribe: { framework: { name: 'fuzz', roles: ['*', 'eng'] } } } });
  await fw.next('subscribed', (e) => e.schedulerEvent?.subscribed);

  const offerIds = (): string[] => fw.received.flatMap((e) => e.schedulerEvent?.offers?.offers?.map((o) => o.id ?? '') ?? []).slice(-3);
  const offerId = fc.oneof(fc.constant('offer-nope'), fc.integer({ min: 0, max: 2 }).map((i) => offerIds()[i] ?? 'offer-none'));
  const task = fc.record({ taskId, resources: res, command: fc.record({ value: fc.constantFrom('true', ''), shell: fc.boolean() }), agentId: fc.constantFrom('', agentId, 'agent-x') });
  // Mostly plausible launches on a live offer, so the books actually change under the noise.
  let fresh = 0;
  const goodLaunch: fc.Arbitrary<SchedulerCall> = fc.constant(null).map(() => ({
    accept: {
      offerIds: offerIds().slice(-1),
      operations: [{ type: 1, tasks: [{ taskId: `ok-${++fresh}`, resources: { cpus: 0.1, memMb: 32 }, command: { value: 'true', shell: true } }] }],
    },
  }));
  const call: fc.Arbitrary<SchedulerCall> = fc.oneof(
    { arbitrary: goodLaunch, weight: 3 },
    { arbitrary: fc.record({ accept: fc.record({ offerIds: fc.array(offerId, { maxLength: 2 }), operations: fc.array(fc.record({ type: fc.integer({ min: 0, max: 5 }), tasks: fc.array(task, { maxLength: 3 }), reservations: fc.array(fc.record({ role: fc.constantFrom('eng', 'ops', '*'), resources: res }), { maxLength: 2 }) }), { maxLength: 2 }) }) }), weight: 2 },
    fc.record({ decline: fc.record({ offerIds: fc.array(offerId, { maxLength: 2 }), filters: fc.record({ refuseSeconds: num }) }) }),
    fc.record({ kill: fc.record({ taskId, agentId: fc.constantFrom('', agentId, 'agent-x'), gracePeriodMs: num }) }),
    fc.record({ acknowledge: fc.record({ agentId: fc.constantFrom('', agentId), taskId, uuid: fc.string({ maxLength: 4 }) }) }),
    fc.record({ reconcile: fc.record({ tasks: fc.array(fc.record({ taskId }), { maxLength: 3 }) }) }),
    fc.constant<SchedulerCall>({ revive: {} }),
    fc.constant<SchedulerCall>({ suppress: { roles: ['eng'] } }),
    fc.record({ requestGang: fc.record({ gangId: fc.constantFrom('g', 'bad id', ''), role: fc.constantFrom('', 'eng', 'ops'), tasks: fc.array(res, { maxLength: 3 }) }) }),
  );
  // Updates name the launched tasks too, so some run, some end, and some try illegal moves.
  const update = fc.record({
    taskId: fc.oneof(taskId, fc.integer({ min: 1, max: 25 }).map((i) => `ok-${i}`)),
    state: fc.integer({ min: 0, max: 13 }),
    uuid: fc.string({ minLength: 0, maxLength: 6 }),
  });

  // Every answer (accepted or error) per request id, counted as they arrive.
  const answers = new Map<string, number>();
  let seen = 0;
  const answered = (): Map<string, number> => {
    for (const e of fw.received.slice(seen)) {
      const id = e.schedulerEvent?.accepted?.requestId ?? e.schedulerEvent?.error?.requestId;
      if (id) answers.set(id, (answers.get(id) ?? 0) + 1);
    }
    seen = fw.received.length;
    return answers;
  };
  const asked: string[] = [];
  let calls = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(fc.oneof(call.map((c) => ({ c })), update.map((u) => ({ u }))), { minLength: 5, maxLength: 20 }), async (batch) => {
      const ids: string[] = [];
      for (const item of batch) {
        calls++;
        if ('c' in item) {
          ids.push(`r${calls}`);
          fw.send({ schedulerCall: { requestId: `r${calls}`, ...item.c } });
        } else agent.send({ agentCall: { update: { status: { ...item.u, agentId } } } });
      }
      asked.push(...ids);
      await until('every call of the batch answered', () => ids.every((id) => answered().has(id)), 5_000);
      // Every call has been handled once the master answers this reconcile.
      const marker = `m${calls}`;
      fw.send({ schedulerCall: { requestId: marker, reconcile: { tasks: [{ taskId: marker }] } } });
      await fw.next('the marker', (e) => (e.schedulerEvent?.update?.status?.taskId === marker ? true : undefined), fw.received.length - 50 > 0 ? fw.received.length - 50 : 0);
      const s = await getState(m.httpUrl);
      const a = s.agents[0];
      if (!a || !a.connected) throw new Error('the agent lost its registration');
      const held = resources.add(a.used, a.offered);
      if (!resources.contains({ ...a.total }, held)) throw new Error(`agent over its resources: ${resources.format(held)} of ${resources.format(a.total)}`);
      const completed = new Set(s.completedTasks.map((x) => x.id));
      const both = s.tasks.filter((x) => completed.has(x.id)).map((x) => x.id);
      if (both.length > 0) throw new Error(`tasks both live and completed: ${both.join(', ')}`);
      if (s.tasks.some((x) => x.agentId !== agentId)) throw new Error('a task on an unknown agent');
      const launched = new Map<string, number>();
      for (const e of agent.received) {
        const id = e.agentEvent?.runTask?.task?.taskId;
        if (id) launched.set(id, (launched.get(id) ?? 0) + 1);
      }
      const twice = [...launched].filter(([, n]) => n > 1).map(([id]) => id);
      if (twice.length > 0) throw new Error(`tasks launched twice: ${twice.join(', ')}`);
    }),
    { numRuns: 25, seed: 20261124 },
  );
  t.ok(calls > 100, `${calls} random calls handled`);
  // Late answers (an accept still being persisted) have had their time; count them all now.
  await new Promise((r) => setTimeout(r, 200));
  const counts = answered();
  t.same(asked.filter((id) => counts.get(id) !== 1).map((id) => [id, counts.get(id) ?? 0]), [], 'every call got exactly one accepted or error');
  const errors = asked.filter((id) => fw.received.some((e) => e.schedulerEvent?.error?.requestId === id)).length;
  t.ok(errors > 0 && errors < asked.length, `some calls were refused, some taken (${errors} errors of ${asked.length})`);
  const counters = (await getState(m.httpUrl)).counters;
  t.ok((counters.launches ?? 0) > 0, `some random launches were valid and carried out (${counters.launches})`);
  t.equal((await fetch(`${m.httpUrl}/health`)).status, 200, 'the master still serves');
  // Tasks that ended never come back: claim RUNNING again for every one of them.
  const ended = (state: Awaited<ReturnType<typeof getState>>): string[] => [
    ...state.tasks.filter((x) => isTerminal(TaskState[`TASK_${x.state}` as keyof typeof TaskState])).map((x) => x.id),
    ...state.completedTasks.map((x) => x.id),
  ];
  const before = await getState(m.httpUrl);
  const gone = ended(before);
  t.ok(gone.length > 0, `some tasks ended under the noise (${gone.length})`);
  for (const id of gone) agent.send({ agentCall: { update: { status: { taskId: id, state: TaskState.TASK_RUNNING, uuid: `again-${id}`, agentId } } } });
  await until('updates handled', async () => (await getState(m.httpUrl)).counters.statusUpdates >= before.counters.statusUpdates + gone.length);
  const after = await getState(m.httpUrl);
  t.same(after.tasks.filter((x) => gone.includes(x.id) && x.state === 'RUNNING').map((x) => x.id), [], 'no ended task came back to life');
});
