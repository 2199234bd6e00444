// The commands the README gives, run as a user runs them: the built CLI and the hello framework
// as child processes (npm test builds dist/ first).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import t from 'tap';
import { batchUrlOf, CLI, dev, run } from '../helpers/cli.js';
import { requireDocker, ensureBusyboxImage } from '../helpers/docker.js';
import { until } from '../helpers/poll.js';

const HELLO = 'dist/examples/hello-framework.js';

t.before(() => {
  if (!existsSync(CLI) || !existsSync(HELLO)) throw new Error(`${CLI} is missing: run 'npm run build' (npm test does it first)`);
});

for (const runtime of ['docker', 'process'] as const) {
  t.test(`hello framework runs 20 tasks on berth dev --runtime ${runtime}, all FINISHED, exit 0`, async (t) => {
    if (runtime === 'docker') {
      if (!(await requireDocker(t))) return;
      await ensureBusyboxImage();
    }
    const cluster = await dev(t, ['--runtime', runtime]);
    t.match(cluster.output(), new RegExp(`2 x ${runtime} runtime`), 'berth dev says which runtime it chose');
    const hello = await run([HELLO, '--master', cluster.url, '--tasks', '20', '--cmd', 'echo hi']);
    t.equal(hello.code, 0, hello.stderr);
    t.match(hello.stdout, /20 of 20 tasks finished/);
    t.equal((hello.stdout.match(/ FINISHED on /g) ?? []).length, 20);

    const state = await run([CLI, 'state', '--master', cluster.http, '-o', 'json']);
    t.equal(state.code, 0, state.stderr);
    const parsed = JSON.parse(state.stdout) as { agents: unknown[]; frameworks: unknown[]; tasks: unknown[] };
    t.equal(parsed.agents.length, 2);
    t.equal(parsed.frameworks.length, 0, 'the hello framework tore itself down');
    t.equal(parsed.tasks.length, 0);
    const table = await run([CLI, 'state', '--master', cluster.http]);
    t.match(table.stdout, /AGENTS \(2\)/);

    cluster.child.kill('SIGINT');
    await until('berth dev exits', () => cluster.child.exitCode !== null, 15_000);
    t.equal(cluster.child.exitCode, 0, 'Ctrl-C stops berth dev cleanly');
  });
}

t.test('the hello framework runs twice in a row on one cluster, every task finishing each time', async (t) => {
  const cluster = await dev(t, ['--runtime', 'process']);
  const ids: string[][] = [];
  for (const round of [1, 2]) {
    const hello = await run([HELLO, '--master', cluster.url, '--tasks', '6', '--cmd', 'echo hi']);
    t.equal(hello.code, 0, `run ${round}: ${hello.stderr}`);
    t.match(hello.stdout, /6 of 6 tasks finished/, `run ${round}`);
    ids.push([...hello.stdout.matchAll(/^(\S+) FINISHED on /gm)].map((m) => m[1] as string));
  }
  t.equal(ids[0]?.length, 6);
  t.equal(ids[1]?.length, 6);
  t.same(ids[0]?.filter((id) => ids[1]?.includes(id)), [], 'the second run does not reuse a task id of the first');
});

t.test('a failing task makes the hello framework exit non-zero', async (t) => {
  const cluster = await dev(t, ['--runtime', 'process', '--agents', '1']);
  const hello = await run([HELLO, '--master', cluster.url, '--tasks', '2', '--cmd', 'exit 7']);
  t.equal(hello.code, 1);
  t.match(hello.stdout, /FAILED/);
  t.match(hello.stdout, /0 of 2 tasks finished/);
});

