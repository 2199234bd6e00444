// The master's agent and scheduler protocols, frame by frame, through real WebSockets. The
// agent side here is a scripted peer, so each test controls exactly what the master sees.
import t, { type Test } from 'tap';
import { WebSocket } from 'ws';
import { CloseCode, ErrorCode, TaskState, type Offer, type TaskInfo } from '../../protocol/index.js';
import { getState, testMaster } from '../helpers/master.js';
import { peer, type Peer } from '../helpers/peer.js';
import { until } from '../helpers/poll.js';

const agentInfo = { hostname: 'peer-host', resources: { cpus: 4, memMb: 4096, diskMb: 1000, ports: [{ begin: 31000, end: 31009 }] }, runtime: 'process' };

async function registeredAgent(t: Test, url: string): Promise<{ agent: Peer; agentId: string }> {
  const agent = await peer(t, url, 'agent');
  agent.send({ agentCall: { register: { agent: agentInfo } } });
  const agentId = await agent.next('registered', (e) => e.agentEvent?.registered?.agentId);
  return { agent, agentId };
}

async function subscribed(t: Test, url: string, name = 'fw'): Promise<{ fw: Peer; frameworkId: string }> {
  const fw = await peer(t, url, 'scheduler');
  fw.send({ schedulerCall: { subscribe: { framework: { name, roles: ['*'], failoverTimeoutMs: 60_000 } } } });
  const frameworkId = await fw.next('subscribed', (e) => e.schedulerEvent?.subscribed?.frameworkId);
  return { fw, frameworkId };
}

const firstOffer = (fw: Peer, from = 0): Promise<Offer> => fw.next('an offer', (e) => e.schedulerEvent?.offers?.offers?.[0], from);
const errorFor = (fw: Peer, requestId: string): Promise<{ code: string; message: string; field: string }> =>
  fw.next(`error for ${requestId}`, (e) => {
    const err = e.schedulerEvent?.error;
    return err?.requestId === requestId ? { code: err.code ?? '', message: err.message ?? '', field: err.field ?? '' } : undefined;
  });

function task(id: string, cpus = 0.5, memMb = 64): TaskInfo {
  return { taskId: id, name: id, resources: { cpus, memMb }, command: { value: 'true', shell: true } };
}

t.test('an agent registers and its resources are offered to a subscribed framework', async (t) => {
  const m = await testMaster(t);
  const { agentId } = await registeredAgent(t, m.url);
  t.match(agentId, /^agent-/);
  const { fw, frameworkId } = await subscribed(t, m.url);
  const offer = await firstOffer(fw);
  t.equal(offer.agentId, agentId);
  t.equal(offer.frameworkId, frameworkId);
  t.equal(offer.resources?.cpus, 4);
  t.equal(offer.resources?.memMb, 4096);
  const state = await getState(m.httpUrl);
  t.equal(state.agents.length, 1);
  t.equal(state.agents[0]?.connected, true);
  t.equal(state.frameworks[0]?.name, 'fw');
});

