// ACCEPT planning without sockets: validation (planAccept) and the launch plan built from it.
import t from 'tap';
import { ContainerType, ErrorCode, OperationType, TaskReason, TaskState, resources, type Res, type TaskInfo } from '../../protocol/index.js';
import { buildLaunchPlan, withReservations, type ValidAccept } from '../../master/accept.js';
import type { OfferEntry } from '../../master/offer-book.js';
import type { AgentRecord } from '../../master/store/records.js';
import { planAccept, type AcceptContext } from '../../master/validate-accept.js';
import { decodeAgentInfo } from '../../protocol/domain/index.js';

const r = (cpus: number, memMb: number): Res => resources.normalize({ cpus, memMb });

function offer(id: string, res: Res, extra: Partial<OfferEntry> = {}): OfferEntry {
  return { id, frameworkId: 'fw-1', agentId: 'agent-1', role: '*', resources: res, reserved: resources.empty(), gangId: '', createdAtMs: 0, expiresAtMs: 0, ...extra };
}

function context(offers: OfferEntry[], taken: string[] = []): AcceptContext {
  return {
    frameworkId: 'fw-1',
    frameworkRoles: ['*', 'eng'],
    dynamicReservations: () => new Map(),
    offer: (id) => offers.find((o) => o.id === id),
    taskExists: (id) => taken.includes(id),
    agentExists: (id) => id === 'agent-1' || id === 'agent-2',
  };
}

const task = (taskId: string, cpus = 1, memMb = 64, extra: Partial<TaskInfo> = {}): TaskInfo => ({ taskId, resources: { cpus, memMb }, command: { value: 'true' }, ...extra });
const launch = (...tasks: TaskInfo[]) => ({ type: OperationType.LAUNCH, tasks });

const agent: AgentRecord = { id: 'agent-1', info: decodeAgentInfo({ hostname: 'h', resources: { cpus: 8, memMb: 8192 } }).value, registeredAtMs: 0, state: 'active' };

function valid(plan: ReturnType<typeof planAccept>): ValidAccept {
  if (!plan.ok) throw plan.error;
  return plan;
}

t.test('offer-level problems refuse the whole call, naming the field', async (t) => {
  const offers = [offer('o1', r(2, 256)), offer('o2', r(2, 256), { agentId: 'agent-2' }), offer('theirs', r(2, 256), { frameworkId: 'fw-2' })];
  const cases: [string[], string, string][] = [
    [[], ErrorCode.INVALID_CALL, 'accept.offer_ids'],
    [['nope'], ErrorCode.OFFER_UNKNOWN, 'accept.offer_ids[0]'],
    [['theirs'], ErrorCode.OFFER_NOT_OWNED, 'accept.offer_ids[0]'],
    [['o1', 'o1'], ErrorCode.INVALID_CALL, 'accept.offer_ids[1]'],
    [['o1', 'o2'], ErrorCode.OFFERS_SPAN_AGENTS, 'accept.offer_ids[1]'],
  ];
  for (const [offerIds, code, field] of cases) {
    const plan = planAccept({ offerIds, operations: [launch(task('a'))] }, context(offers));
    t.notOk(plan.ok, offerIds.join(','));
    if (!plan.ok) t.match(plan.error, { code, field }, offerIds.join(','));
  }
});

t.test('a task id that is invalid or taken refuses the call: an update could not name the task', async (t) => {
  const offers = [offer('o1', r(4, 1024))];
  const bad = planAccept({ offerIds: ['o1'], operations: [launch(task('bad id'))] }, context(offers));
  t.match(bad, { ok: false, error: { code: ErrorCode.INVALID_TASK, field: 'accept.operations[0].tasks[0].task_id' } });
  const twice = planAccept({ offerIds: ['o1'], operations: [launch(task('a'), task('a'))] }, context(offers));
  t.match(twice, { ok: false, error: { code: ErrorCode.TASK_ID_DUPLICATE, field: 'accept.operations[0].tasks[1].task_id' } });
  const taken = planAccept({ offerIds: ['o1'], operations: [launch(task('live'))] }, context(offers, ['live']));
  t.match(taken, { ok: false, error: { code: ErrorCode.TASK_ID_DUPLICATE } });
});