t.test('berth explain says why a framework gets nothing', async (t) => {
  const cluster = await dev(t, ['--runtime', 'process', '--agents', '1']);
  const { SchedulerClient } = await import('../../frameworks/sdk/index.js');
  const client = new SchedulerClient({ masterUrl: cluster.url, framework: { name: 'idle', roles: ['*'] }, token: cluster.token });
  t.teardown(() => client.close());
  for await (const e of client.events()) if (e.type === 'subscribed') break;
  client.suppress();
  const out = await until('explain names the suppression', async () => {
    const r = await run([CLI, 'explain', '--master', cluster.http, '--framework', client.frameworkId]);
    return r.code === 0 && /suppressed/.test(r.stdout) ? r.stdout : undefined;
  });
  t.match(out, /gets no offers/);
  const missing = await run([CLI, 'explain', '--master', cluster.http]);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /exactly one of --framework ID or --role NAME/);
});

t.test('berth tasks logs --follow streams a running task; berth agents drain and undrain', async (t) => {
  const cluster = await dev(t, ['--runtime', 'process', '--agents', '1']);
  const { SchedulerClient, TaskState } = await import('../../frameworks/sdk/index.js');
  const client = new SchedulerClient({ masterUrl: cluster.url, framework: { name: 'ticker', roles: ['*'] }, token: cluster.token });
  t.teardown(() => client.close());
  for await (const e of client.events()) {
    if (e.type === 'offers') {
      client.launch([e.offers[0]?.id ?? ''], [{ taskId: 'tick', resources: { cpus: 0.1, memMb: 32 }, command: { value: 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done', shell: true } }]);
    }
    if (e.type === 'update' && e.status.state === TaskState.TASK_RUNNING) break;
  }
  const child = spawn(process.execPath, [CLI, 'tasks', 'logs', 'tick', '--follow', '--master', cluster.http], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await until('followed lines', () => (out.match(/tick \d+/g) ?? []).length >= 3);
  child.kill('SIGINT');
  t.ok((out.match(/tick \d+/g) ?? []).length >= 3, 'lines stream to the terminal');

  const agents = JSON.parse((await run([CLI, 'agents', '-o', 'json', '--master', cluster.http])).stdout) as { id: string }[];
  const id = agents[0]?.id as string;
  const drain = await run([CLI, 'agents', 'drain', id, '--deadline', '10m', '--master', cluster.http]);
  t.equal(drain.code, 0, drain.stderr);
  t.match(drain.stdout, /is draining/);
  t.match((await run([CLI, 'agents', '--master', cluster.http])).stdout, /until \d\d:\d\d/);
  const undrain = await run([CLI, 'agents', 'undrain', id, '--master', cluster.http]);
  t.equal(undrain.code, 0);
  const bad = await run([CLI, 'agents', 'drain', id, '--deadline', 'soon', '--master', cluster.http]);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--deadline must be a duration like 5m/);
});

t.test('bad flags are refused with a message naming the flag and the rule', async (t) => {
  const bad = await run([CLI, 'dev', '--agents', 'many', '--runtime', 'vm', '--port', '99999']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--agents must be a whole number from 1 to 64, got 'many'/);
  t.match(bad.stderr, /--runtime must be one of auto, docker, process, hollow, got 'vm'/);
  t.match(bad.stderr, /--port must be a whole number from 0 to 65535/);
  const unknown = await run([CLI, 'dev', '--frobnicate']);
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /frobnicate/);
  const noMaster = await run([CLI, 'state', '--master', 'http://127.0.0.1:47']);
  t.equal(noMaster.code, 5, 'exit code 5: the master is unavailable');
  t.match(noMaster.stderr, /cannot reach the master .* Start one with 'berth dev'/);
  const help = await run([CLI, 'dev', '--help']);
  t.equal(help.code, 0);
  for (const flag of ['--agents', '--runtime', '--port', '--redis', '--data', '--role', '--work-dir']) t.match(help.stdout, flag);
});

t.test('option flags are checked by the options modules, reported by flag, all problems at once', async (t) => {
  const master = await run([CLI, 'master', '--port', '0', '--lease', '0', '--allocation-interval', 'soon', '--role', 'eng=0']);
  t.equal(master.code, 2, master.stderr);
  t.match(master.stderr, /--lease must be > 0, got '0'/);
  t.match(master.stderr, /--allocation-interval must be a duration like 500ms/);
  t.match(master.stderr, /--role: weight of eng must be > 0, got '0'/);
  t.notMatch(master.stderr, /leaseMs|allocationIntervalMs/, 'flags are named, not option fields');
  const dev = await run([CLI, 'dev', '--port', '0', '--no-batch', '--runtime', 'process', '--agent-gone-timeout', '0ms', '--advertise-address', 'http://x']);
  t.equal(dev.code, 2, dev.stderr);
  t.match(dev.stderr, /--agent-gone-timeout must be > 0, got '0ms'/);
  t.match(dev.stderr, /--advertise-address must be a host name or IP address like 127\.0\.0\.1 \(no scheme, port or spaces\), got 'http:\/\/x'/);
  const agent = await run([CLI, 'agent', '--runtime', 'process', '--master', 'ws://127.0.0.1:1', '--work-dir', t.testdir(), '--finished-max-tasks', '2.5', '--kill-grace-period', 'later', '--advertise-address', '10.0.0.1:80'], 20_000);
  t.equal(agent.code, 2, agent.stderr);
  t.match(agent.stderr, /--advertise-address must be a host name or IP address/);
  t.match(agent.stderr, /--finished-max-tasks must be a whole number >= 0, got '2\.5'/);
  t.match(agent.stderr, /--kill-grace-period must be a duration/);
  const help = await run([CLI, 'master', '--help']);
  const { MASTER_DEFAULTS } = await import('../../master/index.js');
  t.match(help.stdout, new RegExp(`--lease DURATION .*\\(default: ${MASTER_DEFAULTS.leaseMs / 1000}s\\)`), 'the default is the options module\'s');
  t.match(help.stdout, /DURATION: a duration like/);
});

t.test('berth dev runs the batch framework: examples/batch/hello.yaml submitted, run, 10 of 10 tasks succeeded', async (t) => {
  const cluster = await dev(t, ['--runtime', 'process', '--batch-port', '0']);
  const api = await batchUrlOf(cluster);
  const submitted = await fetch(`${api}/api/v1/jobs`, { method: 'POST', headers: { ...cluster.headers, 'content-type': 'application/yaml' }, body: readFileSync('examples/batch/hello.yaml', 'utf8') });
  t.equal(submitted.status, 201, await submitted.clone().text());
  const started = await fetch(`${api}/api/v1/jobs/%2Fdemo%2Fhello/runs`, { method: 'POST', headers: cluster.headers });
  t.equal(started.status, 201);
  const { runId } = (await started.json()) as { runId: string };
  const done = await until('the run to end', async () => {
    const body = (await (await fetch(`${api}/api/v1/runs/${encodeURIComponent(runId)}`, { headers: cluster.headers })).json()) as { run: { state: string }; tasks: { result?: string }[] };
    return ['succeeded', 'failed', 'cancelled', 'deadline-exceeded'].includes(body.run.state) ? body : undefined;
  }, 60_000);
  t.equal(done.run.state, 'succeeded');
  t.equal(done.tasks.filter((task) => task.result === 'succeeded').length, 10, 'every index succeeded once');
  cluster.child.kill('SIGINT');
  await until('berth dev exits', () => cluster.child.exitCode !== null, 15_000);
  t.equal(cluster.child.exitCode, 0, 'Ctrl-C stops berth dev and its batch framework cleanly');
});

t.test('berth dev runs the services framework: examples/services/web.yaml planned over its API, 2 of 5 placed on the 2 agents', async (t) => {
  const cluster = await dev(t, ['--runtime', 'process', '--services-port', '0']);
  const api = await until('the services line of the banner', () => /services\s+(http:\/\/127\.0\.0\.1:\d+)\/api\/v1\/services/.exec(cluster.output())?.[1], 20_000);
  t.same(await (await fetch(`${api}/health`)).json(), { ok: true });
  const body = await until('both agents in the plan', async () => {
    const res = await fetch(`${api}/api/v1/services/plan`, { method: 'POST', headers: { ...cluster.headers, 'content-type': 'text/yaml' }, body: readFileSync('examples/services/web.yaml', 'utf8') });
    const plan = (await res.json()) as { services: { id: string; change: string; placements: { hostname: string }[]; pending: { count: number; reason: string }[] }[] };
    return plan.services?.[0]?.placements.length === 2 ? plan : undefined;
  }, 20_000);
  t.match(body.services[0], { id: '/examples/web', change: 'create', pending: [{ count: 3, reason: /UNIQUE hostname/ }] });
  t.same(body.services[0]!.placements.map((p) => p.hostname).sort(), ['dev-agent-1', 'dev-agent-2']);
  t.same(await (await fetch(`${api}/api/v1/services`, { headers: cluster.headers })).json(), { services: [] }, 'plan applied nothing');
  cluster.child.kill('SIGINT');
  await until('berth dev exits', () => cluster.child.exitCode !== null, 15_000);
  t.equal(cluster.child.exitCode, 0, 'Ctrl-C stops berth dev and its services framework cleanly');
});

t.test('berth dev --resources gives each agent on this host its own block of ports', async (t) => {
  const cluster = await dev(t, ['--runtime', 'process', '--agents', '3', '--resources', 'cpus:1;mem:256;ports:31000-31011']);
  const agents = await until('three agents', async () => {
    const r = await run([CLI, 'agents', '-o', 'json', '--master', cluster.http]);
    const list = r.code === 0 ? (JSON.parse(r.stdout) as { total: { cpus: number; memMb: number; ports: { begin: number; end: number }[] } }[]) : [];
    return list.length === 3 ? list : undefined;
  });
  const owner = new Map<number, number>();
  const shared: string[] = [];
  agents.forEach((a, i) => {
    t.equal(a.total.cpus, 1, 'every agent gets the cpus the spec names');
    t.equal(a.total.memMb, 256, 'every agent gets the memory the spec names');
    for (const r of a.total.ports) for (let p = r.begin; p <= r.end; p++) {
      if (owner.has(p)) shared.push(`${p} (agents ${owner.get(p)} and ${i})`);
      owner.set(p, i);
    }
  });
  t.same(shared, [], 'no port is offered by two agents');
  t.equal(owner.size, 12, 'together the agents offer every port of the range');
});

t.test('berth dev --resources refuses agents with no cpus or memory, naming the field and the rule', async (t) => {
  const zero = await run([CLI, 'dev', '--resources', 'cpus:0', '--runtime', 'process', '--port', '0'], 20_000);
  t.equal(zero.code, 2, zero.stderr);
  t.match(zero.stderr, /--resources: cpus must be greater than 0, got 0/);
  const both = await run([CLI, 'dev', '--resources', 'cpus:0;mem:0', '--runtime', 'process', '--port', '0'], 20_000);
  t.equal(both.code, 2, both.stderr);
  t.match(both.stderr, /cpus must be greater than 0/);
  t.match(both.stderr, /mem \(MB\) must be greater than 0/);
  const few = await run([CLI, 'dev', '--agents', '3', '--resources', 'ports:31000-31001', '--runtime', 'process', '--port', '0'], 20_000);
  t.equal(few.code, 2, few.stderr);
  t.match(few.stderr, /--resources: ports 31000-31001 hold 2 ports, fewer than the 3 agents/);
  const agent = await run([CLI, 'agent', '--resources', 'mem:0', '--runtime', 'process', '--master', 'ws://127.0.0.1:1', '--work-dir', t.testdir()], 20_000);
  t.equal(agent.code, 2, agent.stderr);
  t.match(agent.stderr, /--resources: mem \(MB\) must be greater than 0, got 0/);
});
