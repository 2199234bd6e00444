// A Mesos framework (over the Mesos HTTP API) and a native framework (over the SDK) share one
// allocator: in roles weighted 1 and 1 they converge to equal dominant shares. Agents are real
// agents on the hollow runtime (tasks pretend to run), so only allocation is under test.
import t from 'tap';
import { resources } from '../../protocol/index.js';
import { testAgent, testFramework } from '../helpers/cluster.js';
import { getState, testMaster } from '../helpers/master.js';
import { launchCall, subscribe, taskResources, type MesosEventJson } from '../helpers/mesos-http.js';
import { until } from '../helpers/poll.js';

interface Offer { id: { value: string }; agent_id: { value: string }; resources: { name: string; scalar?: { value: number } }[] }

const CLUSTER_CPUS = 8;

t.test('a Mesos framework and a native framework in roles weighted 1 and 1 get equal dominant shares', async (t) => {
  const master = await testMaster(t, { roles: new Map([['mesos', { weight: 1 }], ['native', { weight: 1 }]]), allocationIntervalMs: 50 });

  let mesosTasks = 0;
  const mesos = await subscribe(t, master.httpUrl, { subscribe: { framework_info: { user: 'foo', name: 'mesos-fw', roles: ['mesos'], capabilities: [{ type: 'MULTI_ROLE' }] } } });
  // One one-cpu task per offer, what is left not refused, offers too small declined for a second:
  // both frameworks ask the same way.
  const answer = (e: MesosEventJson): void => {
    for (const offer of e.type === 'OFFERS' ? (e.offers as { offers: Offer[] }).offers : []) {
      const cpus = offer.resources.filter((r) => r.name === 'cpus').reduce((n, r) => n + (r.scalar?.value ?? 0), 0);
      const call = cpus >= 1
        ? launchCall([offer.id], [{ name: 'm', task_id: { value: `mesos-${++mesosTasks}` }, agent_id: offer.agent_id, command: { value: 'sleep 600' }, resources: taskResources(1, 128) }], { refuse_seconds: 0 })
        : { type: 'DECLINE', decline: { offer_ids: [offer.id], filters: { refuse_seconds: 1 } } };
      void mesos.call(call);
    }
  };
  const native = await testFramework(t, master.url, { name: 'native-fw', roles: ['native'] });
  let nativeTasks = 0;
  native.onOffers = (offers) => {
    for (const offer of offers) {
      if (resources.normalize(offer.resources).cpus < 1) native.client.decline([offer.id], 1);
      else native.client.launch([offer.id], [{ taskId: `native-${++nativeTasks}`, resources: { cpus: 1, memMb: 128 }, command: { value: 'sleep 600', shell: true } }]);
    }
  };
  mesos.onEvent = answer;
  native.client.revive();
  // The agents come once both frameworks are there. One-cpu agents: an offer is one task, so
  // shares move one task at a time.
  for (let i = 0; i < CLUSTER_CPUS; i++) await testAgent(t, master.url, 'hollow', { cpus: 1, memMb: 1024, ports: [33000 + i * 10, 33009 + i * 10] });

  const state = await until('the cluster is full', async () => {
    const s = await getState(master.httpUrl);
    return s.tasks.length === CLUSTER_CPUS ? s : undefined;
  }, 30_000);
  const count = (name: string): number => state.tasks.filter((x) => x.frameworkId === state.frameworks.find((f) => f.name === name)?.id).length;
  const mesosShare = count('mesos-fw') / CLUSTER_CPUS;
  const nativeShare = count('native-fw') / CLUSTER_CPUS;
  t.equal(count('mesos-fw') + count('native-fw'), CLUSTER_CPUS, 'every task is one of the two frameworks\'');
  t.ok(Math.abs(mesosShare - nativeShare) <= 1 / CLUSTER_CPUS, `dominant shares ${mesosShare} and ${nativeShare} are equal (tasks ${count('mesos-fw')} and ${count('native-fw')})`);
  t.same(state.frameworks.map((f) => f.roles).sort(), [['mesos'], ['native']], 'the two frameworks are in the state side by side');
});
