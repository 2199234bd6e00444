// Autoscaling on CPU with real Docker: a busybox httpd whose CGI endpoint burns CPU, autoscaled
// 1..4 at 20% of its 0.25 cpus (low, so that a machine busy with other work still gives the
// loaded instances well over the target: the test is about the loop, not about the host). A load generator hitting the instances' host ports (found through
// the services API) makes it scale up; when the load stops it scales back down to min. The count
// is sampled throughout and never leaves [1, 4]; the history says why each time.
import t from 'tap';
import { historyText } from '../../cli/services/render.js';
import { MemoryServicesStore, startServicesFramework, isTerminal, type ServiceDetail, type ServiceHistory } from '../../frameworks/services/index.js';
import { BUSYBOX_IMAGE, requireDocker } from '../helpers/docker.js';
import { testLogger } from '../helpers/log.js';
import { until } from '../helpers/poll.js';
import { servicesCluster } from '../helpers/services-cluster.js';

const ID = '/auto/burn';

// The CGI script burns about 50 ms of CPU per request (a shell loop): 200 ms or so at 0.25 cpus.
const BURN = '#!/bin/sh\\nprintf "Content-Type: text/plain\\\\r\\\\n\\\\r\\\\n"\\ni=0\\nwhile [ $i -lt 12000 ]; do i=$((i+1)); done\\necho burnt\\n';
const spec = JSON.stringify({
  id: ID,
  instances: 1,
  container: {
    image: BUSYBOX_IMAGE,
    command: `mkdir -p /www/cgi-bin && echo ok > /www/index.html && printf '${BURN}' > /www/cgi-bin/burn && chmod +x /www/cgi-bin/burn && exec httpd -f -p 127.0.0.1:$PORT_HTTP -h /www`,
  },
  resources: { cpus: 0.25, memMb: 32, ports: [{ name: 'http' }] },
  killGracePeriodSeconds: 1,
  autoscale: { min: 1, max: 4, target: { cpuUtilization: 0.2 }, stabilizationWindowSeconds: 10, cooldownSeconds: 3 },
});

const REASON = /^autoscale: cpu \d+% of 0\.25 cpus, target 20%(?: \(\d of \d instances sampled\))?(?: \(the highest recommendation of the last 10s\))?, (\d) -> (\d)$/;

void t.test('a CPU-bound service scales up under load and back down to min, within its bounds', async (t) => {
  if (!(await requireDocker(t))) return;
  const cluster = await servicesCluster(t, { agents: 1, portBase: 25000 });
  const fw = await startServicesFramework({ masterUrl: cluster.master.url, store: new MemoryServicesStore(), http: { port: 0 }, log: testLogger(), clusterPollMs: 300, autoscale: { intervalMs: 500 } });
  t.teardown(() => fw.stop());
  const api = (path: string, init?: RequestInit) => fetch(`${fw.url}/api/v1/services${path}`, init);
  const applied = await api('', { method: 'POST', headers: { 'content-type': 'application/json' }, body: spec });
  t.equal(applied.status, 200, await applied.clone().text());

  // The sampler: desired and live counts every 100 ms, and the running instances' ports for the load.
  const seen: { desired: number; live: number }[] = [];
  let ports: number[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const res = await api(ID).catch(() => undefined);
      if (res?.ok) {
        const d = (await res.json()) as ServiceDetail;
        seen.push({ desired: d.spec.instances, live: d.instances.filter((i) => !isTerminal(i.state)).length });
        ports = d.instances.filter((i) => i.state === 'running').map((i) => i.ports.http!).filter((p) => p !== undefined);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  t.teardown(async () => {
    sampling = false;
    await sampler;
  });
  const last = () => seen.at(-1) ?? { desired: 0, live: 0 };
  await until('the first instance running', () => ports.length === 1, 60_000);

  // Eight workers requesting /cgi-bin/burn back to back, spread over the running instances.
  let loading = true;
  let requests = 0;
  let next = 0;
  const workers = Array.from({ length: 8 }, async () => {
    while (loading) {
      const port = ports[next++ % Math.max(1, ports.length)];
      if (port === undefined) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      const res = await fetch(`http://127.0.0.1:${port}/cgi-bin/burn`, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
      if (res && (await res.text()).includes('burnt')) requests++;
    }
  });
  t.teardown(async () => {
    loading = false;
    await Promise.all(workers);
  });

  await until('scaled up to max under load', () => last().desired === 4 && ports.length === 4, 120_000, 100);
  t.ok(requests > 0, `${requests} requests burnt CPU`);
  loading = false;
  await Promise.all(workers);
  await until('scaled back down to min once the load stopped', () => last().desired === 1 && last().live === 1, 120_000, 100);
  sampling = false;
  await sampler;

  t.ok(seen.length > 10, `${seen.length} samples of the count`);
  t.same(seen.filter((s) => s.desired < 1 || s.desired > 4), [], 'desired never left [1, 4]');
  t.same(seen.filter((s) => s.live > 4), [], 'never more than 4 instances live');

  const history = (await (await api(`${ID}/history`)).json()) as ServiceHistory;
  const [first, ...scalings] = history.versions;
  t.equal(first?.reason, null, 'the applied version has no reason');
  t.ok(scalings.length >= 2, `${scalings.length} scalings`);
  let count = 1;
  for (const v of scalings) {
    const m = REASON.exec(v.reason ?? '');
    t.ok(m, `version ${v.version} says why: ${v.reason}`);
    if (!m) continue;
    t.equal(Number(m[1]), count, `version ${v.version} starts from the count before it`);
    t.equal(Number(m[2]), v.spec.instances, `version ${v.version} asks for what its reason says`);
    count = v.spec.instances;
  }
  const directions = scalings.map((v, i) => (v.spec.instances > (i === 0 ? 1 : scalings[i - 1]!.spec.instances) ? 'up' : 'down'));
  t.same(directions.filter((d, i) => d === 'up' && directions.slice(0, i).includes('down')), [], 'ups, then downs: no flapping');
  t.equal(scalings.at(-1)?.spec.instances, 1);
  t.match(historyText(history), /WHY[\s\S]*autoscale: cpu \d+% of 0\.25 cpus, target 20%, 4 -> 1/, 'berth services history shows the scale-down and why');

  const metrics = await (await fetch(`${fw.url}/metrics`)).text();
  t.match(metrics, /berth_services_autoscale_decisions_total\{service="\/auto\/burn",direction="up"\} [1-9]/);
  t.match(metrics, /berth_services_autoscale_decisions_total\{service="\/auto\/burn",direction="down"\} [1-9]/);
  t.match(metrics, /berth_services_autoscale_target\{service="\/auto\/burn",metric="cpu_utilization"\} 0\.2/);
});
