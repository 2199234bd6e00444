// kill -9 of the services framework's process (on the Redis store) in the middle of a first
// deployment and again in the middle of a rolling upgrade: restarted, it resumes and ends with
// exactly the asked number of instances — counted by the framework, by the master and as running
// Docker containers — and Docker never ran more than the upgrade strategy allows.
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
const N = 6;

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

async function writeSpec(dir: string, tag: string): Promise<string> {
  const file = path.join(dir, `orders-${tag}.json`);
  const spec = httpdDocument({ id: ID, instances: N, tag, upgradeStrategy: { minimumHealthCapacity: 0.5, maximumOverCapacity: 0 } });
  await writeFile(file, JSON.stringify(spec));
  return file;
}

void t.test('kill -9 mid-deployment and mid-upgrade: restarted, it ends with exactly the asked number', async (t) => {
  if (!(await requireDocker(t))) return;
  const redis = await startRedis(t);
  if (!redis) return;
  const cluster = await servicesCluster(t, { agents: 3, portBase: 43400 });
  const dir = await mkdtemp(path.join(tmpdir(), 'berth-services-failover-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const base = ['--master', cluster.master.url, '--redis', redis.url, '--prefix', uniquePrefix('services-failover')];
  const sampler = new ServiceSampler({ serviceId: ID, masterHttpUrl: cluster.master.httpUrl, containers: true }).start();
  t.teardown(() => sampler.stop().catch(() => undefined));

  const phases = [
    { tag: 'v1', version: 1, midway: (s: StatusLine) => s.live > 0 && s.available < N },
    { tag: 'v2', version: 2, midway: (s: StatusLine) => s.targetVersion === 2 && s.updated > 0 && s.updated < N },
  ];
  let current: FrameworkProcess | undefined;
  for (const phase of phases) {
    const file = await writeSpec(dir, phase.tag);
    const args = [...base, '--spec', file];
    const first = startFramework(t, args);
    await until(`${phase.tag}: midway through the deployment`, () => {
      const s = first.status();
      return s !== undefined && phase.midway(s);
    }, 60_000, 20).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; last status ${JSON.stringify(first.status())}; output:\n${first.output()}`, { cause: err });
    });
    const at = first.status();
    await first.kill9();
    t.ok(at && at.updated < N, `${phase.tag}: killed with -9 midway (${JSON.stringify(at)})`);
    current = startFramework(t, args);
    const done = await until(`${phase.tag}: the restarted framework finished the deployment`, () => {
      const s = current?.status();
      return s && s.targetVersion === phase.version && s.status === 'stable' && s.updated === N ? s : undefined;
    }, 120_000, 100).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; last status ${JSON.stringify(current?.status())}; output:\n${current?.output() ?? ''}`, { cause: err });
    });
    t.equal(done.live, N, `${phase.tag}: exactly ${N} instances as the framework sees them`);
    t.equal(done.phase, 'succeeded');

    const state = await getState(cluster.master.httpUrl);
    const frameworks = state.frameworks.filter((f) => f.name === 'services');
    t.equal(frameworks.length, 1, `${phase.tag}: the restarted process is the same framework`);
    const fwId = frameworks[0]?.id ?? '';
    const live = state.tasks.filter((x) => x.frameworkId === fwId && !['FINISHED', 'FAILED', 'KILLED', 'ERROR', 'LOST', 'DROPPED', 'GONE'].includes(x.state));
    const settled = await until(`${phase.tag}: ${N} containers running`, async () => ((await runningContainers(fwId)) === N ? N : undefined), 20_000, 100).catch(() => runningContainers(fwId));
    t.equal(settled, N, `${phase.tag}: exactly ${N} running containers in Docker`);
    t.equal(live.length, N, `${phase.tag}: exactly ${N} live tasks at the master`);
    const pages = await Promise.all(live.map((x) => readPage(x.resources.ports?.[0]?.begin ?? 0)));
    t.same(pages.map((p) => p?.tag), Array(N).fill(phase.tag), `${phase.tag}: all serve ${phase.tag}`);
    t.same(pages.map((p) => p?.taskId).sort(), live.map((x) => x.id).sort(), `${phase.tag}: each page names its task`);
    await current.kill9();
  }
  await sampler.stop();
  t.comment(`${sampler.samples.length} samples, longest gap ${sampler.longestGapMs()} ms`);
  const most = sampler.max((s) => s.containers ?? 0);
  t.ok(most <= N, `Docker never ran more than ${N} containers of the framework (maximumOverCapacity 0): at most ${most}`);
  t.ok(sampler.max((s) => s.masterLive) <= N, `the master never had more than ${N} live tasks: at most ${sampler.max((s) => s.masterLive)}`);
  t.ok(sampler.min((s) => s.httpServing, sampler.samples.findIndex((s) => s.httpServing === N)) >= N / 2, 'the upgrade kept the floor of minimumHealthCapacity 0.5 over HTTP, restarts included');
});
