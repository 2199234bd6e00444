// Placement: constraints with Marathon's meanings, spread versus binpack, resources and named
// ports, and the reason given when an instance cannot be placed.
import t from 'tap';
import { fillDefaults, place, type AgentView, type ConstraintSpec, type Instance, type ServiceInput, type ServiceSpec } from '../../frameworks/services/index.js';

function spec(over: Partial<ServiceInput> = {}): ServiceSpec {
  return fillDefaults({ id: '/t/web', container: { image: 'busybox' }, resources: { cpus: 1, memMb: 64 }, ...over });
}

function agent(id: string, over: Partial<AgentView> & { attrs?: Record<string, string> } = {}): AgentView {
  const { attrs, ...rest } = over;
  return {
    id, hostname: `${id}.example`, attributes: attrs ?? {},
    free: { cpus: 4, memMb: 4096, diskMb: 1000, ports: [{ begin: 31000, end: 31009 }] },
    draining: false, underPressure: false, unreachable: false, ...rest,
  };
}

function on(a: AgentView, n: number): Instance {
  return { id: `i-${a.id}-${n}`, serviceId: '/t/web', version: 1, agentId: a.id, hostname: a.hostname, state: 'running', healthy: true, ready: undefined, startedAtMs: 0, ports: {} };
}

const agents5 = ['a', 'b', 'c', 'd', 'e'].map((id) => agent(id));
const withConstraint = (...constraints: ConstraintSpec[]) => spec({ constraints });
const agentsOf = (r: ReturnType<typeof place>) => r.placements.map((p) => p.agentId);

t.test('UNIQUE hostname over 5 agents: one each, the sixth pending with a reason naming the constraint', async (t) => {
  const r = place(withConstraint({ field: 'hostname', operator: 'UNIQUE' }), 6, agents5, []);
  t.same(agentsOf(r).sort(), ['a', 'b', 'c', 'd', 'e']);
  t.same(r.pending, [{ count: 1, reason: 'UNIQUE hostname: 5 agents already hold an instance' }]);
});

t.test('UNIQUE counts the instances already running', async (t) => {
  const r = place(withConstraint({ field: 'hostname', operator: 'UNIQUE' }), 3, agents5, [on(agents5[0]!, 0), on(agents5[1]!, 0)]);
  t.same(agentsOf(r).sort(), ['c', 'd', 'e']);
  t.same(r.pending, []);
});

t.test('CLUSTER and IS pin a field to a value', async (t) => {
  const racks = [agent('a', { attrs: { rack: 'r1' } }), agent('b', { attrs: { rack: 'r2' } }), agent('c')];
  for (const operator of ['CLUSTER', 'IS'] as const) {
    const r = place(withConstraint({ field: 'rack', operator, value: 'r2' }), 3, racks, []);
    t.same(agentsOf(r), ['b', 'b', 'b'], operator);
    const none = place(withConstraint({ field: 'rack', operator, value: 'r9' }), 1, racks, []);
    t.match(none.pending[0]!.reason, new RegExp(`${operator} rack r9: 2 agents have another rack; ${operator} rack r9: 1 agent lacks the field rack`));
  }
});

t.test('LIKE and UNLIKE match the whole value; UNLIKE accepts agents without the field', async (t) => {
  const zones = [agent('a', { attrs: { zone: 'eu-1' } }), agent('b', { attrs: { zone: 'eu-2' } }), agent('c', { attrs: { zone: 'us-1' } }), agent('d')];
  const like = place(withConstraint({ field: 'zone', operator: 'LIKE', value: 'eu-.*' }), 4, zones, []);
  t.same(new Set(agentsOf(like)), new Set(['a', 'b']));
  const partial = place(withConstraint({ field: 'zone', operator: 'LIKE', value: 'eu' }), 1, zones, []);
  t.equal(partial.placements.length, 0, 'anchored at both ends');
  const unlike = place(withConstraint({ field: 'zone', operator: 'UNLIKE', value: 'eu-.*' }), 4, zones, []);
  t.same(new Set(agentsOf(unlike)), new Set(['c', 'd']));
  t.match(place(withConstraint({ field: 'zone', operator: 'UNLIKE', value: '.*' }), 1, zones.slice(0, 3), []).pending[0]!.reason, 'UNLIKE zone .*: 3 agents match');
});

t.test('MAX_PER caps the instances per value', async (t) => {
  const racks = [agent('a', { attrs: { rack: 'r1' } }), agent('b', { attrs: { rack: 'r1' } }), agent('c', { attrs: { rack: 'r2' } })];
  const r = place(withConstraint({ field: 'rack', operator: 'MAX_PER', value: '2' }), 5, racks, []);
  t.equal(r.placements.length, 4);
  const perRack = (rack: string) => r.placements.filter((p) => racks.find((a) => a.id === p.agentId)!.attributes.rack === rack).length;
  t.equal(perRack('r1'), 2);
  t.equal(perRack('r2'), 2);
  t.same(r.pending, [{ count: 1, reason: 'MAX_PER rack 2: 3 agents are on a rack that already holds 2' }]);
});

