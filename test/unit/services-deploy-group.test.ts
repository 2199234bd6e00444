// Planning a group: dependencies first, each seeing its dependencies' fresh statuses, and
// previews that never book the same resources twice.
import t from 'tap';
import { fillDefaults, newServiceState, planServices, type AgentView, type Instance, type ServiceInput } from '../../frameworks/services/index.js';

const svc = (id: string, over: Partial<ServiceInput> = {}) =>
  fillDefaults({ id, instances: 1, container: { image: 'x' }, resources: { cpus: 1, memMb: 64, ports: [{ name: 'http' }] }, ...over });
const agent = (id: string, cpus: number): AgentView => ({
  id, hostname: id, attributes: {}, free: { cpus, memMb: 1024, diskMb: 0, ports: [{ begin: 5000, end: 5001 }] }, draining: false, underPressure: false, unreachable: false,
});

t.test('dependencies first: the app waits for the db, then starts in the call that finds the db stable', async (t) => {
  const db = newServiceState(svc('/g/db'), 0);
  const app = newServiceState(svc('/g/app', { dependencies: ['/g/db'] }), 0);
  const first = planServices({ states: [app, db], instances: [], agents: [agent('a', 8)], nowMs: 1 });
  t.same(first.map((r) => r.id), ['/g/db', '/g/app'], 'dependency order, whatever the input order');
  t.same(first[0]!.result.steps.map((s) => s.kind), ['launch']);
  t.same(first[1]!.result.steps, [{ kind: 'wait', until: { event: 'dependencies' }, why: 'waiting for /g/db to be deployed and healthy' }]);
  const dbUp: Instance = { id: 'db.1', serviceId: '/g/db', version: 1, agentId: 'a', hostname: 'a', state: 'running', healthy: undefined, ready: undefined, startedAtMs: 1, ports: { http: 5000 } };
  const second = planServices({ states: [first[1]!.result.state, first[0]!.result.state], instances: [dbUp], agents: [agent('a', 7)], nowMs: 2 });
  t.equal(second[0]!.result.deployment.status, 'stable');
  t.same(second[1]!.result.steps.map((s) => s.kind), ['launch']);
});

t.test('previews book resources: two services wanting the one free cpu get one between them', async (t) => {
  const r = planServices({ states: [newServiceState(svc('/g/a'), 0), newServiceState(svc('/g/b'), 0)], instances: [], agents: [agent('a', 1)], nowMs: 1 });
  const hints = r.map((x) => x.result.steps[0]!.kind === 'launch' ? x.result.steps[0]!.placementHints : undefined);
  t.same(hints[0]?.placements, [{ agentId: 'a', ports: { http: 5000 } }]);
  t.same(hints[1]?.placements, []);
  t.same(hints[1]?.pending, [{ count: 1, reason: 'no agent has 1 cpus free (largest: 0)' }]);
});