t.test('launch, status updates, acknowledgements and duplicates', async (t) => {
  const m = await testMaster(t);
  const { agent, agentId } = await registeredAgent(t, m.url);
  const { fw } = await subscribed(t, m.url);
  const offer = await firstOffer(fw);
  fw.send({ schedulerCall: { requestId: 'launch-1', accept: { offerIds: [offer.id ?? ''], operations: [{ type: 1, tasks: [task('t1')] }] } } });
  const run = await agent.next('runTask', (e) => e.agentEvent?.runTask);
  t.equal(run.task?.taskId, 't1');
  t.equal(run.task?.agentId, agentId);
  const epoch = agent.received.find((e) => e.agentEvent?.runTask)?.agentEvent?.epoch;
  t.equal(epoch, m.master.epoch, 'agent events carry the master epoch');

  const running = { taskId: 't1', state: TaskState.TASK_RUNNING, uuid: 'u-running', agentId, timestampMs: Date.now() };
  agent.send({ agentCall: { update: { status: running } } });
  await agent.next('ack of RUNNING', (e) => (e.agentEvent?.acknowledge?.uuid === 'u-running' ? true : undefined));
  const update = await fw.next('RUNNING at the framework', (e) => e.schedulerEvent?.update?.status);
  t.equal(update.state, TaskState.TASK_RUNNING);
  const metrics = await (await fetch(`${m.httpUrl}/metrics`)).text();
  t.match(metrics, /berth_master_tasks\{state="RUNNING"\} 1/, 'the task gauge counts it');
  t.match(metrics, /berth_master_agents\{connected="true"\} 1/);
  t.equal(update.uuid, 'u-running');

  // The agent re-sends the same update (its ack was lost): acknowledged again, applied once.
  const before = fw.received.length;
  agent.send({ agentCall: { update: { status: running } } });
  await until('second ack', () => agent.received.filter((e) => e.agentEvent?.acknowledge?.uuid === 'u-running').length === 2);
  t.equal(m.master.counters.duplicateUpdates, 1);
  fw.send({ schedulerCall: { acknowledge: { agentId, taskId: 't1', uuid: 'u-running' } } });
  agent.send({ agentCall: { update: { status: { ...running, state: TaskState.TASK_FINISHED, uuid: 'u-fin' } } } });
  const fin = await fw.next('FINISHED', (e) => (e.schedulerEvent?.update?.status?.uuid === 'u-fin' ? e.schedulerEvent.update.status : undefined), before);
  t.equal(fin.state, TaskState.TASK_FINISHED);
  t.equal(fw.received.slice(before).filter((e) => e.schedulerEvent?.update?.status?.uuid === 'u-running').length, 0, 'the duplicate was not forwarded');

  // A late, illegal transition after the end is acknowledged but not applied.
  agent.send({ agentCall: { update: { status: { ...running, uuid: 'u-late' } } } });
  await agent.next('ack of late update', (e) => (e.agentEvent?.acknowledge?.uuid === 'u-late' ? true : undefined));
  const state = await getState(m.httpUrl);
  t.equal(state.tasks.find((x) => x.id === 't1')?.state, 'FINISHED');

  // The framework's acknowledgement of the terminal update retires the task.
  fw.send({ schedulerCall: { acknowledge: { agentId, taskId: 't1', uuid: 'u-fin' } } });
  await until('task retired', async () => (await getState(m.httpUrl)).tasks.length === 0);
  t.equal((await getState(m.httpUrl)).completedTasks[0]?.id, 't1');
});

t.test('a FINISHED task shows exit code 0 in the state, though protobuf never sends the zero', async (t) => {
  const m = await testMaster(t);
  const { agent, agentId } = await registeredAgent(t, m.url);
  const { fw } = await subscribed(t, m.url);
  const offer = await firstOffer(fw);
  fw.send({ schedulerCall: { requestId: 'launch-0', accept: { offerIds: [offer.id ?? ''], operations: [{ type: 1, tasks: [task('zero')] }] } } });
  await agent.next('runTask', (e) => e.agentEvent?.runTask);
  agent.send({ agentCall: { update: { status: { taskId: 'zero', state: TaskState.TASK_RUNNING, uuid: 'u-r', agentId, exitCode: -1 } } } });
  agent.send({ agentCall: { update: { status: { taskId: 'zero', state: TaskState.TASK_FINISHED, uuid: 'u-f', agentId, exitCode: 0 } } } });
  const finished = await fw.next('FINISHED at the framework', (e) => (e.schedulerEvent?.update?.status?.state === TaskState.TASK_FINISHED ? e.schedulerEvent.update.status : undefined));
  t.notOk(Object.prototype.hasOwnProperty.call(finished, 'exitCode') && finished.exitCode !== 0, 'the zero is not on the wire, or is 0');
  const shown = await until('the task in the state', async () => (await getState(m.httpUrl)).tasks.find((x) => x.id === 'zero' && x.state === 'FINISHED'));
  t.equal(shown.exitCode, 0, 'FINISHED without an exit code on the wire exited with 0');
});

t.test('reconciling an unknown task answers UNKNOWN to partition-aware frameworks only', async (t) => {
  const m = await testMaster(t);
  const fw = await peer(t, m.url, 'scheduler');
  fw.send({ schedulerCall: { subscribe: { framework: { name: 'aware', roles: ['*'], partitionAware: true } } } });
  await fw.next('subscribed', (e) => e.schedulerEvent?.subscribed);
  fw.send({ schedulerCall: { reconcile: { tasks: [{ taskId: 'ghost' }] } } });
  const answer = await fw.next('answer', (e) => e.schedulerEvent?.update?.status);
  t.equal(answer.state ?? 0, TaskState.TASK_UNKNOWN);
});

