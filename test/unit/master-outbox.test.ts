// The outbox: agent events carry the epoch as they leave, and leave each agent in the order
// they were decided, a message decided after a gated one waiting behind it.
import t from 'tap';
import type { Channel, Envelope } from '../../protocol/index.js';
import { Outbox, killTask } from '../../master/outbox.js';
import { Registry, agentEntry, frameworkEntry } from '../../master/registry.js';
import { decodeAgentInfo, decodeFrameworkInfo, decodeTaskStatus } from '../../protocol/domain/index.js';

function recorder(): { channel: Channel; sent: Envelope[] } {
  const sent: Envelope[] = [];
  const channel = { send: (e: Envelope) => (sent.push(e), true) } as unknown as Channel;
  return { channel, sent };
}

function setup() {
  const reg = new Registry(10);
  const agent = agentEntry({ id: 'a1', info: decodeAgentInfo({ hostname: 'h', resources: { cpus: 1, memMb: 64 } }).value, registeredAtMs: 0, state: 'active' });
  const a = recorder();
  reg.setAgentChannel(agent, a.channel);
  reg.addAgent(agent);
  const fw = frameworkEntry({ id: 'f1', info: decodeFrameworkInfo({ name: 'f' }).value, registeredAtMs: 0 });
  const f = recorder();
  fw.channel = f.channel;
  reg.frameworks.set('f1', fw);
  const state = { epoch: 3 };
  const outbox = new Outbox({ registry: reg, epoch: () => state.epoch });
  return { reg, agent, fw, outbox, agentSent: a.sent, fwSent: f.sent, state };
}

const kinds = (sent: Envelope[]): string[] => sent.map((e) => Object.keys(e.agentEvent ?? {}).filter((k) => k !== 'epoch').join());

t.test('an event is stamped with the epoch when it leaves', async (t) => {
  const { outbox, agentSent, state } = setup();
  outbox.toAgent('a1', { acknowledge: { taskId: 't', uuid: 'u' } });
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const sent = outbox.toAgentAfter('a1', gate, () => [{ registered: { agentId: 'a1' } }]);
  state.epoch = 4;
  open();
  await sent;
  t.same(agentSent.map((e) => e.agentEvent?.epoch), [3, 4]);
});

t.test('a kill decided after a gated launch leaves after it', async (t) => {
  const { outbox, agentSent } = setup();
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const launched = outbox.toAgentAfter('a1', gate, () => [{ runTask: { frameworkId: 'f1', task: { taskId: 't1' } } }]);
  t.equal(outbox.toAgent('a1', killTask('f1', 't1', 0, 'KILLED_BY_FRAMEWORK')), true, 'connected: it will be sent');
  await new Promise((r) => setImmediate(r));
  t.same(agentSent, [], 'the kill waits behind the launch');
  open();
  await launched;
  await new Promise((r) => setImmediate(r));
  t.same(kinds(agentSent), ['runTask', 'killTask']);
});

t.test('a gate that fails sends nothing, and what waited behind it still leaves', async (t) => {
  const { outbox, agentSent } = setup();
  const gate = Promise.reject(new Error('write failed'));
  const done = outbox.toAgentAfter('a1', gate, () => [{ runTask: { frameworkId: 'f1', task: { taskId: 't1' } } }]);
  outbox.toAgent('a1', { acknowledge: { taskId: 't0', uuid: 'u' } });
  await done;
  await new Promise((r) => setImmediate(r));
  t.same(kinds(agentSent), ['acknowledge']);
});

t.test('lines of different agents do not wait for each other', async (t) => {
  const { reg, outbox, agentSent } = setup();
  const other = agentEntry({ id: 'a2', info: decodeAgentInfo({ hostname: 'h2', resources: { cpus: 1, memMb: 64 } }).value, registeredAtMs: 0, state: 'active' });
  const b = recorder();
  reg.setAgentChannel(other, b.channel);
  reg.addAgent(other);
  void outbox.toAgentAfter('a1', new Promise(() => undefined), () => []);
  outbox.toAgent('a2', { acknowledge: { taskId: 't', uuid: 'u' } });
  t.equal(b.sent.length, 1);
  t.equal(agentSent.length, 0);
});

t.test('an agent that is away gets nothing; false tells the caller', async (t) => {
  const { reg, agent, outbox, agentSent } = setup();
  reg.setAgentChannel(agent, undefined);
  t.equal(outbox.toAgent('a1', killTask('f1', 't1', 0, 'KILLED_BY_FRAMEWORK')), false);
  t.same(agentSent, []);
});

t.test('updates with a uuid are kept until acknowledged; offers go out in frames of at most 500', async (t) => {
  const { fw, outbox, fwSent } = setup();
  outbox.update(decodeTaskStatus({ taskId: 't1', frameworkId: 'f1', state: 1, uuid: 'u1' }).value);
  outbox.update(decodeTaskStatus({ taskId: 't2', frameworkId: 'f1', state: 1 }).value);
  t.same([...fw.unacked.keys()], ['t1']);
  outbox.offers('f1', Array.from({ length: 1001 }, (_, i) => ({ id: `o${i}` })));
  t.same(fwSent.slice(2).map((e) => e.schedulerEvent?.offers?.offers?.length), [500, 500, 1]);
});
