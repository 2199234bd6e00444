// Explanations: why a framework or a role got nothing.
import t from 'tap';
import { DrfAllocator, ReasonKind, type Explanation } from '../../master/allocator/index.js';
import { snapshotOf, type SnapshotSpec } from '../../master/allocator/snapshot-builder.js';

const allocator = new DrfAllocator();
const NOW = 1_000_000;
const agents = { a1: { total: { cpus: 4, memMb: 4096 } }, a2: { total: { cpus: 4, memMb: 4096 } } };

function explain(spec: Partial<SnapshotSpec> & Pick<SnapshotSpec, 'frameworks'>, subject: { frameworkId: string } | { role: string }): Explanation {
  return allocator.explain(snapshotOf({ nowMs: NOW, agents, ...spec }), subject);
}

const kinds = (e: Explanation) => e.reasons.map((r) => r.kind);

t.test('suppressed', async (t) => {
  const e = explain({ frameworks: { f: { roles: ['r'], suppressed: ['r'] } } }, { frameworkId: 'f' });
  t.equal(e.offers, 0);
  t.same(kinds(e), [ReasonKind.SUPPRESSED]);
  t.match(e.summary, /framework "f" gets no offers: role "r" is suppressed/);
});

t.test('filtered until T', async (t) => {
  const filters = ['a1', 'a2'].map((agentId, i) => ({ agentId, resources: { cpus: 4, memMb: 4096 }, untilMs: NOW + 5000 + i * 1000 }));
  const e = explain({ frameworks: { f: { roles: ['r'], filters } } }, { frameworkId: 'f' });
  t.match(e.reasons, [{ kind: ReasonKind.FILTERED, agents: 2, untilMs: NOW + 5000, exampleAgentIds: ['a1', 'a2'] }]);
  t.match(e.summary, new RegExp(`filtered after a DECLINE until ${new Date(NOW + 5000).toISOString()}`));
});

t.test('quota limit, naming the role whose limit binds and the resource', async (t) => {
  const e = explain(
    { frameworks: { f: { roles: ['eng/ml'], allocated: { 'eng/ml': { cpus: 2 } } } }, roles: { eng: { quotaLimit: { cpus: 2 } } } },
    { frameworkId: 'f' },
  );
  t.match(e.reasons, [{ kind: ReasonKind.QUOTA_LIMIT, otherRole: 'eng', resource: 'cpus', agents: 2 }]);
  t.match(e.summary, /quota limit of role "eng" reached on cpus/);
});

t.test('lower in DRF order than X', async (t) => {
  const e = explain(
    { agents: { a1: agents.a1 }, frameworks: { rich: { roles: ['r'], allocated: { r: { cpus: 3 } } }, poor: { roles: ['r'] } } },
    { frameworkId: 'rich' },
  );
  t.match(e.reasons, [{ kind: ReasonKind.LOWER_IN_DRF_ORDER, otherFrameworkId: 'poor', agents: 1 }]);
  t.match(e.summary, /lower in DRF order than framework "poor"/);
  const byRole = explain(
    { agents: { a1: agents.a1 }, frameworks: { a: { roles: ['big'], allocated: { big: { cpus: 3 } } }, b: { roles: ['small'] } } },
    { role: 'big' },
  );
  t.match(byRole.summary, /lower in weighted-DRF order than role "small"/);
});

t.test('agent draining, nothing free, reserved for another role', async (t) => {
  const e = explain(
    {
      agents: {
        d: { total: { cpus: 4, memMb: 4096 }, draining: true },
        full: { total: { cpus: 4, memMb: 4096 }, free: {} },
        res: { total: { cpus: 4, memMb: 4096 }, free: {}, reservedFree: { other: { cpus: 4, memMb: 4096 } } },
      },
      frameworks: { f: { roles: ['r'] } },
    },
    { frameworkId: 'f' },
  );
  t.same(kinds(e).sort(), [ReasonKind.AGENT_DRAINING, ReasonKind.NO_FREE_RESOURCES, ReasonKind.RESERVED_FOR_OTHER_ROLE].sort());
  t.match(e.reasons.find((r) => r.kind === ReasonKind.RESERVED_FOR_OTHER_ROLE), { otherRole: 'other' });
});

t.test('no agent with enough free for the minimum offer', async (t) => {
  const e = explain(
    { agents: { a1: { total: { cpus: 4, memMb: 4096 }, free: { cpus: 0.001, memMb: 1 } } }, frameworks: { f: { roles: ['r'] } } },
    { frameworkId: 'f' },
  );
  t.same(kinds(e), [ReasonKind.BELOW_MIN_OFFER]);
  t.match(e.summary, /no agent with enough free: less than the minimum offer \(cpus:0\.01 or mem:32MB\)/);
});

t.test('a gang that does not fit names the resource no agent has enough of', async (t) => {
  const e = explain(
    { gangHoldMs: 0, frameworks: { f: { roles: ['hpc'], suppressed: [], gangs: [{ id: 'g', role: 'hpc', tasks: [{ cpus: 8, memMb: 100 }] }] } } },
    { frameworkId: 'f' },
  );
  t.match(e.reasons.find((r) => r.kind === ReasonKind.GANG_DOES_NOT_FIT), { gangId: 'g', resource: 'cpus' });
  t.match(e.summary, /gang "g" does not fit: no agent with enough cpus \(a task needs 8, most free on one agent: 4\)/);
});

t.test('quota headroom held for another role', async (t) => {
  const e = explain(
    {
      frameworks: {
        q: { roles: ['prod'], filters: ['a1', 'a2'].map((agentId) => ({ agentId, resources: { cpus: 4, memMb: 4096 }, untilMs: NOW + 1 })) },
        f: { roles: ['dev'] },
      },
      roles: { prod: { quotaGuarantee: { cpus: 8 } } },
    },
    { frameworkId: 'f' },
  );
  t.match(e.reasons, [{ kind: ReasonKind.QUOTA_HEADROOM, resource: 'cpus', agents: 2 }]);
});

t.test('unknown framework and a role without frameworks', async (t) => {
  t.same(kinds(explain({ frameworks: {} }, { frameworkId: 'ghost' })), [ReasonKind.UNKNOWN_FRAMEWORK]);
  const e = explain({ frameworks: { f: { roles: ['r'] } } }, { role: 'nobody' });
  t.same(kinds(e), [ReasonKind.NO_FRAMEWORKS]);
  t.match(e.summary, /no subscribed framework has role "nobody"/);
});

t.test('explain counts the same offers allocate makes', async (t) => {
  const spec = snapshotOf({ nowMs: NOW, agents, frameworks: { f: { roles: ['r'] }, g: { roles: ['r'] } } });
  const offers = allocator.allocate(spec).offers;
  for (const id of ['f', 'g']) {
    const e = allocator.explain(spec, { frameworkId: id });
    t.equal(e.offers, offers.filter((o) => o.frameworkId === id).length);
    t.match(e.reasons[0], { kind: ReasonKind.OFFERED, agents: 1 });
  }
});