t.test('GROUP_BY spreads evenly over the values, including values expected but not seen', async (t) => {
  const racks = [agent('a', { attrs: { rack: 'r1' } }), agent('b', { attrs: { rack: 'r1' } }), agent('c', { attrs: { rack: 'r2' } })];
  const r = place(withConstraint({ field: 'rack', operator: 'GROUP_BY' }), 4, racks, []);
  const perRack = (rack: string) => r.placements.filter((p) => racks.find((a) => a.id === p.agentId)!.attributes.rack === rack).length;
  t.equal(perRack('r1'), 2);
  t.equal(perRack('r2'), 2);
  // Three racks are expected but only two exist: after one per rack, the third rack's absence
  // holds the others back.
  const three = place(withConstraint({ field: 'rack', operator: 'GROUP_BY', value: '3' }), 3, racks, []);
  t.equal(three.placements.length, 2);
  t.match(three.pending[0]!.reason, 'GROUP_BY rack 3: 3 agents are on a rack with more instances than another');
  // A rack being drained is not a value to spread over.
  const drainedRack = [...racks, agent('d', { attrs: { rack: 'r3' }, draining: true })];
  t.equal(place(withConstraint({ field: 'rack', operator: 'GROUP_BY' }), 4, drainedRack, []).placements.length, 4);
});

t.test('spread puts instances on the agents with the fewest; binpack fills the fullest that fits', async (t) => {
  const three = [agent('a', { free: { cpus: 4, memMb: 4096, diskMb: 0, ports: [] } }), agent('b', { free: { cpus: 2, memMb: 4096, diskMb: 0, ports: [] } }), agent('c', { free: { cpus: 3, memMb: 4096, diskMb: 0, ports: [] } })];
  const spread = place(spec(), 3, three, []);
  t.same(agentsOf(spread).sort(), ['a', 'b', 'c']);
  const spreadWithExisting = place(spec(), 2, three, [on(three[0]!, 0), on(three[0]!, 1), on(three[1]!, 0)]);
  t.same(agentsOf(spreadWithExisting), ['c', 'b'], 'fewest instances of the service first');
  const binpack = place(spec({ placement: 'binpack' }), 3, three, []);
  t.same(agentsOf(binpack), ['b', 'b', 'c'], 'the agent with the least left that still fits');
});

t.test('resources: named ports from the free ranges, fixed ports honoured, and why nothing fits', async (t) => {
  const s = spec({ resources: { cpus: 1, memMb: 64, ports: [{ name: 'http' }, { name: 'admin', number: 31005 }] } });
  const r = place(s, 2, [agent('a')], []);
  t.same(r.placements[0], { agentId: 'a', ports: { admin: 31005, http: 31000 } });
  t.same(r.pending, [{ count: 1, reason: 'no agent has port 31005 free' }]);
  const big = place(spec({ resources: { cpus: 2, memMb: 64 } }), 1, [agent('a', { free: { cpus: 1.5, memMb: 100, diskMb: 0, ports: [] } }), agent('b', { free: { cpus: 1, memMb: 100, diskMb: 0, ports: [] } })], []);
  t.same(big.pending, [{ count: 1, reason: 'no agent has 2 cpus free (largest: 1.5)' }]);
  const mem = place(spec({ resources: { cpus: 1, memMb: 512 } }), 3, [agent('a', { free: { cpus: 8, memMb: 1024, diskMb: 0, ports: [] } })], []);
  t.equal(mem.placements.length, 2, 'free resources shrink as instances are placed');
  t.same(mem.pending, [{ count: 1, reason: 'no agent has 512 MB of memory free (largest: 0)' }]);
  const ports = place(spec({ resources: { cpus: 0.1, memMb: 1, ports: [{ name: 'a' }, { name: 'b' }] } }), 6, [agent('a')], []);
  t.equal(ports.placements.length, 5, 'ten free ports hold five instances of two ports each');
  t.equal(new Set(ports.placements.flatMap((p) => Object.values(p.ports))).size, 10, 'no port given twice');
});

t.test('draining, under-pressure and unreachable agents get nothing, and say so', async (t) => {
  const r = place(spec(), 1, [agent('a', { draining: true }), agent('b', { underPressure: true }), agent('c', { unreachable: true })], []);
  t.same(r.placements, []);
  t.match(r.pending[0]!.reason, /1 agent is draining/);
  t.match(r.pending[0]!.reason, /1 agent is under pressure/);
  t.match(r.pending[0]!.reason, /1 agent is unreachable/);
  t.same(place(spec(), 2, [], []).pending, [{ count: 2, reason: 'no agents' }]);
});

t.test('mixed refusals name every cause, constraints before resources', async (t) => {
  const s = spec({ resources: { cpus: 3, memMb: 64 }, constraints: [{ field: 'hostname', operator: 'UNIQUE' }] });
  const r = place(s, 1, [agent('a'), agent('b', { free: { cpus: 1, memMb: 64, diskMb: 0, ports: [] } })], [on(agent('a'), 0)]);
  t.same(r.pending, [{ count: 1, reason: 'UNIQUE hostname: 1 agent already holds an instance; none of the other 1 agent has 3 cpus free (largest: 1)' }]);
});
