// kill -9 of the services framework's process (on the Redis store) in the middle of a first
// deployment, in the middle of a rolling upgrade, and again and again during an upgrade that also
// scales up: restarted, it resumes and ends with exactly the asked number of instances — counted
// by the framework, by the master and as running Docker containers — and Docker never ran more
// than the upgrade strategy allows (maximumOverCapacity 0: never more than asked).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import type { StatusLine } from '../fixtures/services-framework.js';
import { requireDocker } from '../helpers/docker.js';
import { getState } from '../helpers/master.js';
import { until } from '../helpers/poll.js';
import { startRedis, uniquePrefix } from '../helpers/redis.js';
import { servicesCluster } from '../helpers/services-cluster.js';
import { httpdDocument, readPage } from '../helpers/services-httpd.js';
import { runningContainers, ServiceSampler } from '../helpers/services-sampler.js';

const FIXTURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/services-framework.ts');
const ID = '/shop/orders';

interface FrameworkProcess {
  proc: ChildProcess;
  /** The newest status line it printed. */
  status(): StatusLine | undefined;
  output(): string;
  kill9(): Promise<void>;
}

/** Starts the fixture with the TypeScript loader this test runs under. */
function startFramework(t: Test, args: string[]): FrameworkProcess {
  const loader = process.execArgv.filter((a) => a.includes('@tapjs/typescript'));
  if (loader.length === 0) throw new Error(`no TypeScript loader in this process's execArgv (${process.execArgv.join(' ')}); run it with tap`);
  const proc = spawn(process.execPath, [...loader, FIXTURE, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' } });
  let last: StatusLine | undefined;
  let out = '';
  let partial = '';
  proc.stdout?.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.startsWith('{')) last = JSON.parse(line) as StatusLine;
  });
  proc.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const kill9 = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
  };
  t.teardown(kill9);
  return { proc, status: () => last, output: () => out, kill9 };
}

async function writeSpec(dir: string, tag: string, instances: number): Promise<string> {
  const file = path.join(dir, `orders-${tag}.json`);
  const spec = httpdDocument({ id: ID, instances, tag, upgradeStrategy: { minimumHealthCapacity: 0.5, maximumOverCapacity: 0 } });
  await writeFile(file, JSON.stringify(spec));
  return file;
}

interface Phase {
  tag: string;
  version: number;
  instances: number;
  /** When to kill -9 the process, one after the other (each restart gets the next). */
  kills: ((s: StatusLine) => boolean)[];
  /** How many kills must land before the deployment ended (the others may come after). */
  midway: number;
}

const TERMINAL_TASK = ['FINISHED', 'FAILED', 'KILLED', 'ERROR', 'LOST', 'DROPPED', 'GONE'];

