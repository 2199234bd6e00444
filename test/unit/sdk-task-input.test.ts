// The SDK's edge: a friendly task input is completed once into the domain TaskSpec and encodes to
// the TaskInfo the master decodes back to the same spec; scheduler events decode once.
import t from 'tap';
import { ContainerType, HealthCheckType, pb, StatusSource, TaskState } from '../../protocol/index.js';
import { decodeTaskInfo, toWireTaskInfo } from '../../protocol/domain/index.js';
import { taskSpecOf } from '../../frameworks/sdk/index.js';
import { decodeSchedulerEvent } from '../../frameworks/sdk/scheduler-events.js';

t.test('a task written with only what matters is completed with the defaults', async (t) => {
  const spec = taskSpecOf({ taskId: 'hi-1', resources: { cpus: 0.1, memMb: 32 }, command: { value: 'echo hi', shell: true } });
  t.same(spec, {
    taskId: 'hi-1', name: '', agentId: '',
    resources: { cpus: 0.1, memMb: 32, diskMb: 0, gpus: 0, ports: [] },
    command: { value: 'echo hi', shell: true, arguments: [], environment: {} },
    container: { type: ContainerType.MESOS, image: '', privileged: false, volumes: [], capAdd: [], user: '' },
    killGracePeriodMs: 0, healthCheck: null, labels: {}, preemptible: false,
  });
  const wire = pb.TaskInfo.decode(pb.TaskInfo.encode(pb.TaskInfo.fromObject(toWireTaskInfo(spec))).finish());
  const back = decodeTaskInfo(wire);
  t.same(back.problems, []);
  t.same(back.value, spec, 'what the master decodes is what the framework wrote');
  const direct = decodeTaskInfo(pb.TaskInfo.decode(pb.TaskInfo.encode(spec).finish()));
  t.same(direct.value, spec, 'the spec encodes as it is (launch() makes no wire copy)');
});

t.test('containers, checks and ports are completed like the wire means them', async (t) => {
  const viaBytes = (x: ReturnType<typeof taskSpecOf>) => decodeTaskInfo(pb.TaskInfo.decode(pb.TaskInfo.encode(x).finish())).value;
  const spec = taskSpecOf({
    taskId: 'web-1',
    resources: { cpus: 1, memMb: 64, ports: [{ begin: 31002, end: 31002 }, { begin: 31000, end: 31000 }] },
    command: { value: 'httpd -p $PORT0', shell: true },
    container: { type: ContainerType.DOCKER, image: 'busybox:latest', volumes: [{ containerPath: '/data' }] },
    healthCheck: { type: HealthCheckType.HTTP, portIndex: 1 },
  });
  t.same(spec.container.volumes, [{ hostPath: '', containerPath: '/data', readOnly: false }]);
  t.equal(spec.healthCheck?.path, '/');
  t.same(decodeTaskInfo(toWireTaskInfo(spec)).value, spec, 'port order and every default survive the round trip');
  t.same(viaBytes(spec), spec, 'also encoded as it is, health check and all');
  t.equal(taskSpecOf({ taskId: 'x', healthCheck: { type: HealthCheckType.UNKNOWN } }).healthCheck, null, 'an UNKNOWN check is none');
  t.equal(taskSpecOf({ taskId: 'x', container: { type: ContainerType.MESOS, image: 'ignored' } }).container.image, '');
  t.equal(taskSpecOf({ taskId: 'x', resources: { cpus: -1 } }).resources.cpus, -1, 'values are kept as given, for the master to judge');
});

t.test('scheduler events are decoded once: offers complete, a FINISHED update exited with 0', async (t) => {
  const bytes = pb.SchedulerEvent.encode({ update: { status: { taskId: 't1', state: TaskState.TASK_FINISHED, exitCode: 0, source: StatusSource.AGENT, uuid: 'u' } } }).finish();
  const update = decodeSchedulerEvent(pb.SchedulerEvent.decode(bytes));
  t.match(update, { type: 'update', status: { taskId: 't1', exitCode: 0, reason: '', health: 0 } }, 'proto3 drops the zero; the decoder puts it back');
  const offers = decodeSchedulerEvent({ offers: { offers: [{ id: 'o1', agentId: 'a1', resources: { cpus: 1 } }, { id: '', agentId: 'a1' }] } });
  t.equal(offers.type, 'offers');
  if (offers.type !== 'offers') return;
  t.same(offers.offers.map((o) => [o.id, o.role, o.resources.memMb]), [['o1', '*', 0]], 'an offer without an id is left out');
  t.same(offers.problems.map((p) => p.field), ['offers[1].id']);
  t.same(decodeSchedulerEvent({ error: { code: 'X' } }), { type: 'error', error: { code: 'X', message: '', requestId: '', field: '' } });
});
