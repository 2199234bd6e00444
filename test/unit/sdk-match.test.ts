import t from 'tap';
import { meets, pack } from '../../frameworks/sdk/index.js';
import { decodeOffer } from '../../protocol/domain/index.js';

const offer = decodeOffer({
  id: 'o1',
  agentId: 'a1',
  hostname: 'node-7',
  attributes: { rack: 'r1', zone: 'eu-1a' },
  resources: { cpus: 2, memMb: 1024, ports: [{ begin: 31000, end: 31002 }] },
}).value;

t.test('constraints compare attributes and the hostname', async (t) => {
  t.ok(meets(offer, [{ attribute: 'rack', op: 'EQ', value: 'r1' }]));
  t.notOk(meets(offer, [{ attribute: 'rack', op: 'NE', value: 'r1' }]));
  t.ok(meets(offer, [{ attribute: 'zone', op: 'LIKE', value: 'eu-.*' }]));
  t.notOk(meets(offer, [{ attribute: 'zone', op: 'UNLIKE', value: 'eu-.*' }]));
  t.ok(meets(offer, [{ attribute: 'hostname', op: 'EQ', value: 'node-7' }]));
  t.notOk(meets(offer, [{ attribute: 'missing', op: 'EQ', value: 'x' }]), 'a missing attribute is empty');
});

t.test('pack places shapes first-fit and gives each its own ports', async (t) => {
  const placed = pack(offer, [
    { cpus: 1, memMb: 256, ports: 2 },
    { cpus: 1, memMb: 256, ports: 2 },
    { cpus: 0.5, memMb: 256, ports: 1 },
  ]);
  t.same(placed.map((p) => p.index), [0, 2], 'the second shape needs two ports and only one is left; the third fits');
  t.same(placed[0]?.resources.ports, [{ begin: 31000, end: 31001 }]);
  t.same(placed[1]?.resources.ports, [{ begin: 31002, end: 31002 }], 'no port is given twice');
  const many = pack(offer, Array(5).fill({ cpus: 0.5, memMb: 100 }));
  t.equal(many.length, 4, 'four half-cpu tasks fit in two cpus');
});
