// Launch steps placed on held offers: constraints and spreading count the live instances, one
// pass's launches book the offers for the next, offers of other roles are left alone, and every
// placed instance gets a record with its agent and ports.
import t from 'tap';
import { parseServiceDocument, type Instance, type ServiceSpec } from '../../frameworks/services/index.js';
import { newTaskId, planLaunches } from '../../frameworks/services/launcher.js';
import type { ServicesOffer } from '../../frameworks/services/sdk-adapter.js';

function spec(id: string, over: Record<string, unknown> = {}): ServiceSpec {
  const parsed = parseServiceDocument({ id, container: { image: 'b', command: 'x' }, resources: { cpus: 1, memMb: 100, ports: [{ name: 'http' }] }, ...over });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.services[0]!;
}

const offer = (id: string, agentId: string, over: Partial<ServicesOffer> = {}): ServicesOffer => ({
  id, agentId, hostname: `h-${agentId}`, attributes: {}, role: '*', cpus: 2, memMb: 1000, diskMb: 100, ports: [{ begin: 31000, end: 31009 }], ...over,
});
const ok = () => ({ draining: false, underPressure: false, unreachable: false });

void t.test('places on offers, books them for the next want, and records each instance', async (t) => {
  const web = spec('/web', { constraints: [{ field: 'hostname', operator: 'UNIQUE' }] });
  const running: Instance = { id: 'web.v1.old', serviceId: '/web', version: 1, agentId: 'a1', hostname: 'h-a1', state: 'running', healthy: true, ready: undefined, startedAtMs: 0, ports: { http: 31000 } };
  const plan = planLaunches(
    [{ spec: web, version: 1, count: 3 }, { spec: spec('/db'), version: 4, count: 2 }],
    [offer('o1', 'a1'), offer('o2', 'a2'), offer('o3', 'a3', { cpus: 1 })],
    [running], ok, 500,
  );
  t.same(plan.records.filter((r) => r.serviceId === '/web').map((r) => r.agentId).sort(), ['a2', 'a3'], 'UNIQUE hostname counts the running instance on a1');
  t.same(plan.records.filter((r) => r.serviceId === '/db').map((r) => r.agentId), ['a1', 'a2'], 'the db goes where web left room (a3 has no cpu left)');
  t.equal(plan.unplaced, 1, 'the third web instance has no host left');
  const a2 = plan.launches.find((l) => l.agentId === 'a2')!;
  t.same(a2.offerIds, ['o2']);
  t.equal(a2.tasks.length, 2);
  t.not(a2.tasks[0]!.ports.http, a2.tasks[1]!.ports.http, 'two instances on one agent get different ports');
  t.ok(plan.records.every((r) => r.launchedAtMs === 500 && r.hostname === `h-${r.agentId}`));
});

void t.test('leaves offers of another role and draining agents alone', async (t) => {
  const plan = planLaunches([{ spec: spec('/web'), version: 1, count: 2 }], [offer('o1', 'a1', { role: 'batch' }), offer('o2', 'a2')], [], (id) => ({ ...ok(), draining: id === 'a2' }), 1);
  t.same(plan.records, []);
  t.equal(plan.unplaced, 2);
});

void t.test('task ids are valid ids that name the service and version', async (t) => {
  const id = newTaskId('/team/web app', 3);
  t.match(id, /^team_web-app\.v3\.[0-9a-f]{8}$/);
  t.not(newTaskId('/a', 1), newTaskId('/a', 1));
});
