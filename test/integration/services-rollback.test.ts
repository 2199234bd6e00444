// An upgrade whose health check can never pass, on three Docker agents: the framework rolls it
// back by itself once its deadline passes, version 1 keeps serving throughout (sampled every
// 100 ms), and the history shows both versions, the rollback and why.
import t from 'tap';
import { requireDocker } from '../helpers/docker.js';
import { until } from '../helpers/poll.js';
import { servicesCluster, servicesRuntime } from '../helpers/services-cluster.js';
import { applyService, available, untilStable } from '../helpers/services-control.js';
import { httpdSpec } from '../helpers/services-httpd.js';
import { ServiceSampler } from '../helpers/services-sampler.js';

const ID = '/shop/cart';
const DEADLINE_S = 12;

void t.test('an upgrade that never gets healthy rolls back by itself at its deadline; version 1 serves throughout', async (t) => {
  if (!(await requireDocker(t))) return;
  const cluster = await servicesCluster(t, { agents: 3, portBase: 42200 });
  const runtime = await servicesRuntime(t, cluster);
  await applyService(runtime, httpdSpec({ id: ID, instances: 3, tag: 'v1', deploymentDeadlineSeconds: DEADLINE_S }));
  await untilStable(runtime, ID, 3);
  const v1 = new Set(available(runtime, ID).map((i) => i.id));

  const sampler = new ServiceSampler({ serviceId: ID, masterHttpUrl: cluster.master.httpUrl, control: runtime }).start();
  await sampler.more(3);
  // The page is served, but the health check asks for a path that does not exist (404).
  const bad = await applyService(runtime, httpdSpec({ id: ID, instances: 3, tag: 'v2', healthPath: '/missing', deploymentDeadlineSeconds: DEADLINE_S }));
  t.equal(bad.targetVersion, 2);
  await until('version 2 instances launched', () => runtime.view().instances.some((i) => i.serviceId === ID && i.version === 2), 30_000, 50);
  const rolledBack = await until('the deployment of version 2 rolled back', () => {
    const state = runtime.view().states.get(ID);
    return state?.history.find((d) => d.toVersion === 2 && d.phase === 'rolled-back') ? state : undefined;
  }, (DEADLINE_S + 60) * 1000, 100);
  const final = await untilStable(runtime, ID, 3);
  await sampler.more(3);
  await sampler.stop();
  t.comment(`${sampler.samples.length} samples, longest gap ${sampler.longestGapMs()} ms`);

  t.equal(sampler.min((s) => s.viewByVersion[1] ?? 0), 3, 'three healthy instances of version 1 at every sample');
  t.equal(sampler.min((s) => s.httpByTag.v1 ?? 0), 3, 'three version 1 pages answered at every sample');
  t.equal(sampler.max((s) => s.viewByVersion[2] ?? 0), 0, 'no version 2 instance was ever healthy');
  t.ok(sampler.samples.some((s) => (s.httpByTag.v2 ?? 0) > 0), 'version 2 did run (its page answered; only its check failed)');

  const failed = rolledBack.history.find((d) => d.toVersion === 2 && d.phase === 'rolled-back');
  t.equal(failed?.fromVersion, 1);
  t.match(failed?.reason, /version 2: 0 of 3 instances healthy/, `why: ${failed?.reason}`);
  t.ok((failed?.endedAtMs ?? 0) >= (failed?.deadlineMs ?? Infinity), 'rolled back when its deadline had passed, not before');
  t.equal(final.targetVersion, 1, 'the target is version 1 again');
  t.equal(final.lastGoodVersion, 1);
  t.same(final.versions.map((v) => v.version), [1, 2], 'both versions are kept');
  const rollback = [...final.history, ...(final.deployment ? [final.deployment] : [])].find((d) => d.rollbackOf === 2);
  t.equal(rollback?.toVersion, 1, 'a rollback deployment to version 1');
  t.equal(rollback?.phase, 'succeeded');
  const now = available(runtime, ID);
  t.ok(now.length === 3 && now.every((i) => v1.has(i.id)), 'the original three instances of version 1 still serve');
  t.equal(runtime.view().instances.filter((i) => i.serviceId === ID && i.version === 2 && !['killed', 'failed', 'finished', 'error', 'lost', 'gone', 'dropped'].includes(i.state)).length, 0, 'no version 2 instance left');
  t.equal(sampler.samples.at(-1)?.httpByTag.v2 ?? 0, 0, 'no version 2 page left');
});
