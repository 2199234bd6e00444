// Upgrades that fail, on three Docker agents: one whose health check can never pass, one whose
// containers exit at once (a crash loop, reported as such). Each is rolled back by the framework
// itself once its deadline passes, version 1 keeps serving throughout (sampled every 100 ms), and
// the history shows the versions, the rollbacks and why.
import t, { type Test } from 'tap';
import type { ServicesRuntime, ServiceState } from '../../frameworks/services/index.js';
import { requireDocker } from '../helpers/docker.js';
import { until } from '../helpers/poll.js';
import { servicesCluster, servicesRuntime, type ServicesCluster } from '../helpers/services-cluster.js';
import { applyService, available, untilStable } from '../helpers/services-apply.js';
import { httpdSpec, type HttpdOptions } from '../helpers/services-httpd.js';
import { ServiceSampler } from '../helpers/services-sampler.js';

const ID = '/shop/cart';
const DEADLINE_S = 12;
const ENDED = ['killed', 'failed', 'finished', 'error', 'lost', 'gone', 'dropped'];

/**
 * Applies a failing version over a stable version 1 and waits for the rollback: checks that
 * version 1 served at every sample and the bad version never did; returns the state after it.
 */
async function failedUpgrade(t: Test, cluster: ServicesCluster, runtime: ServicesRuntime, bad: HttpdOptions, whileDeploying?: () => boolean): Promise<{ state: ServiceState; version: number; seenWhileDeploying: boolean }> {
  const v1 = new Set(available(runtime, ID).filter((i) => i.version === 1).map((i) => i.id));
  t.equal(v1.size, 3, 'three instances of version 1 before');
  const sampler = new ServiceSampler({ serviceId: ID, masterHttpUrl: cluster.master.httpUrl, control: runtime }).start();
  await sampler.more(3);
  const applied = await applyService(runtime, httpdSpec({ ...bad, id: ID, instances: 3, deploymentDeadlineSeconds: DEADLINE_S }));
  const version = applied.targetVersion;
  await until(`version ${version} instances launched`, () => runtime.view().instances.some((i) => i.serviceId === ID && i.version === version), 30_000, 50);
  let seenWhileDeploying = false;
  await until(`the deployment of version ${version} rolled back`, () => {
    if (whileDeploying?.()) seenWhileDeploying = true;
    return runtime.view().states.get(ID)?.history.some((d) => d.toVersion === version && d.phase === 'rolled-back');
  }, (DEADLINE_S + 60) * 1000, 50);
  const state = await untilStable(runtime, ID, 3);
  await sampler.more(3);
  await sampler.stop();
  t.comment(`${sampler.samples.length} samples, longest gap ${sampler.longestGapMs()} ms`);

  t.equal(sampler.min((s) => s.viewByVersion[1] ?? 0), 3, 'three healthy instances of version 1 at every sample');
  const low = sampler.lowest((s) => s.httpByTag.v1 ?? 0);
  t.equal(low?.httpByTag.v1 ?? 0, 3, `three version 1 pages answered at every sample (missing at the lowest: ${JSON.stringify(low?.httpMisses)})`);
  t.equal(sampler.max((s) => s.viewByVersion[version] ?? 0), 0, `no version ${version} instance was ever healthy`);
  const now = available(runtime, ID);
  t.ok(now.length === 3 && now.every((i) => v1.has(i.id)), 'the same three instances of version 1 still serve');
  t.equal(runtime.view().instances.filter((i) => i.serviceId === ID && i.version === version && !ENDED.includes(i.state)).length, 0, `no version ${version} instance left`);
  t.equal(state.targetVersion, 1, 'the target is version 1 again');
  t.equal(state.lastGoodVersion, 1, 'version 1 is still the last good one');
  const failed = state.history.find((d) => d.toVersion === version && d.phase === 'rolled-back');
  t.equal(failed?.fromVersion, 1, `the failed deployment went from version 1 to ${version}`);
  t.ok((failed?.endedAtMs ?? 0) >= (failed?.deadlineMs ?? Infinity), 'rolled back when its deadline had passed, not before');
  const rollback = [...state.history, ...(state.deployment ? [state.deployment] : [])].find((d) => d.rollbackOf === version);
  t.equal(rollback?.toVersion, 1, `a rollback deployment from ${version} to version 1`);
  t.equal(rollback?.phase, 'succeeded', 'the rollback succeeded');
  return { state, version, seenWhileDeploying };
}

void t.test('failed upgrades roll back by themselves at their deadline; version 1 serves throughout', async (t) => {
  if (!(await requireDocker(t))) return;
  const cluster = await servicesCluster(t, { agents: 3, portBase: 22200 });
  const runtime = await servicesRuntime(t, cluster);
  await applyService(runtime, httpdSpec({ id: ID, instances: 3, tag: 'v1', deploymentDeadlineSeconds: DEADLINE_S }));
  await untilStable(runtime, ID, 3);

  await t.test('a health check that never passes', async (t) => {
    // The page is served, but the health check asks for a path that does not exist (404).
    const { state, version } = await failedUpgrade(t, cluster, runtime, { id: ID, instances: 3, tag: 'v2', healthPath: '/missing' });
    t.equal(version, 2, 'the bad upgrade is version 2');
    const failed = state.history.find((d) => d.toVersion === 2 && d.phase === 'rolled-back');
    t.match(failed?.reason, /version 2: 0 of 3 instances healthy/, `why: ${failed?.reason}`);
    t.same(state.versions.map((v) => v.version), [1, 2], 'both versions are kept');
  });

  await t.test('containers that exit at once: a crash loop, reported, then rolled back', async (t) => {
    const crashLooping = () => runtime.view().plans.get(ID)?.deployment.status === 'crash-looping';
    const { state, version, seenWhileDeploying } = await failedUpgrade(t, cluster, runtime, { id: ID, instances: 3, tag: 'v3', crash: true }, crashLooping);
    t.equal(version, 3, 'the crashing upgrade is version 3');
    t.ok(seenWhileDeploying, 'the service was reported crash-looping before the rollback');
    const failed = state.history.find((d) => d.toVersion === 3 && d.phase === 'rolled-back');
    t.match(failed?.reason, /version 3: 0 of 3 instances healthy/, `why: ${failed?.reason}`);
    t.match(failed?.reason, /crash/i, 'the reason names the crash loop');
    t.same(state.versions.map((v) => v.version), [1, 2, 3], 'every version is kept');
    t.ok(state.history.filter((d) => d.phase === 'rolled-back').length >= 2, 'the history shows both rollbacks');
  });
});
