// A rolling upgrade of 10 httpd instances on five Docker agents with minimumHealthCapacity 0.8,
// gated on health and readiness (an instance is ready 2 s after it starts): sampled every 100 ms
// throughout, from the framework's view and over HTTP, never fewer than 8 healthy and ready
// instances; at the end all 10 run the new version. Then an upgrade superseded halfway by a
// newer one: the floor holds across three versions, and the history says what happened.
import t from 'tap';
import { requireDocker } from '../helpers/docker.js';
import { until } from '../helpers/poll.js';
import { servicesCluster, servicesRuntime } from '../helpers/services-cluster.js';
import { applyService, available, untilStable } from '../helpers/services-apply.js';
import { httpdSpec, readPage } from '../helpers/services-httpd.js';
import { ServiceSampler } from '../helpers/services-sampler.js';

const ID = '/shop/api';

void t.test('rolling upgrade of 10 with minimumHealthCapacity 0.8: never fewer than 8 healthy and ready, then 10 of the new version; superseded halfway, the same', async (t) => {
  if (!(await requireDocker(t))) return;
  const cluster = await servicesCluster(t, { agents: 5, portBase: 21600 });
  const runtime = await servicesRuntime(t, cluster);
  const upgradeStrategy = { minimumHealthCapacity: 0.8, maximumOverCapacity: 0.2 };
  await applyService(runtime, httpdSpec({ id: ID, instances: 10, tag: 'v1', upgradeStrategy, readyAfterSeconds: 2 }));
  const startedAt = Date.now();
  const before = await untilStable(runtime, ID, 10);
  t.comment(`version 1 stable after ${Date.now() - startedAt} ms`);
  const old = new Set(available(runtime, ID).map((i) => i.id));
  t.equal(old.size, 10, 'ten instances of version 1');

  const sampler = new ServiceSampler({ serviceId: ID, masterHttpUrl: cluster.master.httpUrl, control: runtime, readyPath: '/ready' }).start();
  await sampler.more(3);
  const applied = await applyService(runtime, httpdSpec({ id: ID, instances: 10, tag: 'v2', upgradeStrategy, readyAfterSeconds: 2 }));
  t.equal(applied.targetVersion, before.targetVersion + 1, 'the upgrade is a new version');
  const after = await untilStable(runtime, ID, 10, 120_000);
  await sampler.more(3);
  await sampler.stop();
  t.comment(`${sampler.samples.length} samples, longest gap ${sampler.longestGapMs()} ms`);

  t.ok(sampler.min((s) => s.viewHealthy) >= 8, `the framework saw at least 8 healthy and ready at every sample (lowest ${sampler.min((s) => s.viewHealthy)})`);
  const low = sampler.lowest((s) => s.httpServing);
  t.ok(sampler.min((s) => s.httpServing) >= 8, `at least 8 answered over HTTP, ready, at every sample (lowest ${low?.httpServing}; missing then: ${JSON.stringify(low?.httpMisses)})`);
  t.ok(sampler.max((s) => s.masterLive) <= 12, `never more than 12 live at the master, the ceiling of maximumOverCapacity 0.2 (highest ${sampler.max((s) => s.masterLive)})`);
  t.ok(sampler.samples.some((s) => (s.httpByTag.v1 ?? 0) > 0 && (s.httpByTag.v2 ?? 0) > 0), 'both versions served side by side at some point: it rolled');

  const last = sampler.samples.at(-1);
  t.equal(last?.httpByTag.v2, 10, 'ten pages of version 2 at the end');
  t.equal(last?.httpByTag.v1 ?? 0, 0, 'no page of version 1 at the end');
  const now = available(runtime, ID);
  t.equal(now.length, 10, 'ten available');
  t.ok(now.every((i) => i.version === after.targetVersion && !old.has(i.id)), 'all ten are new instances of the new version');
  for (const i of now) t.same(await readPage(i.ports.http ?? 0), { taskId: i.id, tag: 'v2' }, `${i.id} serves version 2`);
  t.equal(after.deployment?.phase, 'succeeded', 'the deployment succeeded');
  t.equal(after.lastGoodVersion, after.targetVersion, 'the new version is the last good one');

  // Version 3 starts rolling; halfway, version 4 is applied over it.
  const watch = new ServiceSampler({ serviceId: ID, masterHttpUrl: cluster.master.httpUrl, control: runtime, readyPath: '/ready' }).start();
  const v3 = await applyService(runtime, httpdSpec({ id: ID, instances: 10, tag: 'v3', upgradeStrategy, readyAfterSeconds: 2 }));
  await until('version 3 halfway', () => {
    const n = available(runtime, ID).filter((i) => i.version === v3.targetVersion).length;
    return n >= 2 && n < 10;
  }, 60_000, 20);
  const v4 = await applyService(runtime, httpdSpec({ id: ID, instances: 10, tag: 'v4', upgradeStrategy, readyAfterSeconds: 2 }));
  const end = await untilStable(runtime, ID, 10, 120_000);
  await watch.more(3);
  await watch.stop();
  t.comment(`${watch.samples.length} samples, longest gap ${watch.longestGapMs()} ms`);
  t.ok(watch.min((s) => s.viewHealthy) >= 8, `superseded: at least 8 healthy and ready at every sample (lowest ${watch.min((s) => s.viewHealthy)})`);
  const dip = watch.lowest((s) => s.httpServing);
  t.ok((dip?.httpServing ?? 0) >= 8, `superseded: at least 8 answered over HTTP, ready, at every sample (lowest ${dip?.httpServing}; missing then: ${JSON.stringify(dip?.httpMisses)})`);
  t.ok(watch.max((s) => s.masterLive) <= 12, `superseded: never more than 12 live at the master (highest ${watch.max((s) => s.masterLive)})`);
  t.ok(watch.samples.some((s) => (s.httpByTag.v2 ?? 0) > 0 && (s.httpByTag.v3 ?? 0) > 0 && (s.httpByTag.v4 ?? 0) > 0), 'three versions served at once at some point');
  t.equal(watch.samples.at(-1)?.httpByTag.v4, 10, 'ten pages of version 4 at the end');
  t.equal(end.targetVersion, v4.targetVersion, 'the target is version 4');
  const superseded = end.history.find((d) => d.toVersion === v3.targetVersion);
  t.equal(superseded?.phase, 'superseded', 'the deployment of version 3 was superseded');
  t.equal(superseded?.supersededBy, v4.targetVersion, 'by version 4');
  t.match(superseded?.reason, /superseded by version 4/, `why: ${superseded?.reason}`);
  t.equal(end.deployment?.toVersion, v4.targetVersion, 'the current deployment is the one to version 4');
  t.equal(end.deployment?.phase, 'succeeded', 'the deployment of version 4 succeeded');
  t.ok(available(runtime, ID).every((i) => i.version === v4.targetVersion), 'all ten run version 4');
});
