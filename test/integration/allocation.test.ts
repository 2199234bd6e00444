// Fair allocation through a running master: weighted DRF between roles, reservations, preemption
// for quota guarantees, gangs and explanations. Agents are real agents on the hollow runtime
// (tasks pretend to run), so only the allocation behaviour is under test.
import t from 'tap';
import { OperationType, TaskReason, TaskState, resources } from '../../protocol/index.js';
import type { ResourceOffer } from '../../frameworks/sdk/index.js';
import type { Explanation } from '../../master/allocator/types.js';
import type { SchedulerCallError } from '../../frameworks/sdk/index.js';
import { testCluster, testFramework, type TestFramework } from '../helpers/cluster.js';
import { getState } from '../helpers/master.js';
import { until } from '../helpers/poll.js';

let next = 0;
/** Answers every offer by launching one task of the shape (when it fits) and returning the rest. */
function oneTaskPerOffer(fw: TestFramework, shape: { cpus: number; memMb: number }, options: { preemptible?: boolean } = {}): void {
  const answered = new Set<string>();
  fw.onOffers = (offers) => {
    for (const offer of offers) {
      if (answered.has(offer.id)) continue;
      answered.add(offer.id);
      const r = resources.normalize(offer.resources);
      if (r.cpus < shape.cpus || r.memMb < shape.memMb) {
        fw.client.decline([offer.id], 1);
        continue;
      }
      fw.client.launch([offer.id], [{
        taskId: `task-${++next}`,
        resources: shape,
        command: { value: 'sleep 600', shell: true },
        preemptible: options.preemptible ?? false,
      }]);
    }
  };
  // Offers that came before the handler was set are answered too.
  fw.onOffers(fw.events.flatMap((e) => (e.type === 'offers' ? e.offers : [])));
}

const dominantShare = (tasks: number, cpus: number): number => tasks / cpus;

t.test('two frameworks in roles weighted 1 and 3 converge to dominant shares 1:3', async (t) => {
  const { master } = await testCluster(t, 'hollow', {
    agents: 4,
    agentCpus: 4,
    agentMemMb: 8192,
    roles: new Map([['light', { weight: 1 }], ['heavy', { weight: 3 }]]),
    allocationIntervalMs: 50,
  });
  const light = await testFramework(t, master.url, { name: 'light', roles: ['light'] });
  const heavy = await testFramework(t, master.url, { name: 'heavy', roles: ['heavy'] });
  oneTaskPerOffer(light, { cpus: 1, memMb: 128 });
  oneTaskPerOffer(heavy, { cpus: 1, memMb: 128 });
  light.client.revive();
  heavy.client.revive();
  // The cluster (16 cpus) fills up with one-cpu tasks.
  const state = await until('the cluster is full', async () => {
    const s = await getState(master.httpUrl);
    return s.tasks.length === 16 ? s : undefined;
  }, 20_000);
  const count = (name: string): number => state.tasks.filter((x) => x.frameworkId === state.frameworks.find((f) => f.name === name)?.id).length;
  const lightShare = dominantShare(count('light'), 16);
  const heavyShare = dominantShare(count('heavy'), 16);
  t.equal(count('light') + count('heavy'), 16);
  t.ok(Math.abs(heavyShare / lightShare - 3) <= 0.5, `dominant shares ${lightShare} and ${heavyShare} are 1:3 (tasks ${count('light')} and ${count('heavy')})`);
});

