// The allocation cycle keeps each agent's slot from the run before: what changed on an agent
// since (a task charged or ended, an offer used, the record replaced by a drain) must show in the
// next run's offers, and an agent nothing happened to keeps its slot.
import t from 'tap';
import { AllocationCycle, type AllocationCycleDeps } from '../../master/allocation-cycle.js';
import { DrfAllocator } from '../../master/allocator/index.js';
import { OfferBook } from '../../master/offer-book.js';
import { Registry, agentEntry, frameworkEntry } from '../../master/registry.js';
import type { Channel } from '../../protocol/index.js';
import { resources, type Res } from '../../protocol/index.js';
import { decodeAgentInfo, decodeFrameworkInfo } from '../../protocol/domain/index.js';
import { testLogger } from '../helpers/log.js';

function setup() {
  const reg = new Registry(10);
  const channel = {} as Channel;
  for (const id of ['a1', 'a2']) {
    const agent = agentEntry({ id, info: decodeAgentInfo({ hostname: id, resources: { cpus: 8, memMb: 1024 } }).value, registeredAtMs: 0, state: 'active' });
    reg.setAgentChannel(agent, channel);
    reg.addAgent(agent);
  }
  const fw = frameworkEntry({ id: 'f1', info: decodeFrameworkInfo({ name: 'f', roles: ['*'] }).value, registeredAtMs: 0 });
  fw.channel = channel;
  reg.frameworks.set('f1', fw);
  const offers = new OfferBook();
  const sent: { agentId: string; resources: Res }[] = [];
  const cycle = new AllocationCycle({
    registry: reg, offers, allocator: new DrfAllocator(), roles: new Map(),
    settings: { minOffer: { cpus: 0.01, memMb: 1 }, offerTimeoutMs: 0, allocationMinGapMs: 20 },
    counters: { allocationRuns: 0, allocationMs: 0, offersMade: 0, preemptions: 0 },
    log: testLogger(),
    outbox: { offers: (_: string, list: { agentId: string; resources: Res }[]) => sent.push(...list), toAgent: () => true } as unknown as AllocationCycleDeps['outbox'],
    isLeading: () => true,
    rescind: () => undefined,
  });
  /** Runs once and returns the cpus offered per agent in that run. */
  const run = (): Record<string, number> => {
    sent.length = 0;
    cycle.run();
    return Object.fromEntries(sent.map((o) => [o.agentId, o.resources.cpus]));
  };
  const use = (agentId: string): void => {
    for (const o of offers.ofFramework('f1').filter((x) => x.agentId === agentId)) offers.remove(o.id);
  };
  const charge = (agentId: string, cpus: number): void => {
    const a = reg.agents.get(agentId);
    // As the registry charges a task (its #charge), which tests cannot reach without a whole task.
    (a?.usedByRole as Map<string, Res> | undefined)?.set('*', resources.add(a?.usedByRole.get('*') ?? resources.empty(), resources.normalize({ cpus, memMb: 1 })));
    reg.changedAgents.add(agentId);
  };
  return { reg, offers, run, use, charge };
}

t.test("an agent's use and offers changing since the last run show in the next", async (t) => {
  const c = setup();
  t.same(c.run(), { a1: 8, a2: 8 }, 'every agent offered whole');
  t.same(c.run(), {}, 'both held in offers: nothing more to offer');
  c.use('a1');
  c.charge('a1', 3);
  t.same(c.run(), { a1: 5 }, 'the used offer comes back less the task');
  c.use('a1');
  c.charge('a1', -3);
  t.same(c.run(), { a1: 8 }, 'the task ended: all of it again');
});

t.test('a drained agent (its record replaced) is not offered again', async (t) => {
  const c = setup();
  c.run();
  c.use('a2');
  const a2 = c.reg.agents.get('a2');
  if (a2) c.reg.setAgentRecord(a2, { ...a2.record, draining: { deadlineMs: Date.now() + 60_000 } });
  t.same(c.run(), {}, 'draining: no new offer');
  if (a2) c.reg.setAgentRecord(a2, { ...a2.record, draining: undefined });
  t.same(c.run(), { a2: 8 }, 'back from draining');
});

t.test("refusal filters kept between runs: one pushed later counts, an expired one stops counting, a revive clears them", async (t) => {
  const c = setup();
  const fw = c.reg.frameworks.get('f1');
  if (!fw) throw new Error('no framework');
  const refuse = (agentId: string, ms: number): void => void fw.filters.push({ agentId, resources: resources.normalize({ cpus: 8, memMb: 1024 }), untilMs: Date.now() + ms });
  refuse('a1', 60_000);
  t.same(c.run(), { a2: 8 }, 'a1 is filtered');
  c.use('a2');
  refuse('a2', 150);
  t.same(c.run(), {}, 'a filter pushed after the last run counts too');
  await new Promise((r) => setTimeout(r, 200));
  t.same(c.run(), { a2: 8 }, "a2's filter expired: offered again");
  t.equal(fw.filters.length, 1, 'the expired filter was dropped');
  c.use('a2');
  fw.filters = [];
  t.same(c.run(), { a1: 8, a2: 8 }, 'a revive (a new, empty list) clears them all');
});
