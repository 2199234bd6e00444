// Properties over random snapshots: nothing is offered twice, no offer exceeds what is free, no
// quota limit is exceeded, and the per-pair, suppression, draining and filter rules always hold.
import t from 'tap';
import fc from 'fast-check';
import { DrfAllocator, type AllocationResult, type AllocationSnapshot } from '../../master/allocator/index.js';
import { snapshotOf, type AgentSpec, type FrameworkSpec, type RoleSpec } from '../../master/allocator/snapshot-builder.js';
import { resources, type Res } from '../../protocol/index.js';

const ROLES = ['a', 'b', 'a/x', 'a/y', 'c'];
const NOW = 1_000_000;
const allocator = new DrfAllocator();

const scalar = (max: number) => fc.integer({ min: 0, max: max * 2 }).map((n) => n / 2);

const agentArb = fc
  .record({
    cpus: scalar(16),
    memMb: fc.integer({ min: 0, max: 16_384 }),
    gpus: fc.integer({ min: 0, max: 2 }),
    usedPct: fc.integer({ min: 0, max: 100 }),
    ports: fc.integer({ min: 0, max: 6 }),
    reservedRole: fc.option(fc.constantFrom(...ROLES), { nil: undefined }),
    draining: fc.boolean(),
  })
  .map((a): AgentSpec => {
    const free = (x: number) => Math.floor((x * (100 - a.usedPct)) / 100);
    const spec: AgentSpec = {
      total: { cpus: a.cpus, memMb: a.memMb, gpus: a.gpus, ports: a.ports > 0 ? `31000-${31000 + a.ports - 1}` : '' },
      free: { cpus: free(a.cpus) / 2, memMb: free(a.memMb) / 2, gpus: free(a.gpus), ports: a.ports > 1 ? `31001-${31000 + a.ports - 1}` : '' },
      draining: a.draining && a.usedPct % 3 === 0,
    };
    if (a.reservedRole) spec.reservedFree = { [a.reservedRole]: { cpus: free(a.cpus) / 2, memMb: free(a.memMb) / 2 } };
    return spec;
  });

const resArb = fc.record({ cpus: scalar(8), memMb: fc.integer({ min: 0, max: 8192 }) });

function frameworkArb(agentCount: number) {
  const agentId = fc.integer({ min: 0, max: agentCount - 1 }).map((i) => `ag${i}`);
  return fc
    .record({
      roles: fc.uniqueArray(fc.constantFrom(...ROLES), { minLength: 1, maxLength: 3 }),
      held: resArb,
      suppressAll: fc.boolean(),
      filters: fc.array(fc.record({ agentId, resources: resArb, untilMs: fc.integer({ min: NOW - 10, max: NOW + 10 }) }), { maxLength: 3 }),
      offeredAgents: fc.uniqueArray(agentId, { maxLength: 2 }),
      gang: fc.option(fc.array(fc.record({ cpus: scalar(6), memMb: fc.integer({ min: 0, max: 4096 }), gpus: fc.integer({ min: 0, max: 1 }) }), { minLength: 1, maxLength: 3 }), { nil: undefined }),
    })
    .map(
      (f): FrameworkSpec => ({
        roles: f.roles,
        allocated: { [f.roles[0] as string]: f.held },
        suppressed: f.suppressAll ? [f.roles[f.roles.length - 1] as string] : [],
        filters: f.filters,
        offeredAgents: f.offeredAgents,
        gangs: f.gang ? [{ id: `gang`, role: f.roles[0] as string, tasks: f.gang, sinceMs: NOW - 5 }] : [],
      }),
    );
}

const roleArb = fc.record({
  weight: fc.integer({ min: 1, max: 4 }),
  guarantee: fc.option(resArb, { nil: undefined }),
  limit: fc.option(resArb, { nil: undefined }),
});

const snapshotArb = fc.integer({ min: 1, max: 8 }).chain((agentCount) =>
  fc.record({
    agents: fc.array(agentArb, { minLength: agentCount, maxLength: agentCount }),
    frameworks: fc.array(frameworkArb(agentCount), { minLength: 1, maxLength: 6 }),
    roles: fc.dictionary(fc.constantFrom(...ROLES), roleArb),
    minCpus: fc.constantFrom(0, 0.01, 1),
  }).map(({ agents, frameworks, roles, minCpus }) =>
    snapshotOf({
      nowMs: NOW,
      agents: Object.fromEntries(agents.map((a, i) => [`ag${i}`, a])),
      frameworks: Object.fromEntries(frameworks.map((f, i) => [`fw${i}`, f])),
      roles: Object.fromEntries(
        Object.entries(roles).map(([name, r]): [string, RoleSpec] => [
          name,
          { weight: r.weight, ...(r.guarantee ? { quotaGuarantee: r.guarantee } : {}), ...(r.limit ? { quotaLimit: r.limit } : {}) },
        ]),
      ),
      minOffer: { cpus: minCpus, memMb: 32 },
      gangHoldMs: 10,
    }),
  ),
);

const SCALARS = ['cpus', 'memMb', 'diskMb', 'gpus'] as const;
const within = (a: Res, b: Res) => SCALARS.every((k) => a[k] <= b[k] + 1e-6);

