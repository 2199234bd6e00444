// SUBSCRIBE with suppressed_roles (as in Mesos): the framework gets no offers for those roles until
// it revives, while another framework is offered everything; a role the framework does not have is
// refused, naming the field; each subscription replaces what was suppressed. Scripted frameworks
// and agents on a real master.
import t, { type Test } from 'tap';
import { ErrorCode, type pb } from '../../protocol/index.js';
import { testMaster } from '../helpers/master.js';
import { peer, type Peer } from '../helpers/peer.js';

const agentInfo = (host: string) => ({ hostname: host, resources: { cpus: 4, memMb: 4096, diskMb: 1000 } });

async function agents(t: Test, url: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const agent = await peer(t, url, 'agent');
    agent.send({ agentCall: { register: { agent: agentInfo(`suppressed-host-${i}`) } } });
    await agent.next('registered', (e) => e.agentEvent?.registered?.agentId);
  }
}

async function subscribe(t: Test, url: string, subscribe: pb.SchedulerCall.Subscribe.$Properties): Promise<{ fw: Peer; frameworkId: string }> {
  const fw = await peer(t, url, 'scheduler');
  fw.send({ schedulerCall: { requestId: 'sub', subscribe } });
  const frameworkId = await fw.next('subscribed', (e) => e.schedulerEvent?.subscribed?.frameworkId);
  return { fw, frameworkId };
}

const framework = (name: string) => ({ name, roles: ['*'], failoverTimeoutMs: 60_000 });
const offersOf = (fw: Peer): pb.IOffer[] => fw.received.flatMap((e) => e.schedulerEvent?.offers?.offers ?? []);

t.test('a framework subscribed with its role suppressed gets no offers until it revives', async (t) => {
  const m = await testMaster(t, { allocationIntervalMs: 50 });
  await agents(t, m.url, 2);
  const quiet = await subscribe(t, m.url, { framework: framework('quiet'), suppressedRoles: ['*'] });
  const busy = await subscribe(t, m.url, { framework: framework('busy') });
  // Weighted DRF would give the quiet framework (share 0) one of the two agents if it could.
  await busy.fw.next('offers of both agents', () => (new Set(offersOf(busy.fw).map((o) => o.agentId)).size === 2 ? true : undefined));
  t.same(offersOf(quiet.fw), [], 'the suppressed framework was offered nothing');

  const declined = offersOf(busy.fw).map((o) => o.id ?? '');
  busy.fw.send({ schedulerCall: { requestId: 'decline', decline: { offerIds: declined, filters: { refuseSeconds: 60 } } } });
  quiet.fw.send({ schedulerCall: { requestId: 'revive', revive: {} } });
  const offer = await quiet.fw.next('an offer after REVIVE', (e) => e.schedulerEvent?.offers?.offers?.[0]);
  t.ok(offer.agentId, 'offered once revived');
});

t.test('a suppressed role that is not one of the framework\'s roles is refused, naming the field', async (t) => {
  const m = await testMaster(t, { allocationIntervalMs: 50 });
  const fw = await peer(t, m.url, 'scheduler');
  fw.send({ schedulerCall: { requestId: 'sub', subscribe: { framework: framework('typo'), suppressedRoles: ['*', 'analytics'] } } });
  const error = await fw.next('the refusal', (e) => e.schedulerEvent?.error);
  t.equal(error.code, ErrorCode.ROLE_NOT_SUBSCRIBED);
  t.equal(error.field, 'subscribe.suppressed_roles[1]');
  t.match(error.message, /role "analytics" is not one of the framework's roles \(\*\)/);
  const state = (await (await fetch(`${m.httpUrl}/api/v1/state`)).json()) as { frameworks: unknown[] };
  t.same(state.frameworks, [], 'nothing registered');
});

t.test('each subscription replaces the suppressed roles: re-subscribing without them brings offers', async (t) => {
  const m = await testMaster(t, { allocationIntervalMs: 50 });
  await agents(t, m.url, 1);
  const first = await subscribe(t, m.url, { framework: framework('again'), suppressedRoles: ['*'] });
  const state = (await (await fetch(`${m.httpUrl}/api/v1/state`)).json()) as { frameworks: { id: string; suppressedRoles: string[] }[] };
  t.same(state.frameworks.find((f) => f.id === first.frameworkId)?.suppressedRoles, ['*'], 'the state shows the role suppressed');
  first.fw.channel.close();
  const again = await subscribe(t, m.url, { framework: framework('again'), frameworkId: first.frameworkId });
  const offer = await again.fw.next('an offer on the new subscription', (e) => e.schedulerEvent?.offers?.offers?.[0]);
  t.ok(offer.agentId);
  t.same(offersOf(first.fw), [], 'none on the suppressed one');
});