t.test('RESERVE sets resources aside for a role; UNRESERVE gives them back', async (t) => {
  const { master } = await testCluster(t, 'hollow', { agents: 1, agentCpus: 4, agentMemMb: 4096, allocationIntervalMs: 50 });
  const eng = await testFramework(t, master.url, { name: 'eng', roles: ['eng'] });
  const offer = await eng.next('an offer', (e) => (e.type === 'offers' ? e.offers[0] : undefined));
  const from = eng.events.length;
  eng.client.accept([offer.id], [{ type: OperationType.RESERVE, reservations: [{ role: 'eng', resources: { cpus: 2, memMb: 1024 } }] }]);
  const reservedOffer = await eng.next('an offer with a reserved part', (e) => (e.type === 'offers' ? e.offers.find((o) => (o.reserved?.cpus ?? 0) > 0) : undefined), from);
  t.equal(reservedOffer.reserved?.cpus, 2);
  t.same((await getState(master.httpUrl)).agents[0]?.reserved.eng?.cpus, 2, 'the state shows the reservation');

  // Another role never sees the reserved part.
  eng.client.decline([reservedOffer.id], 3600);
  const ops = await testFramework(t, master.url, { name: 'ops', roles: ['ops'] });
  const opsOffer = await ops.next('an offer to ops', (e) => (e.type === 'offers' ? e.offers[0] : undefined));
  t.equal(opsOffer.resources?.cpus, 2, 'ops is offered only the unreserved two cpus');
  ops.client.decline([opsOffer.id], 3600);

  // UNRESERVE needs the reserved resources in an offer.
  const from2 = eng.events.length;
  eng.client.revive();
  const again = await eng.next('the reserved offer again', (e) => (e.type === 'offers' ? e.offers.find((o) => (o.reserved?.cpus ?? 0) > 0) : undefined), from2);
  // The filter keeps eng from taking the whole agent straight back; ops may be offered the whole
  // agent at once (its filter covered only the two unreserved cpus), so watch from here.
  const from3 = ops.events.length;
  eng.client.accept([again.id ?? ''], [{ type: OperationType.UNRESERVE, reservations: [{ role: 'eng', resources: { cpus: 2, memMb: 1024 } }] }], { refuseSeconds: 3600 });
  await until('reservation gone', async () => (await getState(master.httpUrl)).agents[0]?.reserved.eng === undefined);
  ops.client.revive();
  const whole = await ops.next('all four cpus for ops', (e) => (e.type === 'offers' ? e.offers.find((o: ResourceOffer) => o.resources?.cpus === 4) : undefined), from3);
  t.equal(whole.resources?.cpus, 4);
});

t.test('a static reservation (agent --reserve) is offered only to its role', async (t) => {
  const { testAgent } = await import('../helpers/cluster.js');
  const { testMaster } = await import('../helpers/master.js');
  const master = await testMaster(t, { allocationIntervalMs: 50 });
  await testAgent(t, master.url, 'hollow', { cpus: 4, memMb: 4096, reservations: [{ role: 'eng', resources: resources.normalize({ cpus: 3, memMb: 1024 }) }] });
  const ops = await testFramework(t, master.url, { name: 'ops', roles: ['ops'] });
  const opsOffer = await ops.next('an offer to ops', (e) => (e.type === 'offers' ? e.offers[0] : undefined));
  t.equal(opsOffer.resources?.cpus, 1, 'ops sees only the unreserved cpu');
  t.equal(opsOffer.resources?.memMb, 3072);
  const eng = await testFramework(t, master.url, { name: 'eng', roles: ['eng'] });
  const engOffer = await eng.next('an offer to eng', (e) => (e.type === 'offers' ? e.offers[0] : undefined));
  t.equal(engOffer.reserved?.cpus, 3, 'eng is offered its reservation');
  const state = await getState(master.httpUrl);
  t.equal(state.agents[0]?.reserved.eng?.cpus, 3);
});

t.test('a reservation for a role the framework does not have is refused', async (t) => {
  const { master } = await testCluster(t, 'hollow', { agents: 1 });
  const fw = await testFramework(t, master.url, { name: 'eng', roles: ['eng'] });
  const offer = await fw.next('an offer', (e) => (e.type === 'offers' ? e.offers[0] : undefined));
  const err = await fw.client.accept([offer.id], [{ type: OperationType.RESERVE, reservations: [{ role: 'ops', resources: { cpus: 1 } }] }]).then(
    () => undefined,
    (e: SchedulerCallError) => e,
  );
  t.equal(err?.code, 'ROLE_NOT_SUBSCRIBED');
  t.match(err?.field, /reservations\[0\]\.role/);
  t.notOk(fw.events.some((e) => e.type === 'error'), 'the refusal rejects the call instead of becoming an error event');
});

