// The master over TLS: https and wss with certificates made by openssl at test time. An agent and
// an SDK framework launch a task through it; plain http, an untrusted CA and (with mutual TLS) a
// client without a certificate are refused, each with a message that says what to do.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { SchedulerClient, type SchedulerEvent } from '../../frameworks/sdk/index.js';
import { connect, fetchWithTls, HelloKind, TaskState } from '../../protocol/index.js';
import { testAgent, TestFramework } from '../helpers/cluster.js';
import { testMaster } from '../helpers/master.js';
import { until } from '../helpers/poll.js';
import { testCerts } from '../helpers/tls.js';

const finished = (taskId: string) => (e: SchedulerEvent) => (e.type === 'update' && e.status.taskId === taskId && e.status.state === TaskState.TASK_FINISHED ? e.status : undefined);

/** A client whose events end with a disconnection; resolves with its reason. */
async function refusal(client: SchedulerClient): Promise<string> {
  let last: SchedulerEvent | undefined;
  for await (const e of client.events()) last = e;
  return last?.type === 'disconnected' ? last.reason : `no disconnection (last event ${last?.type ?? 'none'})`;
}

t.test('over https and wss an agent registers and an SDK framework launches a task', async (t) => {
  const certs = testCerts(t);
  const m = await testMaster(t, { tls: certs.server(), allocationIntervalMs: 50 });
  t.match(m.url, /^wss:\/\/127\.0\.0\.1:\d+$/, 'the master advertises wss://');
  t.match(m.httpUrl, /^https:\/\//);
  const agent = await testAgent(t, m.url, 'process', { agent: { tls: certs.client() } });
  const client = new SchedulerClient({ masterUrl: m.url, framework: { name: 'tls', roles: ['*'] }, ca: certs.client().ca as Buffer });
  t.teardown(() => client.close());
  const fw = new TestFramework(client);
  const offer = await fw.next('an offer', (e) => (e.type === 'offers' ? e.offers[0] : undefined));
  t.equal(offer.agentId, agent.agentId);
  void client.launch([offer.id], [{ taskId: 'over-tls', name: 'over-tls', agentId: offer.agentId, resources: { cpus: 0.1, memMb: 32 }, command: { value: 'echo hi', shell: true } }]);
  const end = await fw.next('the task finishes', finished('over-tls'));
  t.equal(end.exitCode, 0);
  const state = (await (await fetchWithTls(certs.client())(`${m.httpUrl}/api/v1/state`)).json()) as { agents: { id: string }[] };
  t.same(state.agents.map((a) => a.id), [agent.agentId], 'the state reads over https');
});

t.test('plain http and ws to a TLS master are refused, with a hint to use https or wss', async (t) => {
  const certs = testCerts(t);
  const m = await testMaster(t, { tls: certs.server() });
  const plain = m.httpUrl.replace(/^https/, 'http');
  await t.rejects(fetch(`${plain}/health`), 'fetch over http fails');
  const err = await connect(`${m.url.replace(/^wss/, 'ws')}/api/v1/agent`, { kind: HelloKind.AGENT, client: 'plain' }).then(() => undefined, (e: Error) => e);
  t.match(err?.message, /if it serves TLS, use https:\/\/ or wss:\/\//);
});

t.test('a master whose certificate no trusted CA signed is refused, naming the CA option', async (t) => {
  const certs = testCerts(t);
  const m = await testMaster(t, { tls: certs.server() });
  for (const [what, ca] of [['the system CAs', undefined], ['another CA', certs.files.otherCa]] as const) {
    const client = new SchedulerClient({ masterUrl: m.url, framework: { name: 'untrusted', roles: ['*'] }, ...(ca ? { ca: readFileSync(ca) } : {}) });
    t.teardown(() => client.close());
    const reason = await refusal(client);
    t.match(reason, /is not signed by a CA this client trusts/, `with ${what}: refused`);
    t.match(reason, /--ca-file FILE \(BERTH_CA_FILE\), or the SDK option ca/, `with ${what}: the message names the option`);
  }
});

t.test('with mutual TLS an agent without a client certificate is refused; one with it registers', async (t) => {
  const certs = testCerts(t);
  const m = await testMaster(t, { tls: certs.server(true) });
  const err = await connect(`${m.url}/api/v1/agent`, { kind: HelloKind.AGENT, client: 'no-cert', tls: certs.client(false) }).then(() => undefined, (e: Error) => e);
  t.match(err?.message, /give a certificate signed by the CA it trusts with --tls-cert FILE --tls-key FILE/);
  const health = await fetchWithTls(certs.client(false))(`${m.httpUrl}/health`).then((r) => r.status, (e: Error) => e.message);
  t.equal(health, 'fetch failed', 'an https request without a certificate is refused too');
  const agent = await testAgent(t, m.url, 'process', { agent: { tls: certs.client(true) } });
  await until('the agent is registered', () => agent.agentId !== '');
  const ok = await fetchWithTls(certs.client(true))(`${m.httpUrl}/health`);
  t.equal(ok.status, 200, 'a client with the certificate reads /health');
});