t.test('reconcile answers with the latest known state', async (t) => {
  const m = await testMaster(t);
  const { agent, agentId } = await registeredAgent(t, m.url);
  const { fw } = await subscribed(t, m.url);
  const offer = await firstOffer(fw);
  fw.send({ schedulerCall: { accept: { offerIds: [offer.id ?? ''], operations: [{ type: 1, tasks: [task('r1'), task('r2')] }] } } });
  await agent.next('runTask r2', (e) => (e.agentEvent?.runTask?.task?.taskId === 'r2' ? true : undefined));
  agent.send({ agentCall: { update: { status: { taskId: 'r1', state: TaskState.TASK_RUNNING, uuid: 'x1', agentId } } } });
  await agent.next('ack', (e) => e.agentEvent?.acknowledge);
  const from = fw.received.length;
  fw.send({ schedulerCall: { reconcile: { tasks: [{ taskId: 'r1' }, { taskId: 'r2' }, { taskId: 'nope' }] } } });
  const answers = await until('three answers', () => {
    const got = fw.received.slice(from).map((e) => e.schedulerEvent?.update?.status).filter((s) => s?.reason === 'RECONCILIATION');
    return got.length >= 3 ? got : undefined;
  });
  t.same(answers.map((s) => [s?.taskId, s?.state ?? 0]), [
    ['r1', TaskState.TASK_RUNNING],
    ['r2', TaskState.TASK_STAGING],
    ['nope', TaskState.TASK_LOST],
  ]);
  const implicitFrom = fw.received.length;
  fw.send({ schedulerCall: { reconcile: {} } });
  const implicit = await until('implicit answers', () => {
    const got = fw.received.slice(implicitFrom).filter((e) => e.schedulerEvent?.update?.status?.reason === 'RECONCILIATION');
    return got.length >= 2 ? got : undefined;
  });
  t.equal(implicit.length, 2, 'implicit reconciliation covers every live task');
});

t.test('bad input gets a specific error code and changes nothing', async (t) => {
  const m = await testMaster(t);
  const { agentId } = await registeredAgent(t, m.url);
  const { fw } = await subscribed(t, m.url, 'one');
  const { fw: other } = await subscribed(t, m.url, 'two');
  // One agent, two frameworks: whichever got the offer plays 'mine'.
  const pick = (p: Peer): Offer | undefined => p.received.map((e) => e.schedulerEvent?.offers?.offers?.[0]).find(Boolean) ?? undefined;
  const [mine, mineOffer, theirs] = await until('an offer to either framework', (): [Peer, Offer, Peer] | undefined => {
    const a = pick(fw);
    if (a) return [fw, a, other];
    const b = pick(other);
    return b ? [other, b, fw] : undefined;
  });
  const id = mineOffer.id ?? '';

  // Problems with the call itself (its offers, a task id) refuse the whole call.
  const cases: [string, object, string, RegExp][] = [
    ['unknown offer', { accept: { offerIds: ['offer-nope'], operations: [{ type: 1, tasks: [task('a')] }] } }, ErrorCode.OFFER_UNKNOWN, /accept\.offer_ids\[0\]/],
    ['duplicate task id in one call', { accept: { offerIds: [id], operations: [{ type: 1, tasks: [task('e'), task('e')] }] } }, ErrorCode.TASK_ID_DUPLICATE, /tasks\[1\]\.task_id/],
    ['unknown agent on a kill', { kill: { taskId: 'g', agentId: 'agent-nope' } }, ErrorCode.AGENT_UNKNOWN, /kill\.agent_id/],
    ['unknown task on a kill', { kill: { taskId: 'g' } }, ErrorCode.TASK_UNKNOWN, /kill\.task_id/],
    ['bad task id', { accept: { offerIds: [id], operations: [{ type: 1, tasks: [task('bad id!')] }] } }, ErrorCode.INVALID_TASK, /task_id/],
  ];
  for (const [name, call, code, field] of cases) {
    const requestId = `req-${name}`;
    mine.send({ schedulerCall: { requestId, ...call } });
    const err = await errorFor(mine, requestId);
    t.equal(err.code, code, `${name}: ${err.message}`);
    t.match(err.field, field, `${name}: names the field`);
  }

  // Another framework may not use my offer.
  theirs.send({ schedulerCall: { requestId: 'steal', accept: { offerIds: [id], operations: [{ type: 1, tasks: [task('h')] }] } } });
  t.equal((await errorFor(theirs, 'steal')).code, ErrorCode.OFFER_NOT_OWNED);

  // Problems of one task end that task TASK_ERROR, naming the field; the valid task launches.
  const taskCases: [TaskInfo, string, RegExp][] = [
    [task('b', 64), ErrorCode.RESOURCES_EXCEED_OFFER, /tasks\[1\]\.resources/],
    [task('c', -1), ErrorCode.INVALID_RESOURCES, /resources/],
    [task('d', 1, NaN), ErrorCode.INVALID_RESOURCES, /resources/],
    [{ ...task('f'), agentId: 'agent-nope' }, ErrorCode.AGENT_UNKNOWN, /agent_id/],
  ];
  const from = theirs.received.length;
  mine.send({ schedulerCall: { requestId: 'ok', accept: { offerIds: [id], operations: [{ type: 1, tasks: [task('dup', 0.1, 32), ...taskCases.map(([x]) => x)] }] } } });
  for (const [x, code, field] of taskCases) {
    const status = await mine.next(`TASK_ERROR for ${x.taskId}`, (e) => (e.schedulerEvent?.update?.status?.taskId === x.taskId ? e.schedulerEvent?.update?.status : undefined));
    t.equal(status.state, TaskState.TASK_ERROR, `${x.taskId}: TASK_ERROR`);
    t.match(status.message, new RegExp(code), `${x.taskId}: ${status.message}`);
    t.match(status.message, field, `${x.taskId}: names the field`);
  }
  t.ok(mine.received.some((e) => e.schedulerEvent?.accepted?.requestId === 'ok'), 'the call itself was accepted');

  // A task id already launched is refused, whichever framework asks (ids are unique cluster-wide).
  const remainder = await firstOffer(theirs, from);
  theirs.send({ schedulerCall: { requestId: 'dup2', accept: { offerIds: [remainder.id ?? ''], operations: [{ type: 1, tasks: [task('dup', 0.1, 32)] }] } } });
  t.equal((await errorFor(theirs, 'dup2')).code, ErrorCode.TASK_ID_DUPLICATE);

  const state = await getState(m.httpUrl);
  t.same(state.tasks.map((x) => x.id), ['dup'], 'only the valid launch made a task');
  t.equal(state.agents[0]?.id, agentId);
});