function check(snapshot: AllocationSnapshot, result: AllocationResult): string | undefined {
  const agents = new Map(snapshot.agents.map((a) => [a.id, a]));
  const frameworks = new Map(snapshot.frameworks.map((f) => [f.id, f]));
  const takenUnreserved = new Map<string, Res>();
  const takenReserved = new Map<string, Res>();
  const pairs = new Set<string>();
  const portsSeen = new Set<string>();
  const parts = [
    ...result.offers.map((o) => ({ ...o, kind: 'offer' as const })),
    ...(result.gangHolds ?? []).map((h) => ({ ...h, kind: 'hold' as const })),
  ];
  for (const o of parts) {
    const agent = agents.get(o.agentId);
    const fw = frameworks.get(o.frameworkId);
    if (!agent || !fw) return `offer to unknown ${o.agentId}/${o.frameworkId}`;
    if (agent.draining) return `offer on draining ${o.agentId}`;
    if (!fw.roles.includes(o.role) || fw.suppressedRoles.has(o.role)) return `offer to ${o.frameworkId} for role ${o.role} it does not take offers for`;
    if (o.kind === 'offer') {
      const pair = `${o.frameworkId} ${o.agentId}`;
      if (pairs.has(pair) || fw.offeredAgents.has(o.agentId)) return `second offer for ${pair}`;
      pairs.add(pair);
      if (!o.gangId && fw.filters.some((f) => f.agentId === o.agentId && f.untilMs > snapshot.nowMs && resources.contains(f.resources, o.resources))) {
        return `filtered offer ${pair}`;
      }
    }
    for (const p of resources.listPorts(o.resources)) {
      const key = `${o.agentId}:${p}`;
      if (portsSeen.has(key)) return `port ${key} offered twice`;
      portsSeen.add(key);
    }
    if (!resources.contains(agent.free, { ...resources.empty(), ports: o.resources.ports })) return `ports not free on ${o.agentId}`;
    const reserved = o.reserved ?? resources.empty();
    if (o.reserved && !agent.reservedFree.has(o.role)) return `reserved resources of another role on ${o.agentId}`;
    const unreserved = resources.subtract({ ...o.resources, ports: [] }, { ...reserved, ports: [] });
    takenUnreserved.set(o.agentId, resources.add(takenUnreserved.get(o.agentId) ?? resources.empty(), unreserved));
    const key = `${o.agentId} ${o.role}`;
    takenReserved.set(key, resources.add(takenReserved.get(key) ?? resources.empty(), reserved));
  }
  for (const [id, taken] of takenUnreserved) {
    const agent = agents.get(id);
    if (!agent) return `unknown agent ${id}`;
    const reservedTaken = [...takenReserved.entries()].filter(([k]) => k.startsWith(`${id} `));
    for (const [k, r] of reservedTaken) {
      const role = k.slice(id.length + 1);
      if (!within(r, agent.reservedFree.get(role) ?? resources.empty())) return `reservation of ${role} on ${id} offered beyond what is free`;
    }
    // A gang bundle takes the role's reservation first; what it takes beyond counts as unreserved.
    if (!within(taken, agent.free)) return `more than free offered on ${id}: ${resources.format(taken)} > ${resources.format(agent.free)}`;
  }
  // Quota limits: what a role's subtree held plus what it is offered stays within its limit.
  for (const [name, config] of snapshot.roles) {
    if (!config.quotaLimit) continue;
    const inSubtree = (role: string) => role === name || role.startsWith(`${name}/`);
    let held = resources.empty();
    for (const f of snapshot.frameworks) for (const [role, r] of f.allocated) if (inSubtree(role)) held = resources.add(held, r);
    let offered = resources.empty();
    for (const o of result.offers) if (inSubtree(o.role)) offered = resources.add(offered, o.resources);
    for (const k of SCALARS) {
      const limit = config.quotaLimit[k];
      if (limit > 0 && offered[k] > 1e-6 && held[k] + offered[k] > limit + 1e-6) return `role ${name} over its ${k} limit: ${held[k]} + ${offered[k]} > ${limit}`;
    }
  }
  return undefined;
}

t.test('no resource is offered twice, no offer exceeds free resources, no quota limit is exceeded', async (t) => {
  fc.assert(
    fc.property(snapshotArb, (snapshot) => {
      const problem = check(snapshot, allocator.allocate(snapshot));
      if (problem) throw new Error(problem);
    }),
    { numRuns: 500 },
  );
  t.comment('500 random snapshots'); // fc.assert above throws on a counterexample
});

t.test('explain never throws and counts the offers allocate makes', async (t) => {
  fc.assert(
    fc.property(snapshotArb, (snapshot) => {
      const offers = allocator.allocate(snapshot).offers;
      for (const f of snapshot.frameworks) {
        const e = allocator.explain(snapshot, { frameworkId: f.id });
        if (e.offers !== offers.filter((o) => o.frameworkId === f.id).length) throw new Error(`explain counts ${e.offers} offers for ${f.id}`);
      }
    }),
    { numRuns: 200 },
  );
  t.comment('200 random snapshots'); // fc.assert above throws on a counterexample
});

t.test('allocation is deterministic: the same snapshot gives the same decisions', async (t) => {
  fc.assert(
    fc.property(snapshotArb, (snapshot) => {
      const a = JSON.stringify(allocator.allocate(snapshot));
      const b = JSON.stringify(allocator.allocate(snapshot));
      if (a !== b) throw new Error('two runs differ');
    }),
    { numRuns: 100 },
  );
  t.comment('100 random snapshots'); // fc.assert above throws on a counterexample
});
