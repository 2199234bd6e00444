// A triggered allocation run visits only the agents that changed since the run before. Property:
// two masters' worth of state driven by the same random history (accepts, declines with filters
// that run out, tasks ending, revives, suppressions, agents and frameworks going away and coming
// back, drains, time passing) make the same offers at every run, one with full runs only and one
// with changed-only runs; and with a quota or a gang waiting, a triggered run is a full one.
import t from 'tap';
import fc from 'fast-check';
import { AllocationCycle, type AllocationCycleDeps } from '../../master/allocation-cycle.js';
import { DrfAllocator } from '../../master/allocator/index.js';
import type { RoleConfig } from '../../master/allocator/types.js';
import { OfferBook } from '../../master/offer-book.js';
import { Registry, agentEntry, frameworkEntry, type FrameworkEntry } from '../../master/registry.js';
import type { Channel } from '../../protocol/index.js';
import { resources, type Res } from '../../protocol/index.js';
import { decodeAgentInfo, decodeFrameworkInfo } from '../../protocol/domain/index.js';
import { testLogger } from '../helpers/log.js';

const AGENTS = [4, 8, 2, 16, 8, 1];
const FRAMEWORKS: string[][] = [['*'], ['*'], ['a', 'b']];
let clock = 1_000_000;

function world(frameworkCount = FRAMEWORKS.length, roles: Map<string, RoleConfig> = new Map()) {
  const reg = new Registry(10);
  AGENTS.forEach((cpus, i) => {
    const agent = agentEntry({ id: `a${i}`, info: decodeAgentInfo({ hostname: `a${i}`, resources: { cpus, memMb: cpus * 256 } }).value, registeredAtMs: 0, state: 'active' });
    reg.setAgentChannel(agent, {} as Channel);
    reg.addAgent(agent);
  });
  FRAMEWORKS.slice(0, frameworkCount).forEach((r, i) => {
    const fw = frameworkEntry({ id: `f${i}`, info: decodeFrameworkInfo({ name: `f${i}`, roles: r }).value, registeredAtMs: 0 });
    fw.channel = {} as Channel;
    reg.frameworks.set(fw.record.id, fw);
  });
  const offers = new OfferBook();
  let sent: string[] = [];
  const cycle = new AllocationCycle({
    registry: reg, offers, allocator: new DrfAllocator(), roles,
    settings: { minOffer: { cpus: 0.01, memMb: 1 }, offerTimeoutMs: 0, allocationMinGapMs: 0 },
    counters: { allocationRuns: 0, allocationMs: 0, offersMade: 0, preemptions: 0 },
    log: testLogger(),
    outbox: { offers: (_: string, list: { frameworkId: string; agentId: string; role: string; resources: Res }[]) => sent.push(...list.map((o) => `${o.frameworkId}@${o.agentId} ${o.role} ${o.resources.cpus}/${o.resources.memMb}`)) } as unknown as AllocationCycleDeps['outbox'],
    isLeading: () => true,
    rescind: () => undefined,
  });
  const run = (changedOnly: boolean): string[] => {
    sent = [];
    cycle.run(changedOnly);
    return sent.sort();
  };
  /** The n-th outstanding offer (in a stable order) taken out of the book. */
  const takeOffer = (n: number) => {
    const all = [...reg.frameworks.keys()].flatMap((f) => offers.ofFramework(f)).sort((x, y) => `${x.frameworkId}${x.agentId}`.localeCompare(`${y.frameworkId}${y.agentId}`));
    if (all.length === 0) return undefined;
    const offer = all[n % all.length];
    if (offer) offers.remove(offer.id);
    return offer;
  };
  const framework = (n: number) => reg.frameworks.get(`f${n % frameworkCount}`) as FrameworkEntry;
  return { reg, offers, cycle, run, takeOffer, framework };
}

