// `docker kill` of an instance under traffic through the load balancer: the framework sees it end,
// the endpoints and the load balancer drop it from the rotation (the time from the framework's
// view of its end to the load balancer's is printed, a measurement), the only failed requests are
// those that were in flight to it when it died (a new connection it refuses goes to another
// backend), and requests keep succeeding afterwards, the replacement among those answering.
import { connect } from 'node:net';
import t from 'tap';
import { dockerClient, requireDocker } from '../helpers/docker.js';
import { until } from '../helpers/poll.js';
import { applyService } from '../helpers/services-apply.js';
import { httpdSpec, SLOW_PATH } from '../helpers/services-httpd.js';
import { endpointIds, lbRotation, startLoad, trafficStack, untilServing } from '../helpers/traffic.js';

const ID = '/shop/search';
const SERVICE_PORT = 27050;
const N = 4;
const CONCURRENCY = 8;

/** True once nothing listens on 127.0.0.1:port any more (the connection is refused). */
function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

void t.test('docker kill under traffic: out of rotation, only the requests in flight fail, then all succeed', async (t) => {
  if (!(await requireDocker(t))) return;
  const stack = await trafficStack(t, { agents: 2, portBase: 26800 });
  await applyService(stack.runtime, httpdSpec({ id: ID, instances: N, servicePort: SERVICE_PORT, slowSeconds: 0.3 }));
  const before = await untilServing(stack, ID, SERVICE_PORT, N);
  const [victim] = before;
  if (!victim) throw new Error('no instance');
  const [container] = await dockerClient().listContainers({ filters: { label: [`berth.task_id=${victim.id}`] } });
  if (!container) throw new Error(`${victim.id} has no container`);

  // Requests take 0.3 s, so some are in flight to the victim when it dies.
  const load = startLoad(t, SERVICE_PORT, { path: SLOW_PATH, concurrency: CONCURRENCY });
  await load.more(50);
  t.ok((load.summary().byInstance[victim.id] ?? 0) > 0, `${victim.id} answered before the kill`);

  const seenEnded = until(`the framework sees ${victim.id} end`, () => {
    const i = stack.runtime.view().instances.find((x) => x.id === victim.id);
    return (i === undefined || i.state !== 'running' || i.healthy === false) && { atMs: Date.now(), state: i?.state ?? 'gone' };
  }, 30_000, 5);
  const outOfEndpoints = until(`${victim.id} out of the endpoints`, async () => !(await endpointIds(stack.framework.url, ID)).endpoints.includes(victim.id) && Date.now(), 30_000, 10);
  const outOfLb = until(`${victim.id} out of the load balancer's rotation`, async () => !(await lbRotation(stack.lbAdminUrl, SERVICE_PORT)).includes(victim.id) && Date.now(), 30_000, 10);
  const killAtMs = Date.now();
  await dockerClient().getContainer(container.Id).kill();
  const deadAtMs = await until(`${victim.id}'s port refuses`, async () => (await refuses(victim.ports.http ?? 0)) && Date.now(), 10_000, 5);
  const [ended, endpointsOutMs, lbOutMs] = await Promise.all([seenEnded, outOfEndpoints, outOfLb]);
  t.comment(`killed at +0 ms; port refused at +${deadAtMs - killAtMs} ms; framework saw it ${ended.state} at +${ended.atMs - killAtMs} ms; out of the endpoints at +${endpointsOutMs - killAtMs} ms; out of the load balancer at +${lbOutMs - killAtMs} ms`);
  t.comment(`out of rotation ${lbOutMs - ended.atMs} ms after the framework saw it end`);

  const after = (await untilServing(stack, ID, SERVICE_PORT, N)).map((i) => i.id);
  const settledAtMs = Date.now();
  await load.more(100);
  const s = await load.stop();
  const failed = load.failures();
  t.comment(`in all: ${load.describe(s)}`);
  t.comment(`failed requests: ${failed.length} ${JSON.stringify(failed.map((f) => ({ code: f.code, startMs: f.startMs - killAtMs, endMs: f.endMs - killAtMs, loop: f.loop })))}`);

  t.ok(failed.length <= CONCURRENCY, `at most one failure per loop: the requests in flight at the kill (${failed.length})`);
  t.same(failed.filter((f) => f.startMs > deadAtMs), [], 'no request sent after the instance died failed: the load balancer sent them elsewhere');
  t.equal(load.summary(settledAtMs).failures, 0, 'requests keep succeeding afterwards');
  t.notOk(after.includes(victim.id), 'the killed instance is not among those available');
  const replacement = after.filter((id) => !before.some((b) => b.id === id));
  t.equal(replacement.length, 1, 'one replacement started');
  t.ok((load.summary(settledAtMs).byInstance[replacement[0] ?? ''] ?? 0) > 0, 'the replacement answers through the load balancer');
  t.equal(load.summary(settledAtMs).byInstance[victim.id], undefined, 'the killed instance does not');
});
