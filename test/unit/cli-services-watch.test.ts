// berth services --wait's watcher over a scripted client: how each way a deployment can end is
// told, that unchanged progress is printed once, and that a signal stops the watch.
import t from 'tap';
import { ApiError } from '../../cli/http.js';
import type { HistoryAnswer, ServiceDetail } from '../../cli/services/api-types.js';
import type { ServicesClient } from '../../cli/services/client.js';
import { watchDeployments, type WatchTarget } from '../../cli/services/watch.js';

type Script = (ServiceDetail | Error)[];

function client(details: Script, history: HistoryAnswer = { id: '/a', versions: [], deployments: [] }): ServicesClient {
  let i = 0;
  return {
    get: async () => {
      const next = details[Math.min(i++, details.length - 1)]!;
      if (next instanceof Error) throw next;
      return next;
    },
    history: async () => history,
  } as unknown as ServicesClient;
}

const detail = (version: number, deployment: ServiceDetail['deployment'], status = 'deploying', instances: ServiceDetail['instances'] = []): ServiceDetail =>
  ({ id: '/a', version, status, deployment, reasons: [], instances, versions: [version], spec: { instances: 2 } }) as unknown as ServiceDetail;
const dep = (toVersion: number, phase: string, extra = {}) => ({ fromVersion: 1, toVersion, phase, startedAtMs: 0, deadlineMs: 1, ...extra }) as ServiceDetail['deployment'];

async function watch(c: ServicesClient, targets: WatchTarget[] = [{ id: '/a', version: 2 }], signal = new AbortController().signal) {
  const lines: string[] = [];
  const outcomes = await watchDeployments(c, targets, { intervalMs: 1, write: (l) => lines.push(l), signal, now: () => 0 });
  return { lines, outcomes };
}

t.test('a deployment superseded by a newer apply is told with the newer version', async (t) => {
  const history = { id: '/a', versions: [], deployments: [{ ...dep(2, 'superseded', { supersededBy: 3 }), stepsDone: 1 }] } as unknown as HistoryAnswer;
  const { lines, outcomes } = await watch(client([detail(3, dep(3, 'running'))], history));
  t.same(outcomes?.map((o) => o.result), ['superseded']);
  t.match(lines.at(-1), /\/a: deployment of version 2 superseded by version 3/);
});

t.test('a service removed while it deploys ends the watch as removed', async (t) => {
  const { outcomes, lines } = await watch(client([new ApiError('u', 404, 'NOT_FOUND', 'no service /a', 'id', [])]));
  t.same(outcomes?.map((o) => o.result), ['removed']);
  t.match(lines[0], /the service was removed before version 2 was deployed/);
});

t.test('other errors are not taken for an ending', async (t) => {
  await t.rejects(watch(client([new ApiError('u', 503, 'STORE_UNAVAILABLE', 'down', '', [])])), /STORE_UNAVAILABLE/);
});

t.test('a version that needed no deployment is done once the service is stable', async (t) => {
  const { outcomes } = await watch(client([detail(2, null, 'stable')]));
  t.same(outcomes?.map((o) => o.result), ['succeeded']);
});

t.test('the same progress is printed once; a change prints again', async (t) => {
  const running = (healthy: boolean) => detail(2, dep(2, 'running'), 'deploying', [{ id: 'i', version: 2, agentId: 'x', hostname: 'h', host: 'h', state: 'running', healthy, ready: true, ports: {}, startedAtMs: 0, drainingSinceMs: null }]);
  const { lines } = await watch(client([running(false), running(false), running(true), running(true), detail(2, dep(2, 'succeeded'), 'stable')]));
  t.same(lines.map((l) => l.replace(/ \(\d+s\)$/, '')), [
    '/a v2: deploying, updated 0/2, healthy 0',
    '/a v2: deploying, updated 1/2, healthy 1',
    '/a: version 2 deployed',
  ]);
});

t.test("the planner's counts are shown when the API gives them", async (t) => {
  const counted = { ...detail(2, dep(2, 'running')), progress: { desired: 4, live: 5, available: 3, updated: 2, minAvailable: 2, maxLive: 5 } } as ServiceDetail;
  const { lines } = await watch(client([counted, detail(2, dep(2, 'succeeded'), 'stable')]));
  t.equal(lines[0]?.replace(/ \(\d+s\)$/, ''), '/a v2: deploying, updated 2/4, healthy 3');
});

t.test('several services are each followed to their own end', async (t) => {
  const c = {
    get: async (id: string) => (id === '/a' ? detail(2, dep(2, 'succeeded'), 'stable') : detail(5, dep(5, 'failed', { reason: 'deadline passed' }), 'stable')),
    history: async () => ({ id: '', versions: [], deployments: [] }),
  } as unknown as ServicesClient;
  const { outcomes } = await watch(c, [{ id: '/a', version: 2 }, { id: '/b', version: 5 }]);
  t.same(outcomes?.map((o) => [o.id, o.result, o.reason]), [['/a', 'succeeded', ''], ['/b', 'failed', 'deadline passed']]);
});

t.test('an aborted watch resolves undefined: the deployments go on', async (t) => {
  const stop = new AbortController();
  const c = { get: async () => (stop.abort(), detail(2, dep(2, 'running'))), history: async () => ({ deployments: [] }) } as unknown as ServicesClient;
  const { outcomes } = await watch(c, undefined, stop.signal);
  t.equal(outcomes, undefined);
});