t.test('a role below its quota guarantee preempts preemptible tasks of a role above its share', async (t) => {
  const { master } = await testCluster(t, 'hollow', { agents: 1, agentCpus: 4, agentMemMb: 4096, allocationIntervalMs: 50 });
  const batch = await testFramework(t, master.url, { name: 'batch', roles: ['batch'] });
  oneTaskPerOffer(batch, { cpus: 1, memMb: 64 }, { preemptible: true });
  batch.client.revive();
  await until('batch fills the agent', async () => (await getState(master.httpUrl)).tasks.filter((x) => x.state === 'RUNNING').length === 4, 10_000);
  batch.onOffers = undefined;

  // The operator guarantees prod two cpus on a full cluster.
  const put = await fetch(`${master.httpUrl}/api/v1/roles/prod`, { method: 'PUT', body: JSON.stringify({ weight: 1, quotaGuarantee: { cpus: 2, memMb: 128 } }) });
  t.equal(put.status, 200);
  const prod = await testFramework(t, master.url, { name: 'prod', roles: ['prod'] });
  // Like any framework, prod declines what it cannot use; a filter on a cpu-less offer does not
  // block a later offer that has cpus (it is not a subset of what was refused).
  const declineCpuless = (offers: ResourceOffer[]): void => {
    for (const o of offers) if ((o.resources?.cpus ?? 0) < 1) prod.client.decline([o.id], 5);
  };
  prod.onOffers = declineCpuless;
  declineCpuless(prod.events.flatMap((e) => (e.type === 'offers' ? e.offers : [])));
  const killed = await batch.next('a batch task preempted', (e) =>
    e.type === 'update' && e.status.state === TaskState.TASK_KILLED ? e.status : undefined, 0, 15_000);
  t.equal(killed.reason, TaskReason.PREEMPTED, 'the framework sees why its task was killed');
  const offer = await prod.next('an offer of the freed cpus to prod', (e) => (e.type === 'offers' ? e.offers.find((o) => (o.resources?.cpus ?? 0) >= 1) : undefined), 0, 15_000);
  t.ok((offer.resources?.cpus ?? 0) >= 1, `prod is offered the freed resources (${offer.resources?.cpus} cpus)`);
  await until('preemption settles', async () => (await getState(master.httpUrl)).tasks.length <= 2);
  t.equal(master.master.counters.preemptions, 2, 'exactly the guarantee is preempted, no more');
});

t.test('roles are set through the API, validated, persisted and listed', async (t) => {
  const { master } = await testCluster(t, 'hollow', { agents: 1 });
  const bad = await fetch(`${master.httpUrl}/api/v1/roles/eng`, { method: 'PUT', body: JSON.stringify({ weight: -1, quotaLimit: { cpus: 'x' }, colour: 'red' }) });
  t.equal(bad.status, 400);
  const err = (await bad.json()) as { code: string; message: string };
  t.equal(err.code, 'BAD_REQUEST');
  t.match(err.message, /weight must be a number > 0/);
  t.match(err.message, /quotaLimit\.cpus must be a finite number/);
  t.match(err.message, /colour is not a role field/);
  const badName = await fetch(`${master.httpUrl}/api/v1/roles/Eng!`, { method: 'PUT', body: '{}' });
  t.equal(badName.status, 400);
  const ok = await fetch(`${master.httpUrl}/api/v1/roles/eng`, { method: 'PUT', body: JSON.stringify({ weight: 3, quotaLimit: { cpus: 8 } }) });
  t.equal(ok.status, 200);
  const roles = (await (await fetch(`${master.httpUrl}/api/v1/roles`)).json()) as { name: string; weight: number }[];
  t.same(roles.map((r) => [r.name, r.weight]), [['eng', 3]]);
  const del = await fetch(`${master.httpUrl}/api/v1/roles/eng`, { method: 'DELETE' });
  t.equal(del.status, 200);
  t.equal((await fetch(`${master.httpUrl}/api/v1/roles/eng`, { method: 'DELETE' })).status, 404);
});