t.test('an invalid task is rejected on its own; the others launch and only they use the offer', async (t) => {
  const offers = [offer('o1', r(2, 256))];
  const plan = valid(planAccept({
    offerIds: ['o1'],
    operations: [launch(task('good-1'), task('no-mem', 1, 0), task('too-big', 4), task('good-2'), { ...task('no-cmd'), command: { value: '' } }, { ...task('elsewhere'), agentId: 'agent-2' })],
  }, context(offers)));
  t.same(plan.launches.map((l) => l.task.taskId), ['good-1', 'good-2']);
  t.same(plan.rejected.map((x) => [x.task.taskId, x.code, x.field]), [
    ['no-mem', ErrorCode.INVALID_RESOURCES, 'accept.operations[0].tasks[1].resources.mem_mb'],
    ['too-big', ErrorCode.RESOURCES_EXCEED_OFFER, 'accept.operations[0].tasks[2].resources'],
    ['no-cmd', ErrorCode.INVALID_TASK, 'accept.operations[0].tasks[4].command.value'],
    ['elsewhere', ErrorCode.AGENT_MISMATCH, 'accept.operations[0].tasks[5].agent_id'],
  ]);
  t.same(plan.unused, r(0, 128), 'rejected tasks take nothing from the offer');
});

t.test('a LAUNCH_GROUP is all or nothing', async (t) => {
  const offers = [offer('o1', r(4, 1024))];
  const plan = valid(planAccept({
    offerIds: ['o1'],
    operations: [{ type: OperationType.LAUNCH_GROUP, tasks: [task('g1'), task('g2', 1, 0)] }, launch(task('solo'))],
  }, context(offers)));
  t.same(plan.launches.map((l) => l.task.taskId), ['solo']);
  t.same(plan.rejected.map((x) => x.task.taskId), ['g2', 'g1']);
  t.match(plan.rejected[1]?.message, /another task of its group/);
  t.same(plan.unused, r(3, 960));
});

t.test('the launch plan: STAGING tasks, TASK_ERROR statuses, the reservation change, and the changes to persist', async (t) => {
  const offers = [offer('o1', r(4, 1024))];
  const plan = valid(planAccept({
    offerIds: ['o1'],
    operations: [
      { type: OperationType.RESERVE, reservations: [{ role: 'eng', resources: { cpus: 1, memMb: 128 } }] },
      launch(task('t1'), task('t2', 1, -5)),
    ],
  }, context(offers)));
  const built = buildLaunchPlan(plan, 'fw-1', agent, 1_000);
  t.same(built.tasks.map((x) => [x.taskId, x.agentId, x.frameworkId, x.status.state, x.launchedAtMs]), [['t1', 'agent-1', 'fw-1', TaskState.TASK_STAGING, 1_000]]);
  t.same(built.tasks[0]?.info.resources, r(1, 64), 'the task carries its normalized resources');
  t.same(built.errors.map((s) => [s.taskId, s.state, s.reason]), [['t2', TaskState.TASK_ERROR, TaskReason.INVALID_TASK]]);
  t.match(built.errors[0]?.message, /INVALID_RESOURCES: .*tasks\[1\]\.resources/);
  t.notOk(built.errors[0]?.uuid, 'nothing to acknowledge for a task never stored');
  t.same(built.agent?.dynamicReservations, [{ role: 'eng', resources: r(1, 128) }]);
  t.same(built.changes.map((c) => c.type), ['task.put', 'agent.put']);
  t.same(agent.dynamicReservations, undefined, 'the record it started from is untouched');
});