void t.test('kill -9 mid-deployment, mid-upgrade and again and again: restarted, it ends with exactly the asked number', async (t) => {
  if (!(await requireDocker(t))) return;
  const redis = await startRedis(t);
  if (!redis) return;
  const cluster = await servicesCluster(t, { agents: 3, portBase: 23400 });
  const dir = await mkdtemp(path.join(tmpdir(), 'berth-services-failover-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const base = ['--master', cluster.master.url, '--redis', redis.url, '--prefix', uniquePrefix('services-failover')];
  const sampler = new ServiceSampler({ serviceId: ID, masterHttpUrl: cluster.master.httpUrl, containers: true }).start();
  t.teardown(() => sampler.stop().catch(() => undefined));

  const deploying = (version: number, n: number) => (s: StatusLine) => s.targetVersion === version && s.updated < n;
  const phases: Phase[] = [
    { tag: 'v1', version: 1, instances: 6, kills: [(s) => s.live > 0 && s.available < 6], midway: 1 },
    { tag: 'v2', version: 2, instances: 6, kills: [(s) => deploying(2, 6)(s) && s.updated > 0], midway: 1 },
    {
      tag: 'v3', version: 3, instances: 9, midway: 1,
      // At once (before it has caught up with the master), then at each bit of progress.
      kills: [deploying(3, 9), (s) => s.targetVersion === 3 && s.updated >= 2, (s) => s.targetVersion === 3 && s.updated >= 5],
    },
  ];
  let previous: number | undefined;
  for (const phase of phases) {
    const n = phase.instances;
    const args = [...base, '--spec', await writeSpec(dir, phase.tag, n)];
    const from = sampler.samples.length;
    let landed = 0;
    for (const [k, when] of phase.kills.entries()) {
      const run = startFramework(t, args);
      const at = await until(`${phase.tag}: kill point ${k + 1}`, () => {
        const s = run.status();
        return s !== undefined && (when(s) || (s.targetVersion === phase.version && s.status === 'stable')) ? s : undefined;
      }, 90_000, 20).catch((err: unknown) => {
        throw new Error(`${(err as Error).message}; last status ${JSON.stringify(run.status())}; output:\n${run.output()}`, { cause: err });
      });
      await run.kill9();
      const midway = at.status !== 'stable';
      if (midway) landed++;
      t.comment(`${phase.tag}: kill -9 number ${k + 1} ${midway ? 'midway' : 'after the end'}: ${JSON.stringify(at)}`);
    }
    t.ok(landed >= phase.midway, `${phase.tag}: killed with -9 midway ${landed} time(s)`);
    const last = startFramework(t, args);
    const done = await until(`${phase.tag}: the restarted framework finished the deployment`, () => {
      const s = last.status();
      return s && s.targetVersion === phase.version && s.status === 'stable' && s.updated === n ? s : undefined;
    }, 120_000, 100).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; last status ${JSON.stringify(last.status())}; output:\n${last.output()}`, { cause: err });
    });
    t.equal(done.live, n, `${phase.tag}: exactly ${n} instances as the framework sees them`);
    t.equal(done.phase, 'succeeded', `${phase.tag}: the deployment succeeded`);

    const state = await getState(cluster.master.httpUrl);
    const frameworks = state.frameworks.filter((f) => f.name === 'services');
    t.equal(frameworks.length, 1, `${phase.tag}: every restarted process is the same framework`);
    const fwId = frameworks[0]?.id ?? '';
    const live = state.tasks.filter((x) => x.frameworkId === fwId && !TERMINAL_TASK.includes(x.state));
    const settled = await until(`${phase.tag}: ${n} containers running`, async () => ((await runningContainers(fwId)) === n ? n : undefined), 20_000, 100).catch(() => runningContainers(fwId));
    t.equal(settled, n, `${phase.tag}: exactly ${n} running containers in Docker`);
    t.equal(live.length, n, `${phase.tag}: exactly ${n} live tasks at the master`);
    const pages = await Promise.all(live.map((x) => readPage(x.resources.ports?.[0]?.begin ?? 0)));
    t.same(pages.map((p) => p?.tag), Array(n).fill(phase.tag), `${phase.tag}: all serve ${phase.tag}`);
    t.same(pages.map((p) => p?.taskId).sort(), live.map((x) => x.id).sort(), `${phase.tag}: each page names its task`);
    await last.kill9();

    const samples = sampler.samples.slice(from);
    const most = Math.max(...samples.map((s) => s.containers ?? 0));
    t.ok(most <= n, `${phase.tag}: Docker never ran more than ${n} containers of the framework: at most ${most}`);
    const masterMost = Math.max(...samples.map((s) => s.masterLive));
    t.ok(masterMost <= n, `${phase.tag}: the master never had more than ${n} live tasks: at most ${masterMost}`);
    if (previous !== undefined) {
      // The floor of the new version: ceil(n x 0.5) of whatever version, restarts included.
      const low = samples.reduce((a, s) => (s.httpServing < a.httpServing ? s : a));
      t.ok(low.httpServing >= Math.ceil(n * 0.5), `${phase.tag}: at least ${Math.ceil(n * 0.5)} served over HTTP at every sample (lowest ${low.httpServing}; missing then: ${JSON.stringify(low.httpMisses)})`);
    }
    previous = n;
  }
  await sampler.stop();
  t.comment(`${sampler.samples.length} samples, longest gap ${sampler.longestGapMs()} ms`);
});