type World = ReturnType<typeof world>;
type Op =
  | { k: 'run' }
  | { k: 'accept'; n: number; part: number; refuseMs: number }
  | { k: 'decline'; n: number; refuseMs: number }
  | { k: 'finish'; n: number }
  | { k: 'revive'; f: number }
  | { k: 'suppress'; f: number; role: number }
  | { k: 'agentAway'; n: number }
  | { k: 'frameworkAway'; f: number }
  | { k: 'drain'; n: number }
  | { k: 'tick'; ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.constant({ k: 'run' as const }), weight: 4 },
  fc.record({ k: fc.constant('accept' as const), n: fc.nat(20), part: fc.integer({ min: 1, max: 4 }), refuseMs: fc.constantFrom(0, 50, 5_000) }),
  fc.record({ k: fc.constant('decline' as const), n: fc.nat(20), refuseMs: fc.constantFrom(0, 50, 200, 5_000) }),
  fc.record({ k: fc.constant('finish' as const), n: fc.nat(20) }),
  fc.record({ k: fc.constant('revive' as const), f: fc.nat(5) }),
  fc.record({ k: fc.constant('suppress' as const), f: fc.nat(5), role: fc.nat(2) }),
  fc.record({ k: fc.constant('agentAway' as const), n: fc.nat(20) }),
  fc.record({ k: fc.constant('frameworkAway' as const), f: fc.nat(5) }),
  fc.record({ k: fc.constant('drain' as const), n: fc.nat(20) }),
  fc.record({ k: fc.constant('tick' as const), ms: fc.constantFrom(10, 60, 300) }),
);

/** Applies one step of the history to a world, as the master's handlers would. */
function apply(w: World, op: Op): void {
  const agentAt = (n: number) => w.reg.agents.get(`a${n % AGENTS.length}`);
  switch (op.k) {
    case 'run':
      return;
    case 'accept': {
      const offer = w.takeOffer(op.n);
      if (!offer) return;
      // A task of part/4 of the offer is charged; the rest may be refused for a while.
      const used = resources.normalize({ cpus: (offer.resources.cpus * op.part) / 4, memMb: (offer.resources.memMb * op.part) / 4 });
      const agent = w.reg.agents.get(offer.agentId);
      const fw = w.reg.frameworks.get(offer.frameworkId);
      if (!agent || !fw) return;
      // As the registry charges a launched task (its #charge).
      (agent.usedByRole as Map<string, Res>).set(offer.role, resources.add(agent.usedByRole.get(offer.role) ?? resources.empty(), used));
      w.reg.changedAgents.add(agent.record.id);
      fw.allocated.set(offer.role, resources.add(fw.allocated.get(offer.role) ?? resources.empty(), used));
      if (op.refuseMs > 0) fw.filters.push({ agentId: offer.agentId, resources: resources.subtract(offer.resources, used), untilMs: clock + op.refuseMs });
      return;
    }
    case 'decline': {
      const offer = w.takeOffer(op.n);
      const fw = offer && w.reg.frameworks.get(offer.frameworkId);
      if (offer && fw && op.refuseMs > 0) fw.filters.push({ agentId: offer.agentId, resources: offer.resources, untilMs: clock + op.refuseMs });
      return;
    }
    case 'finish': {
      // Every task on the agent ends: its use goes, and so does what its frameworks hold there.
      const agent = agentAt(op.n);
      if (!agent || agent.usedByRole.size === 0) return;
      (agent.usedByRole as Map<string, Res>).clear();
      w.reg.changedAgents.add(agent.record.id);
      for (const fw of w.reg.frameworks.values()) fw.allocated = new Map();
      return;
    }
    case 'revive': {
      const fw = w.framework(op.f);
      fw.suppressed.clear();
      fw.filters = [];
      return;
    }
    case 'suppress': {
      const fw = w.framework(op.f);
      const roles = fw.record.info.roles ?? ['*'];
      fw.suppressed.add(roles[op.role % roles.length] as string);
      return;
    }
    case 'agentAway': {
      const agent = agentAt(op.n);
      if (!agent) return;
      if (agent.channel) {
        w.reg.setAgentChannel(agent, undefined);
        for (const o of w.offers.ofAgent(agent.record.id)) w.offers.remove(o.id);
      } else w.reg.setAgentChannel(agent, {} as Channel);
      return;
    }
    case 'frameworkAway': {
      const fw = w.framework(op.f);
      if (fw.channel) {
        fw.channel = undefined;
        for (const o of w.offers.ofFramework(fw.record.id)) w.offers.remove(o.id);
      } else fw.channel = {} as Channel;
      return;
    }
    case 'drain': {
      const agent = agentAt(op.n);
      if (!agent) return;
      w.reg.setAgentRecord(agent, { ...agent.record, draining: agent.record.draining ? undefined : { deadlineMs: clock + 60_000 } });
      return;
    }
    case 'tick':
      clock += op.ms;
      return;
  }
}