t.test('calls before subscribing are refused', async (t) => {
  const m = await testMaster(t);
  const fw = await peer(t, m.url, 'scheduler');
  fw.send({ schedulerCall: { requestId: 'early', revive: {} } });
  t.equal((await errorFor(fw, 'early')).code, ErrorCode.NOT_SUBSCRIBED);
});

t.test('malformed frames close the connection with 4002 and are counted; the master keeps serving', async (t) => {
  const m = await testMaster(t);
  const { agentId } = await registeredAgent(t, m.url);
  const fw = await peer(t, m.url, 'scheduler');
  const ws = new WebSocket(`${m.url}/api/v1/scheduler`);
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  ws.on('open', () => ws.send(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])));
  t.equal(await closed, CloseCode.MALFORMED_FRAME);
  const text = new WebSocket(`${m.url}/api/v1/agent`);
  const textClosed = new Promise<number>((resolve) => text.on('close', (code) => resolve(code)));
  text.on('open', () => text.send('{"hello":1}'));
  t.equal(await textClosed, CloseCode.MALFORMED_FRAME);
  const metrics = await (await fetch(`${m.httpUrl}/metrics`)).text();
  t.match(metrics, /berth_master_malformed_frames_total 2/);
  const state = await getState(m.httpUrl);
  t.equal(state.agents[0]?.id, agentId, 'the master still serves and lost nothing');
  fw.send({ schedulerCall: { subscribe: { framework: { name: 'after' } } } });
  await fw.next('subscribed after bad frames', (e) => e.schedulerEvent?.subscribed);
});

t.test('a wrong protocol version is refused at the handshake', async (t) => {
  const m = await testMaster(t);
  const { encode } = await import('../../protocol/index.js');
  const ws = new WebSocket(`${m.url}/api/v1/agent`);
  const closed = new Promise<[number, string]>((resolve) => ws.on('close', (code, reason) => resolve([code, reason.toString()])));
  ws.on('open', () => ws.send(encode({ hello: { protocolVersion: 99, kind: 1 } })));
  const [code, reason] = await closed;
  t.equal(code, CloseCode.UNSUPPORTED_VERSION);
  t.match(reason, /version 99/);
});

