// application/x-protobuf bodies and streams, checked against an independent copy of Mesos'
// schema: mesos-framework's protobuf classes (built from Mesos' own .proto files) encode the
// calls and decode the events berth streams.
import { request, type IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import t from 'tap';
import { testAgent } from '../helpers/cluster.js';
import { getState, testMaster } from '../helpers/master.js';
import { post } from '../helpers/mesos-http.js';
import { until } from '../helpers/poll.js';

interface PbMessage { encode(): { toBuffer(): Buffer } }
interface PbClass {
  new (...args: unknown[]): PbMessage;
  decode(b: Buffer): Record<string, unknown>;
  Type: Record<string, number>;
  [nested: string]: unknown;
}
const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the library's classes are built at run time from .proto files
const M = (require('mesos-framework') as { Mesos: { getMesos(): any } }).Mesos.getMesos();
const { Call, Event } = M.scheduler as { Call: PbClass; Event: PbClass };

const PROTOBUF = { 'content-type': 'application/x-protobuf', accept: 'application/x-protobuf' };
type Ev = { type: number; subscribed?: { framework_id: { value: string } }; offers?: { offers: Offer[] }; update?: { status: Status } };
interface Offer { id: { value: string }; agent_id: { value: string }; hostname: string; resources: { name: string; scalar?: { value: number }; ranges?: { range: { begin: { toNumber(): number } | number }[] } }[] }
interface Status { task_id: { value: string }; state: number; uuid?: { toBuffer(): Buffer } | null; agent_id?: { value: string } }

/** Splits binary RecordIO into records (the length in bytes, a newline, the bytes). */
function records(buffer: Buffer): { records: Buffer[]; rest: Buffer } {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const nl = buffer.indexOf(0x0a, at);
    if (nl < 0) break;
    const length = Number(buffer.subarray(at, nl).toString('ascii'));
    if (buffer.length < nl + 1 + length) break;
    out.push(buffer.subarray(nl + 1, nl + 1 + length));
    at = nl + 1 + length;
  }
  return { records: out, rest: buffer.subarray(at) };
}