t.test('withReservations adds and removes dynamic reservations and drops empty ones', async (t) => {
  const reserved = withReservations(agent, [{ role: 'eng', resources: r(2, 256) }], []);
  t.same(reserved.dynamicReservations, [{ role: 'eng', resources: r(2, 256) }]);
  const back = withReservations(reserved, [], [{ role: 'eng', resources: r(2, 256) }]);
  t.same(back.dynamicReservations, []);
});

t.test('what only the shared decoder checks refuses a task too; a launch carries the decoded spec', async (t) => {
  const offers = [offer('o1', r(2, 256))];
  const plan = valid(planAccept({
    offerIds: ['o1'],
    operations: [launch(
      task('ok'),
      task('rel-volume', 0.5, 32, { container: { volumes: [{ hostPath: '/srv', containerPath: 'data' }] } }),
      task('no-port', 0.5, 32, { healthCheck: { type: 2, portIndex: 0 } }),
    )],
  }, context(offers)));
  t.same(plan.rejected.map((x) => [x.task.taskId, x.code, x.field]), [
    ['rel-volume', ErrorCode.INVALID_TASK, 'accept.operations[0].tasks[1].container.volumes[0].container_path'],
    ['no-port', ErrorCode.INVALID_TASK, 'accept.operations[0].tasks[2].health_check.port_index'],
  ]);
  const spec = plan.launches[0]?.task;
  t.equal(spec?.agentId, 'agent-1', 'placed on the offer\'s agent');
  t.same(spec?.command, { value: 'true', shell: false, arguments: [], environment: {} }, 'every field present');
  t.equal(spec?.healthCheck, null);
});

t.test('the launched task keeps its port ranges in the order given, so $PORT0 is the first', async (t) => {
  const ports = [{ begin: 31005, end: 31005 }, { begin: 31001, end: 31002 }];
  const offers = [offer('o1', resources.normalize({ cpus: 2, memMb: 256, ports: [{ begin: 31000, end: 31009 }] }))];
  const plan = valid(planAccept({ offerIds: ['o1'], operations: [launch(task('p', 1, 64, { resources: { cpus: 1, memMb: 64, ports } }))] }, context(offers)));
  const built = buildLaunchPlan(plan, 'fw-1', agent, 0);
  t.same(built.tasks[0]?.info.resources.ports, ports);
  t.same(plan.launches[0]?.resources.ports, [{ begin: 31001, end: 31002 }, { begin: 31005, end: 31005 }], 'what the offer accounting uses is normalized');
});

t.test('a command without a program: a Docker image runs its entrypoint, a host process needs its first argument, a shell needs its line', async (t) => {
  const offers = [offer('o1', r(8, 1024))];
  const docker = { type: ContainerType.DOCKER, image: 'busybox:latest' };
  const plan = valid(planAccept({
    offerIds: ['o1'],
    operations: [launch(
      task('image-entrypoint', 1, 64, { command: { value: '', shell: false, arguments: ['-f', '-p', '8080'] }, container: docker }),
      task('image-no-args', 1, 64, { command: { value: '' }, container: docker }),
      task('argv-only', 1, 64, { command: { value: '', shell: false, arguments: ['/bin/echo', 'hi'] } }),
      task('empty-shell', 1, 64, { command: { value: '', shell: true }, container: docker }),
      task('nothing', 1, 64, { command: { value: '', shell: false, arguments: [] } }),
    )],
  }, context(offers)));
  t.same(plan.launches.map((l) => l.task.taskId), ['image-entrypoint', 'image-no-args', 'argv-only']);
  t.same(plan.rejected.map((x) => [x.task.taskId, x.field]), [
    ['empty-shell', 'accept.operations[0].tasks[3].command.value'],
    ['nothing', 'accept.operations[0].tasks[4].command.value'],
  ]);
  t.match(plan.rejected[0]?.message, /shell command/);
});
