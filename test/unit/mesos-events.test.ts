// berth offers and statuses as Mesos events (compared with JSON written after the OFFERS and
// UPDATE examples in Mesos' scheduler HTTP API documentation), and RecordIO frames read back by an
// independent parser.
import { read } from '@dcos/recordio';
import t from 'tap';
import { jsonRecord, mesosOffer, mesosReason, mesosStatus } from '../../master/mesos/index.js';
import { StatusSource, TaskReason, TaskState, resources } from '../../protocol/index.js';
import type { StatusUpdate } from '../../protocol/domain/index.js';

t.test('an offer: unreserved and reserved resources, allocation info, agent, hostname, attributes', async (t) => {
  const offer = mesosOffer({
    id: '12214-23523-O235235',
    frameworkId: '12124-235325-32425',
    agentId: '12325-23523-S23523',
    hostname: 'agent.host',
    resources: resources.normalize({ cpus: 2, memMb: 1024, ports: [{ begin: 31000, end: 31099 }] }),
    reserved: resources.normalize({ cpus: 0.5 }),
    role: 'engineering',
    attributes: { os: 'ubuntu16.04' },
    expiresAtMs: 0,
    gangId: '',
  });
  t.same(offer.id, { value: '12214-23523-O235235' });
  t.same(offer.framework_id, { value: '12124-235325-32425' });
  t.same(offer.agent_id, { value: '12325-23523-S23523' });
  t.equal(offer.hostname, 'agent.host');
  t.same(offer.allocation_info, { role: 'engineering' });
  t.same(offer.attributes, [{ name: 'os', type: 'TEXT', text: { value: 'ubuntu16.04' } }]);
  t.notOk(offer.url.address.ip, 'a hostname that is not an address gives no ip');
  t.same(offer.resources, [
    { allocation_info: { role: 'engineering' }, name: 'cpus', type: 'SCALAR', scalar: { value: 1.5 }, role: '*' },
    { allocation_info: { role: 'engineering' }, name: 'mem', type: 'SCALAR', scalar: { value: 1024 }, role: '*' },
    { allocation_info: { role: 'engineering' }, name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31099 }] }, role: '*' },
    { allocation_info: { role: 'engineering' }, name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 }, role: 'engineering', reservations: [{ type: 'STATIC', role: 'engineering' }] },
  ]);
});

const status = (s: Partial<StatusUpdate>): StatusUpdate => ({
  taskId: '12344-my-task', state: TaskState.TASK_RUNNING, reason: '', message: '', agentId: '', frameworkId: 'fw', uuid: '', timestampMs: 1_500_000,
  source: StatusSource.EXECUTOR, health: 0, exitCode: -1, containerId: '', ...s,
});

t.test('a status: TASK_* state, SOURCE_*, REASON_*, base64 uuid, seconds', async (t) => {
  const uuid = '0e8d4b2a-6f1c-4c3e-9d7a-5b2e1f0a9c84';
  t.same(mesosStatus(status({ uuid, agentId: 'S1', containerId: 'c1', health: 1 })), {
    task_id: { value: '12344-my-task' },
    state: 'TASK_RUNNING',
    source: 'SOURCE_EXECUTOR',
    agent_id: { value: 'S1' },
    executor_id: { value: '12344-my-task' },
    timestamp: 1500,
    uuid: Buffer.from(uuid).toString('base64'),
    healthy: true,
    container_status: { container_id: { value: 'c1' } },
  });
  const failed = mesosStatus(status({ state: TaskState.TASK_FAILED, reason: TaskReason.OOM, message: 'out of memory', source: StatusSource.AGENT }));
  t.match(failed, { state: 'TASK_FAILED', reason: 'REASON_CONTAINER_LIMITATION_MEMORY', source: 'SOURCE_AGENT', message: 'out of memory' });
  t.notOk('uuid' in failed, 'a master-made update carries no uuid: nothing to acknowledge');
  const reconciled = mesosStatus(status({ reason: TaskReason.RECONCILIATION, source: StatusSource.AGENT }));
  t.match(reconciled, { reason: 'REASON_RECONCILIATION', source: 'SOURCE_MASTER' }, 'reconciliation answers come from the master');
  for (const state of ['TASK_STAGING', 'TASK_KILLED', 'TASK_LOST', 'TASK_DROPPED', 'TASK_UNREACHABLE', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR', 'TASK_UNKNOWN'] as const) {
    t.equal(mesosStatus(status({ state: TaskState[state] })).state, state, `${state} keeps its Mesos name`);
  }
  for (const reason of Object.values(TaskReason)) {
    const name = mesosReason(reason);
    if (name !== undefined) t.match(name, /^REASON_[A-Z_]+$/, `${reason} maps to a Mesos reason`);
  }
  t.equal(mesosReason(TaskReason.KILLED_BY_FRAMEWORK), undefined, 'a kill the framework asked for has no reason, as in Mesos');
});

t.test('RecordIO frames: byte lengths, ASCII-only JSON, read back by @dcos/recordio', async (t) => {
  const events = [{ type: 'HEARTBEAT' }, { type: 'ERROR', error: { message: 'naïve – “quoted” 🚀' } }, { type: 'SUBSCRIBED', subscribed: { framework_id: { value: 'x' }, heartbeat_interval_seconds: 15 } }];
  const bytes = Buffer.concat(events.map((e) => jsonRecord(e)));
  const text = bytes.toString('utf8');
  t.match(text, /^\d+\n\{"type":"HEARTBEAT"\}\d+\n/, 'length, newline, record');
  t.notMatch(text, /[^\x00-\x7f]/, 'non-ASCII characters are escaped');
  const [records, rest] = read(text);
  t.equal(rest, '');
  t.same(records.map((r) => JSON.parse(r) as unknown), events, 'the independent parser reads every record back');
  const first = jsonRecord(events[0]).toString();
  t.equal(Number(first.slice(0, first.indexOf('\n'))), Buffer.byteLength('{"type":"HEARTBEAT"}'), 'the length counts bytes');
  const [partial, left] = read(text.slice(0, text.length - 3));
  t.equal(partial.length, 2, 'a cut stream gives its whole records');
  t.ok(left.length > 0, 'and keeps the partial one');
});