t.test('a gang is offered all at once, across agents, with one gang id', async (t) => {
  const { master } = await testCluster(t, 'hollow', { agents: 2, agentCpus: 2, agentMemMb: 1024, allocationIntervalMs: 50 });
  const fw = await testFramework(t, master.url, { name: 'mpi', roles: ['*'] });
  const plain = await until('plain offers for both agents', () => {
    const offers = fw.events.flatMap((e) => (e.type === 'offers' ? e.offers : []));
    return offers.length >= 2 ? offers : undefined;
  });
  const shape = { cpus: 1, memMb: 128 };
  const from = fw.events.length;
  // The request is in before the plain offers come back to the pool, so the gang is served first.
  fw.client.requestGang('g1', [shape, shape, shape]);
  fw.client.decline(plain.map((o) => o.id), 0);
  const bundle = await until('the gang bundle', () => {
    const parts = fw.events.slice(from).flatMap((e) => (e.type === 'offers' ? e.offers : [])).filter((o) => o.gangId === 'g1');
    return parts.reduce((n, o) => n + (o.resources?.cpus ?? 0), 0) >= 3 ? parts : undefined;
  });
  t.equal(new Set(bundle.map((o) => o.agentId)).size, 2, 'the bundle spans both agents');
  t.ok(bundle.every((o) => o.gangId === 'g1'), 'every part carries the gang id');
  t.equal(bundle.reduce((n, o) => n + (o.resources?.cpus ?? 0), 0), 3, 'the bundle is exactly the gang');
});

t.test('a gang that cannot fit is not offered at all', async (t) => {
  const { master } = await testCluster(t, 'hollow', { agents: 1, agentCpus: 2, agentMemMb: 1024, allocationIntervalMs: 50 });
  const fw = await testFramework(t, master.url, { name: 'mpi', roles: ['*'] });
  const plain = await fw.next('an offer', (e) => (e.type === 'offers' ? e.offers[0] : undefined));
  const from = fw.events.length;
  fw.client.requestGang('too-big', [{ cpus: 2, memMb: 128 }, { cpus: 2, memMb: 128 }]);
  fw.client.decline([plain.id ?? ''], 0);
  await until('allocation runs', () => master.master.counters.allocationRuns > 20);
  t.equal(fw.events.slice(from).flatMap((e) => (e.type === 'offers' ? e.offers : [])).filter((o) => o.gangId).length, 0);
  const e = (await (await fetch(`${master.httpUrl}/api/v1/explain?framework=${fw.client.frameworkId}`)).json()) as Explanation;
  t.ok(e.reasons.some((r) => r.kind === 'gang-never-fits' || r.kind === 'gang-does-not-fit'), `explain names the gang: ${e.summary}`);
});

t.test('explain says why a framework gets nothing', async (t) => {
  const { master } = await testCluster(t, 'hollow', { agents: 1 });
  const fw = await testFramework(t, master.url, { name: 'quiet', roles: ['*'] });
  fw.client.suppress();
  const explanation = await until('an explanation naming the suppression', async () => {
    const res = await fetch(`${master.httpUrl}/api/v1/explain?framework=${fw.client.frameworkId}`);
    const e = (await res.json()) as Explanation;
    return e.reasons.some((r) => r.kind === 'suppressed') ? e : undefined;
  });
  t.match(explanation.summary, /suppress/i);
  const bad = await fetch(`${master.httpUrl}/api/v1/explain?framework=fw-nope`);
  t.equal(bad.status, 404);
  t.equal(((await bad.json()) as { code: string }).code, 'FRAMEWORK_UNKNOWN');
  const both = await fetch(`${master.httpUrl}/api/v1/explain`);
  t.equal(both.status, 400);
});
