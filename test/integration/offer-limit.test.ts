// FrameworkInfo.max_offers: the master keeps no more offers outstanding to the framework than its
// limit, gives it another as one is answered, and refuses a limit out of range naming the field.
// Scripted agents and framework on a real master.
import t from 'tap';
import { ErrorCode, type pb } from '../../protocol/index.js';
import { testMaster } from '../helpers/master.js';
import { peer } from '../helpers/peer.js';
import { until } from '../helpers/poll.js';

t.test('no more offers outstanding than max_offers; an answered one makes room for the next', async (t) => {
  const m = await testMaster(t, { allocationIntervalMs: 50 });
  for (let i = 0; i < 4; i++) {
    const agent = await peer(t, m.url, 'agent');
    agent.send({ agentCall: { register: { agent: { hostname: `limit-host-${i}`, resources: { cpus: 4, memMb: 4096, diskMb: 1000 } } } } });
    await agent.next('registered', (e) => e.agentEvent?.registered?.agentId);
  }
  const fw = await peer(t, m.url, 'scheduler');
  fw.send({ schedulerCall: { requestId: 'sub', subscribe: { framework: { name: 'limited', roles: ['*'], maxOffers: 2 } } } });
  await fw.next('subscribed', (e) => e.schedulerEvent?.subscribed);
  const offers = (): pb.IOffer[] => fw.received.flatMap((e) => e.schedulerEvent?.offers?.offers ?? []);
  await until('two offers', () => offers().length === 2);
  const held = async () => ((await (await fetch(`${m.httpUrl}/api/v1/frameworks`)).json()) as { offers: number }[])[0]?.offers;
  // Several runs later (every 50 ms, and the 4 agents all free) still two.
  await new Promise((r) => setTimeout(r, 300));
  t.equal(offers().length, 2, 'no third offer while two are outstanding');
  t.equal(await held(), 2, 'the master holds two for it');

  const first = offers()[0]?.id ?? '';
  fw.send({ schedulerCall: { requestId: 'decline', decline: { offerIds: [first], filters: { refuseSeconds: 60 } } } });
  await until('a third offer after the decline', () => offers().length === 3);
  t.not(offers()[2]?.agentId, offers()[0]?.agentId, 'on another agent (the declined one is filtered)');
  await new Promise((r) => setTimeout(r, 300));
  t.equal(await held(), 2, 'still two outstanding');
});

t.test('a max_offers out of range is refused, naming the field', async (t) => {
  const m = await testMaster(t, { allocationIntervalMs: 50 });
  const fw = await peer(t, m.url, 'scheduler');
  fw.send({ schedulerCall: { requestId: 'sub', subscribe: { framework: { name: 'greedy', roles: ['*'], maxOffers: 2_000_000 } } } });
  const error = await fw.next('the refusal', (e) => e.schedulerEvent?.error);
  t.equal(error.code, ErrorCode.INVALID_CALL);
  t.match(error.message, /subscribe\.framework\.max_offers must be at most 1000000 \(0: no limit\)/);
});
