import t from 'tap';
import { shareAmongAgents } from '../../cli/agent-shares.js';
import { resources, type Res } from '../../protocol/index.js';

const machine = (ports: string, over: Partial<Res> = {}): Res => resources.normalize({ cpus: 4, memMb: 4096, diskMb: 1000, gpus: 0, ports: resources.parsePorts(ports), ...over });

function shares(m: Res, count: number, mode: 'split' | 'each'): Res[] {
  const r = shareAmongAgents(m, count, mode);
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

t.test('with an explicit spec every agent gets the scalars whole and a disjoint block of ports', async (t) => {
  const list = shares(machine('31000-31009'), 3, 'each');
  t.equal(list.length, 3);
  t.same(overlaps(list), []);
  t.same(list.map((r) => resources.formatPorts(r.ports)), ['31000-31003', '31004-31006', '31007-31009'], 'blocks differ in size by one at most');
  for (const r of list) t.same({ cpus: r.cpus, memMb: r.memMb, diskMb: r.diskMb }, { cpus: 4, memMb: 4096, diskMb: 1000 });
});

t.test('the detected machine is split: scalars divided, ports disjoint', async (t) => {
  const list = shares(machine('31000-32000'), 2, 'split');
  t.same(overlaps(list), []);
  t.same(list.map((r) => [r.cpus, r.memMb, resources.portCount(r)]), [[2, 2048, 501], [2, 2048, 500]]);
});

t.test('a spec with gaps between ranges never hands out a port outside it', async (t) => {
  const m = machine('8080,9000-9002,31000');
  const list = shares(m, 2, 'each');
  t.same(overlaps(list), []);
  t.same(list.map((r) => resources.formatPorts(r.ports)), ['8080,9000-9001', '9002,31000']);
  for (const r of list) t.ok(resources.contains(m, r), 'each share lies within the machine');
});

t.test('fewer ports than agents is a problem naming the ports and the rule', async (t) => {
  const r = shareAmongAgents(machine('31000-31001'), 3, 'each');
  t.ok('problem' in r);
  t.match('problem' in r ? r.problem : '', /ports 31000-31001 hold 2 ports, fewer than the 3 agents/);
  const none = shareAmongAgents(machine(''), 1, 'split');
  t.match('problem' in none ? none.problem : '', /\(none\) hold 0 ports/);
});
