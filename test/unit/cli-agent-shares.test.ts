import t from 'tap';
import { scalarsNamedBy, shareAmongAgents } from '../../cli/agent-shares.js';
import { resources, type Res } from '../../protocol/index.js';

const machine = (ports: string, over: Partial<Res> = {}): Res => resources.normalize({ cpus: 4, memMb: 4096, diskMb: 1000, gpus: 0, ports: resources.parsePorts(ports), ...over });

const ALL = new Set(['cpus', 'memMb', 'diskMb', 'gpus'] as const);

function shares(m: Res, count: number, given: ReadonlySet<'cpus' | 'memMb' | 'diskMb' | 'gpus'>): Res[] {
  const r = shareAmongAgents(m, count, given);
  if ('problem' in r) throw new Error(r.problem);
  return r.shares;
}

/** Ports offered by more than one share. */
function overlaps(list: Res[]): number[] {
  const seen = new Set<number>();
  const twice: number[] = [];
  for (const r of list) {
    for (const p of resources.listPorts(r)) {
      if (seen.has(p)) twice.push(p);
      seen.add(p);
    }
  }
  return twice;
}

t.test('every agent gets the scalars a spec names whole, and a disjoint block of ports', async (t) => {
  const list = shares(machine('31000-31009'), 3, ALL);
  t.equal(list.length, 3);
  t.same(overlaps(list), []);
  t.same(list.map((r) => resources.formatPorts(r.ports)), ['31000-31003', '31004-31006', '31007-31009'], 'blocks differ in size by one at most');
  for (const r of list) t.same({ cpus: r.cpus, memMb: r.memMb, diskMb: r.diskMb }, { cpus: 4, memMb: 4096, diskMb: 1000 });
});

t.test('the detected machine is split: scalars divided, ports disjoint', async (t) => {
  const list = shares(machine('31000-32000'), 2, new Set());
  t.same(overlaps(list), []);
  t.same(list.map((r) => [r.cpus, r.memMb, resources.portCount(r)]), [[2, 2048, 501], [2, 2048, 500]]);
});

t.test('a spec with gaps between ranges never hands out a port outside it', async (t) => {
  const m = machine('8080,9000-9002,31000');
  const list = shares(m, 2, ALL);
  t.same(overlaps(list), []);
  t.same(list.map((r) => resources.formatPorts(r.ports)), ['8080,9000-9001', '9002,31000']);
  for (const r of list) t.ok(resources.contains(m, r), 'each share lies within the machine');
});

t.test('fewer ports than agents is a problem naming the ports and the rule', async (t) => {
  const r = shareAmongAgents(machine('31000-31001'), 3, ALL);
  t.ok('problem' in r);
  t.match('problem' in r ? r.problem : '', /ports 31000-31001 hold 2 ports, fewer than the 3 agents/);
  const none = shareAmongAgents(machine(''), 1);
  t.match('problem' in none ? none.problem : '', /\(none\) hold 0 ports/);
});

t.test('what a spec does not name is split: ports:... alone does not give every agent the whole machine', async (t) => {
  const given = scalarsNamedBy('cpus:1;ports:31000-31003');
  t.same([...given], ['cpus']);
  const list = shares(machine('31000-31003', { cpus: 1 }), 2, given); // the machine as detected, with the spec applied
  t.same(list.map((r) => [r.cpus, r.memMb, r.diskMb, resources.formatPorts(r.ports)]), [[1, 2048, 500, '31000-31001'], [1, 2048, 500, '31002-31003']]);
  t.same([...scalarsNamedBy('mem:512;disk:10;gpus:1')], ['memMb', 'diskMb', 'gpus']);
  t.same([...scalarsNamedBy('bogus')], [], 'a spec that does not parse names nothing (its problem is reported elsewhere)');
  t.same([...scalarsNamedBy(undefined)], []);
});
