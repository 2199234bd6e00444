// The operator routes: killing a task, listing, showing and tearing down frameworks, and the audit
// log every change on the master writes (who, what, when, result) before it answers. A scripted
// agent and framework stand on the other side, so the test sees exactly what the master sends.
import t from 'tap';
import { CloseCode, ErrorCode, TaskReason, TaskState } from '../../protocol/index.js';
import type { AuditEvent } from '../../master/store/index.js';
import { killFor, scriptedCluster } from '../helpers/scripted-cluster.js';

interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T;
}

async function call<T = Record<string, unknown>>(base: string, method: string, path: string, options: { user?: string; body?: unknown } = {}): Promise<Answer<T>> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(options.user === undefined ? {} : { 'x-berth-user': options.user }), 'content-type': 'application/json' },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  return { status: res.status, body: (await res.json()) as T };
}


void t.test('an operator kill is durable before it is sent, reaches the framework, and is idempotent', async (t) => {
  const { m, store, agent, agentId, fw } = await scriptedCluster(t);
  const killed = await call(m.httpUrl, 'POST', '/api/v1/tasks/t1/kill', { user: 'alice' });
  t.equal(killed.status, 200);
  t.match(killed.body, { taskId: 't1', agentId, state: 'RUNNING', alreadyEnded: false });
  const kill = await killFor(agent, 't1');
  t.equal(kill.reason, TaskReason.KILLED_BY_OPERATOR);
  const stored = (await store.load()).tasks.find((x) => x.taskId === 't1');
  t.same(stored?.killAsked, { gracePeriodMs: 0, reason: TaskReason.KILLED_BY_OPERATOR }, 'the kill is in the store');
  agent.send({ agentCall: { update: { status: { taskId: 't1', state: TaskState.TASK_KILLED, reason: kill.reason ?? '', uuid: 'u-kill', agentId } } } });
  const update = await fw.next('KILLED', (e) => (e.schedulerEvent?.update?.status?.state === TaskState.TASK_KILLED ? e.schedulerEvent.update.status : undefined));
  t.equal(update.reason, TaskReason.KILLED_BY_OPERATOR, 'the framework hears why');
  const again = await call(m.httpUrl, 'POST', '/api/v1/tasks/t1/kill');
  t.match(again.body, { taskId: 't1', state: 'KILLED', alreadyEnded: true });
  const unknown = await call(m.httpUrl, 'POST', '/api/v1/tasks/nope/kill');
  t.equal(unknown.status, 404);
  t.match(unknown.body, { code: ErrorCode.TASK_UNKNOWN, field: 'id', message: /nope.*berth tasks/ });
});

void t.test('frameworks: list, get, teardown by an operator; unknown ids are 404', async (t) => {
  const { m, agent, fw, frameworkId } = await scriptedCluster(t);
  const list = await call<{ id: string; name: string; connected: boolean; tasks: number }[]>(m.httpUrl, 'GET', '/api/v1/frameworks');
  t.match(list.body, [{ id: frameworkId, name: 'ops', connected: true, tasks: 1 }]);
  const one = await call(m.httpUrl, 'GET', `/api/v1/frameworks/${frameworkId}`);
  t.match(one.body, { id: frameworkId, failoverTimeoutMs: 60_000, taskIds: ['t1'], partitionAware: false });
  for (const [method, path] of [['GET', '/api/v1/frameworks/fw-nope'], ['POST', '/api/v1/frameworks/fw-nope/teardown']] as const) {
    const missing = await call(m.httpUrl, method, path);
    t.equal(missing.status, 404, `${method} ${path}`);
    t.match(missing.body, { code: ErrorCode.FRAMEWORK_UNKNOWN, field: 'id' });
  }
  const down = await call(m.httpUrl, 'POST', `/api/v1/frameworks/${frameworkId}/teardown`, { user: 'bob' });
  t.same(down.body, { frameworkId, tasksKilled: 1 });
  t.equal((await killFor(agent, 't1')).reason, TaskReason.TEARDOWN_BY_OPERATOR);
  await fw.next('closed', () => fw.closed);
  t.equal(fw.closed?.code, CloseCode.TORN_DOWN);
  t.same((await call(m.httpUrl, 'GET', '/api/v1/frameworks')).body, []);
});

void t.test('every operator change is in the audit log, in the store, before the answer', async (t) => {
  const { m, store, agentId } = await scriptedCluster(t);
  const steps: [string, string, { user?: string; body?: unknown }][] = [
    ['PUT', '/api/v1/roles/eng', { user: 'alice', body: { weight: 2 } }],
    ['DELETE', '/api/v1/roles/eng', { user: 'alice' }],
    ['POST', `/api/v1/agents/${agentId}/drain`, { body: { deadline: '5m' } }],
    ['POST', `/api/v1/agents/${agentId}/undrain`, {}],
    ['POST', '/api/v1/tasks/t1/kill', { user: 'carol' }],
    ['POST', '/api/v1/tasks/ghost/kill', { user: 'carol' }],
  ];
  for (const [i, [method, path, options]] of steps.entries()) {
    await call(m.httpUrl, method, path, options);
    t.equal((await store.audit(100)).length, i + 1, `${method} ${path} is recorded when it is answered`);
  }
  const { body: events } = await call<AuditEvent[]>(m.httpUrl, 'GET', '/api/v1/audit');
  t.same(events.map((e) => [e.who, e.action, e.subject, e.result]), [
    ['alice', 'role.put', 'role/eng', 'ok'],
    ['alice', 'role.delete', 'role/eng', 'ok'],
    ['anonymous', 'agent.drain', `agent/${agentId}`, 'ok'],
    ['anonymous', 'agent.undrain', `agent/${agentId}`, 'ok'],
    ['carol', 'task.kill', 'task/t1', 'ok'],
    ['carol', 'task.kill', 'task/ghost', 'failed'],
  ]);
  t.same(events[0]?.details, { weight: 2 });
  t.same(events[2]?.details, { deadline: '5m' });
  t.match(events[5]?.error, { code: ErrorCode.TASK_UNKNOWN, message: /ghost/ });
  t.ok(events.every((e, i) => typeof e.atMs === 'number' && (i === 0 || e.atMs >= events[i - 1]!.atMs)), 'each has a time, in order');
  t.same((await call<AuditEvent[]>(m.httpUrl, 'GET', '/api/v1/audit?limit=2')).body.map((e) => e.subject), ['task/t1', 'task/ghost']);
  for (const bad of ['0', '-1', 'x', '10001', '1.5']) {
    const refused = await call(m.httpUrl, 'GET', `/api/v1/audit?limit=${bad}`);
    t.equal(refused.status, 400, `limit=${bad}`);
    t.match(refused.body, { code: ErrorCode.BAD_REQUEST, field: 'limit' });
  }
  await call(m.httpUrl, 'PUT', '/api/v1/roles/big', { body: { weight: 1, note: 'x'.repeat(10_000) } });
  t.same((await store.audit(1))[0]?.details, { truncated: true, bytes: 10_022 }, 'a big body is kept as its size');
  const badUser = await call(m.httpUrl, 'POST', '/api/v1/tasks/t1/kill', { user: 'x'.repeat(129) });
  t.match(badUser, { status: 400, body: { field: 'x-berth-user' } });
  t.equal((await store.audit(100)).length, steps.length + 1, 'a refused header records nothing');
});