const realNow = Date.now;
t.before(() => {
  Date.now = () => clock;
});
t.teardown(() => {
  Date.now = realNow;
});

t.test('changed-only runs make the offers full runs make, at every run of a random history', async (t) => {
  let changedRuns = 0;
  let fullRuns = 0;
  fc.assert(
    // One framework alone leaves an agent unoffered most often (a filter or a suppression is then the only thing in the way).
    fc.property(fc.integer({ min: 1, max: FRAMEWORKS.length }), fc.array(opArb, { minLength: 1, maxLength: 60 }), (frameworks, ops) => {
      const full = world(frameworks);
      const changed = world(frameworks);
      t.same(changed.run(true), full.run(false));
      for (const op of ops) {
        apply(full, op);
        apply(changed, op);
        if (op.k !== 'run' && op.k !== 'tick') continue;
        const want = full.run(false);
        const got = changed.run(true);
        if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`after ${JSON.stringify(op)}: changed-only runs offered ${JSON.stringify(got)}, full runs ${JSON.stringify(want)}`);
      }
      changedRuns += changed.cycle.stats.changedRuns;
      fullRuns += changed.cycle.stats.fullRuns;
    }),
    { numRuns: 500 },
  );
  t.ok(changedRuns > 100, `triggered runs over the changed agents only: ${changedRuns}, full: ${fullRuns}`);
});

t.test('an unchanged cluster is not visited again, an agent back from away is; a quota or a waiting gang makes every run a full one', async (t) => {
  const w = world();
  w.run(true);
  t.same(w.cycle.stats, { fullRuns: 1, changedRuns: 0, agentsVisited: AGENTS.length }, 'the first run sees every agent as new');
  const offer = w.takeOffer(0);
  w.run(true);
  t.same(w.cycle.stats, { fullRuns: 1, changedRuns: 1, agentsVisited: AGENTS.length + 1 }, `only ${offer?.agentId}, whose offer went, is visited`);

  // A filter that runs out while its agent is away: the agent is offered again once it is back.
  const away = world(1);
  away.run(true);
  apply(away, { k: 'decline', n: 0, refuseMs: 50 });
  t.same(away.run(true), [], 'a0 is filtered');
  apply(away, { k: 'agentAway', n: 0 });
  apply(away, { k: 'tick', ms: 100 });
  t.same(away.run(true), [], 'a0 is away when its filter runs out');
  apply(away, { k: 'agentAway', n: 0 });
  t.same(away.run(true), ['f0@a0 * 4/1024'], 'back: offered again');

  const quota = world(FRAMEWORKS.length, new Map([['a', { weight: 1, quotaLimit: resources.normalize({ cpus: 4 }) }]]));
  quota.run(true);
  quota.takeOffer(0);
  quota.run(true);
  t.equal(quota.cycle.stats.changedRuns, 0, 'a role with a quota: full runs');

  const gang = world();
  gang.run(true);
  gang.takeOffer(0);
  gang.framework(0).gangs.set('g', { id: 'g', role: '*', tasks: [resources.normalize({ cpus: 1, memMb: 1 })], sinceMs: clock });
  gang.run(true);
  t.equal(gang.cycle.stats.changedRuns, 0, 'a gang waiting: a full run');
});