t.test('a decline filter is honoured for refuseSeconds and cleared by REVIVE', async (t) => {
  const m = await testMaster(t, { allocationIntervalMs: 100 });
  await registeredAgent(t, m.url);
  const { fw } = await subscribed(t, m.url);
  const offer = await firstOffer(fw);
  const from = fw.received.length;
  fw.send({ schedulerCall: { decline: { offerIds: [offer.id ?? ''], filters: { refuseSeconds: 3600 } } } });
  // Several allocation runs pass; the refused resources are not offered again.
  await until('allocation runs', () => m.master.counters.allocationRuns > 10);
  t.equal(fw.received.slice(from).filter((e) => e.schedulerEvent?.offers).length, 0, 'no offer while filtered');
  fw.send({ schedulerCall: { revive: {} } });
  const again = await firstOffer(fw, from);
  t.equal(again.agentId, offer.agentId, 'revive clears the filter');

  // A short filter lapses by itself.
  const from2 = fw.received.length;
  fw.send({ schedulerCall: { decline: { offerIds: [again.id ?? ''], filters: { refuseSeconds: 0.5 } } } });
  const third = await firstOffer(fw, from2);
  t.equal(third.agentId, offer.agentId, 'offered again after refuseSeconds');
});

t.test('SUPPRESS stops offers until REVIVE', async (t) => {
  const m = await testMaster(t, { allocationIntervalMs: 100 });
  await registeredAgent(t, m.url);
  const { fw } = await subscribed(t, m.url);
  const offer = await firstOffer(fw);
  fw.send({ schedulerCall: { suppress: {} } });
  fw.send({ schedulerCall: { decline: { offerIds: [offer.id ?? ''], filters: { refuseSeconds: 0 } } } });
  const from = fw.received.length;
  await until('allocation runs', () => m.master.counters.allocationRuns > 10);
  t.equal(fw.received.slice(from).filter((e) => e.schedulerEvent?.offers).length, 0);
  fw.send({ schedulerCall: { revive: {} } });
  await firstOffer(fw, from);
});

t.test('an offer not answered within the offer timeout is rescinded and offered again', async (t) => {
  const m = await testMaster(t, { offerTimeoutMs: 300, allocationIntervalMs: 50 });
  await registeredAgent(t, m.url);
  const { fw } = await subscribed(t, m.url);
  const offer = await firstOffer(fw);
  t.ok((offer.expiresAtMs ?? 0) > Date.now() - 1000, 'the offer says when it expires');
  const rescinded = await fw.next('rescind', (e) => e.schedulerEvent?.rescind?.offerId);
  t.equal(rescinded, offer.id);
  const again = await firstOffer(fw, fw.received.findIndex((e) => e.schedulerEvent?.rescind));
  t.not(again.id, offer.id, 'a new offer follows');
  fw.send({ schedulerCall: { requestId: 'late', accept: { offerIds: [offer.id ?? ''], operations: [{ type: 1, tasks: [task('late')] }] } } });
  t.equal((await errorFor(fw, 'late')).code, ErrorCode.OFFER_UNKNOWN, 'the rescinded offer can no longer be used');
});

t.test('a frame over the payload limit is refused before it is sent', async (t) => {
  const { connect, HelloKind } = await import('../../protocol/index.js');
  const m = await testMaster(t);
  const { channel } = await connect(`${m.url}/api/v1/scheduler`, { kind: HelloKind.SCHEDULER, client: 'big', maxPayloadBytes: 1024 });
  t.teardown(() => channel.close());
  t.throws(() => channel.send({ schedulerCall: { requestId: 'x'.repeat(2000) } }), /over the 1024-byte limit/);
  t.ok(channel.open, 'the connection stays up');
});

async function oversizeCount(httpUrl: string): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  return Number(/^berth_master_oversize_frames_total (\d+)$/m.exec(text)?.[1] ?? NaN);
}

/** Opens a raw WebSocket, sends one frame of `bytes`, and answers the close code. */
async function sendOversize(url: string, bytes: number, binary: boolean): Promise<number> {
  const ws = new WebSocket(url);
  ws.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(binary ? Buffer.alloc(bytes, 1) : 'x'.repeat(bytes));
  return closed;
}

t.test('frames over the payload limit before the Hello, and on the state stream, close with 1009 and are counted', async (t) => {
  const m = await testMaster(t);
  const http = m.url.replace(/^ws/, 'http');
  t.equal(await sendOversize(`${m.url}/api/v1/agent`, 2 * 1024 * 1024, true), 1009, 'the agent endpoint closes as too big');
  await until('the agent frame counted', async () => (await oversizeCount(http)) === 1);
  t.equal(await sendOversize(`${m.url}/api/v1/scheduler`, 2 * 1024 * 1024, false), 1009, 'the scheduler endpoint closes as too big');
  await until('the scheduler frame counted', async () => (await oversizeCount(http)) === 2);
  t.equal(await sendOversize(`${m.url}/api/v1/stream`, 2 * 1024 * 1024, false), 1009, 'the state stream closes as too big');
  await until('the stream frame counted', async () => (await oversizeCount(http)) === 3);
  t.equal(await oversizeCount(http), 3);
});