t.test('protobuf calls and a protobuf event stream', async (t) => {
  const master = await testMaster(t, { mesosHeartbeatIntervalMs: 300 });
  const agent = await testAgent(t, master.url, 'process', { hostname: '127.0.0.1', ports: [31400, 31409] });
  const events: Ev[] = [];
  let response: IncomingMessage | undefined;
  const subscribe = new Call({ type: 'SUBSCRIBE', subscribe: new M.scheduler.Call.Subscribe(new M.FrameworkInfo('me', 'protobuf framework', null, 60)) });
  const req = request(`${master.httpUrl}/api/v1/scheduler`, { method: 'POST', headers: PROTOBUF }, (res) => {
    response = res;
    let pending: Buffer = Buffer.alloc(0);
    res.on('data', (chunk: Buffer) => {
      const read = records(Buffer.concat([pending, chunk]));
      pending = read.rest;
      for (const r of read.records) events.push(Event.decode(r) as unknown as Ev);
    });
  });
  t.teardown(() => req.destroy());
  req.end(subscribe.encode().toBuffer());
  const subscribed = await until('SUBSCRIBED', () => events.find((e) => e.type === Event.Type.SUBSCRIBED));
  t.equal(response?.statusCode, 200);
  t.equal(response?.headers['content-type'], 'application/x-protobuf', 'the stream is protobuf, as Accept asked');
  const frameworkId = subscribed.subscribed?.framework_id.value ?? '';
  t.ok(frameworkId, 'SUBSCRIBED decodes with Mesos\' own schema');
  const streamId = String(response?.headers['mesos-stream-id']);
  const offer = await until('OFFERS', () => events.find((e) => e.type === Event.Type.OFFERS)?.offers?.offers[0]);
  t.equal(offer.agent_id.value, agent.agentId);
  t.equal(offer.resources.find((r) => r.name === 'cpus')?.scalar?.value, 4);
  await until('a HEARTBEAT', () => events.find((e) => e.type === Event.Type.HEARTBEAT));

  const fwId = new M.FrameworkID(frameworkId);
  const command = new M.CommandInfo(null, null, true, 'sleep 60', null, null);
  const resources = [new M.Resource('cpus', M.Value.Type.SCALAR, new M.Value.Scalar(0.1)), new M.Resource('mem', M.Value.Type.SCALAR, new M.Value.Scalar(32))];
  const task = new M.TaskInfo('pb', new M.TaskID('mesos-pb'), offer.agent_id, resources, null, command);
  const launch = new M.Offer.Operation(M.Offer.Operation.Type.LAUNCH, new M.Offer.Operation.Launch([task]));
  const accept = new Call({ framework_id: fwId, type: 'ACCEPT', accept: new M.scheduler.Call.Accept([offer.id], [launch], new M.Filters(0)) });
  const headers = { 'content-type': 'application/x-protobuf', 'Mesos-Stream-Id': streamId };
  const accepted = await post(master.httpUrl, accept.encode().toBuffer(), headers);
  t.equal(accepted.status, 202, accepted.body);
  const state = M.TaskState as unknown as Record<string, number>;
  const running = await until('TASK_RUNNING', () => events.map((e) => e.update?.status).find((s) => s?.task_id.value === 'mesos-pb' && s.state === state.TASK_RUNNING));
  const uuid = running.uuid?.toBuffer();
  t.ok(uuid && uuid.length > 0, 'the update carries its uuid as bytes');

  const ack = new Call({ framework_id: fwId, type: 'ACKNOWLEDGE', acknowledge: new M.scheduler.Call.Acknowledge(running.agent_id, running.task_id, uuid) });
  t.equal((await post(master.httpUrl, ack.encode().toBuffer(), headers)).status, 202, 'ACKNOWLEDGE with the raw uuid bytes');
  await until('the update is acknowledged', async () => ((await (await fetch(`${master.httpUrl}/api/v1/frameworks/${frameworkId}`)).json()) as { unacknowledgedUpdates: number }).unacknowledgedUpdates === 0);

  const kill = new Call({ framework_id: fwId, type: 'KILL', kill: new M.scheduler.Call.Kill(new M.TaskID('mesos-pb'), offer.agent_id) });
  t.equal((await post(master.httpUrl, kill.encode().toBuffer(), headers)).status, 202);
  await until('TASK_KILLED', () => events.map((e) => e.update?.status).find((s) => s?.task_id.value === 'mesos-pb' && s.state === state.TASK_KILLED));

  const bridge = new M.ContainerInfo(M.ContainerInfo.Type.DOCKER, null, null, new M.ContainerInfo.DockerInfo('busybox', M.ContainerInfo.DockerInfo.Network.BRIDGE, null, false, null, false, null));
  const bridged = new M.TaskInfo('pb', new M.TaskID('mesos-pb-bridge'), offer.agent_id, resources, null, new M.CommandInfo([new M.CommandInfo.URI('http://example.com/x.tgz')], null, true, 'true', null, null), bridge);
  const refused = await post(master.httpUrl, new Call({ framework_id: fwId, type: 'ACCEPT', accept: new M.scheduler.Call.Accept([offer.id], [new M.Offer.Operation(M.Offer.Operation.Type.LAUNCH, new M.Offer.Operation.Launch([bridged]))]) }).encode().toBuffer(), headers);
  t.equal(refused.status, 400, 'a protobuf task is held to the same rules as a JSON one');
  t.match(refused.body, /command.uris must be empty.*docker.network must be HOST/);

  const garbage = await post(master.httpUrl, Buffer.from([0x0a, 0x05, 0x01]), headers);
  t.equal(garbage.status, 400, 'bytes that are not a Call');
  t.match(garbage.body, /not a protobuf mesos.v1.scheduler.Call/);
  t.ok((await getState(master.httpUrl)).frameworks.some((f) => f.id === frameworkId), 'and the framework is still there');
});
