// Status updates and their acknowledgements between an agent and a master process, through a relay
// that drops, duplicates or delays single protocol frames: whatever the network does to them, each
// update reaches the framework exactly once. A dropped update is re-sent by the agent; a duplicate
// is acknowledged again and not forwarded; a dropped acknowledgement makes the agent re-send, and
// the master acknowledges the re-send without forwarding it a second time. A second agent's link
// is slow as a whole (every TCP chunk both ways 200 ms late).
import t from 'tap';
import { TaskState as S, stateName, type pb } from '../../protocol/index.js';
import { testAgent, testFramework } from '../helpers/cluster.js';
import { FrameRelay, type FrameVerdict } from '../helpers/frame-relay.js';
import { AgentFaultRecord, faultMaster, proxiedAgent } from '../helpers/partition-cluster.js';
import { until } from '../helpers/poll.js';

const KINDS = ['drop', 'duplicate', 'ack-drop', 'delay'] as const;
type Kind = (typeof KINDS)[number];
const kindOf = (taskId: string): Kind | undefined => KINDS.find((k) => taskId.startsWith(`${k}-`));

void t.test('dropped, duplicated and delayed status updates and acknowledgements: each update reaches the framework once', async (t) => {
  const master = await faultMaster(t);
  const relay = await FrameRelay.start(t, master.port);
  const seen = new Set<string>();
  /** The first time a frame about this uuid passes one way, and every later time. */
  const firstTime = (key: string): boolean => !seen.has(key) && Boolean(seen.add(key));
  relay.rule = (direction, e): FrameVerdict => {
    const update = e?.agentCall?.update?.status;
    const ack = e?.agentEvent?.acknowledge;
    const taskId = update?.taskId ?? ack?.taskId ?? '';
    const kind = kindOf(taskId);
    if (!kind) return 'pass';
    if (kind === 'delay') return { delayMs: 300 };
    if (update && direction === 'toMaster') {
      if (kind === 'drop') return firstTime(`update:${update.uuid ?? ''}`) ? 'drop' : 'pass';
      if (kind === 'duplicate') return 'duplicate';
    }
    if (ack && kind === 'ack-drop') return firstTime(`ack:${ack.uuid ?? ''}`) ? 'drop' : 'pass';
    return 'pass';
  };
  const fw = await testFramework(t, master.url, { name: 'messages' });
  const agent = await testAgent(t, relay.url, 'process', { hostname: 'relayed', cpus: 2, memMb: 1024 });
  const slow = await proxiedAgent(t, master.port, 1);
  const record = await AgentFaultRecord.start(t, master, { fw }, () => [agent, slow.agent]);

  const ids = KINDS.flatMap((k) => [`${k}-1`, `${k}-2`]);
  const offer = await fw.next('an offer', (e) => (e.type === 'offers' ? e.offers.find((o) => o.agentId === agent.agentId) : undefined));
  record.recorder.fault('status frames dropped, duplicated and delayed');
  await fw.client.launch([offer.id], ids.map((taskId) => ({ taskId, resources: { cpus: 0.1, memMb: 16 }, command: { value: 'sleep 0.5', shell: true } })));
  record.recorder.launchAcked(ids);
  slow.proxy.delay(200);
  const slowIds = ['slow-1', 'slow-2'];
  const slowOffer = await fw.next('an offer on the slow agent', (e) => (e.type === 'offers' ? e.offers.find((o) => o.agentId === slow.agentId) : undefined));
  await fw.client.launch([slowOffer.id], slowIds.map((taskId) => ({ taskId, resources: { cpus: 0.1, memMb: 16 }, command: { value: 'sleep 0.5', shell: true } })));
  record.recorder.launchAcked(slowIds);
  ids.push(...slowIds);
  for (const id of ids) await fw.next(`${id} FINISHED`, (e) => (e.type === 'update' && e.status.taskId === id && e.status.state === S.TASK_FINISHED ? true : undefined), 0, 30_000);
  // Every update is acknowledged: the agent holds none any more.
  await until('the agents have nothing left to send', () => [agent, slow.agent].every((a) => a.tasks().every((x) => x.state === S.TASK_FINISHED)), 20_000);

  const updatesOf = (id: string): pb.TaskStatus.$Properties[] =>
    relay.seen('toMaster', (e) => e.agentCall?.update?.status?.taskId === id).map((f) => f.envelope?.agentCall?.update?.status ?? {});
  for (const id of ids) {
    const told = fw.updates(id).map((s) => stateName(Number(s)));
    t.same(told, ['STARTING', 'RUNNING', 'FINISHED'], `${id}: each state told once, in order`);
  }
  const kindCount = (kind: Kind, verdict: FrameVerdict): number => relay.frames.filter((f) => f.verdict === verdict && kindOf(f.envelope?.agentCall?.update?.status?.taskId ?? f.envelope?.agentEvent?.acknowledge?.taskId ?? '') === kind).length;
  t.ok(kindCount('drop', 'drop') >= 6, `updates were dropped (${kindCount('drop', 'drop')}) and sent again`);
  t.ok(updatesOf('drop-1').length > 3, 'the agent re-sent the dropped updates');
  t.ok(kindCount('duplicate', 'duplicate') >= 6, `updates were duplicated (${kindCount('duplicate', 'duplicate')})`);
  t.ok(kindCount('ack-drop', 'drop') >= 6, `acknowledgements were dropped (${kindCount('ack-drop', 'drop')})`);
  const resent = new Set(updatesOf('ack-drop-1').map((s) => s.uuid)).size < updatesOf('ack-drop-1').length;
  t.ok(resent, 'an update whose acknowledgement was lost came again, and was not told twice');

  record.recorder.healed();
  relay.rule = () => 'pass';
  slow.proxy.heal();
  await record.launchAfterHeal(fw, agent.agentId, 'after-messages');
  t.same(await record.check(10_000), [], 'the checker is clean');
});
