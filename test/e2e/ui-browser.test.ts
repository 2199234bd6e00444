// The web UI in a real Chromium (playwright-core, headless) against a real cluster in this
// process: a master, two process-runtime agents and SDK frameworks. Tasks appear live as they
// start (no reload), a task's logs follow live, a drain shows on its agent, the stream resumes
// after a drop; the jobs view follows the batch framework's stream through the master's proxy,
// and the services view polls a services API that has no stream (an older framework). Screenshots
// are saved and their paths printed.
import { createServer } from 'node:http';
import t from 'tap';
import { TaskState } from '../../protocol/index.js';
import { finished, runNow, submit, testBatch } from '../helpers/batch.js';
import { buildUi, haveChromium, openPage, screenshots, ticksFollowed } from '../helpers/browser.js';
import { testAgent, testFramework } from '../helpers/cluster.js';
import { testMaster } from '../helpers/master.js';
import { until } from '../helpers/poll.js';

if (haveChromium(t)) {
  const shot = screenshots('ui-browser');
  const uiDir = await buildUi(t);

  t.test('the UI follows a live cluster', async (t) => {
    const master = await testMaster(t, { allocationIntervalMs: 50, uiDir, streamTickMs: 100 });
    const agents = [
      await testAgent(t, master.url, 'process', { ports: [33000, 33099], cpus: 4, memMb: 4096 }),
      await testAgent(t, master.url, 'process', { ports: [33100, 33199], cpus: 2, memMb: 2048 }),
    ];
    const agentIds = agents.map((a) => a.agentId);

    const { page, errors } = await openPage(t);

    await page.goto(`${master.httpUrl}/tasks`);
    await page.getByTestId('connection').filter({ hasText: 'live' }).waitFor();
    t.equal(await page.locator('[data-task]').count(), 0, 'no tasks yet');
    // A mark on the page's window: still there later means no reload happened in between.
    await page.evaluate(() => Object.assign(window, { berthMark: 'kept' }));

    const fw = await testFramework(t, master.url, { name: 'ui-test' });
    const offers = await fw.next('offers on both agents', (e) => (e.type === 'offers' && e.offers.length === 2 ? e.offers : undefined));
    const [first, second] = [offers.find((o) => o.agentId === agentIds[0])!, offers.find((o) => o.agentId === agentIds[1])!];
    await fw.client.launch([first.id], [
      { taskId: 'ticker', name: 'ticker', resources: { cpus: 1, memMb: 256 }, command: { value: 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done', shell: true } },
      { taskId: 'web-1', name: 'web-1', resources: { cpus: 0.5, memMb: 512 }, command: { value: 'sleep 600', shell: true } },
    ]);
    // It wants nothing more: what comes back is declined at once, so others can be offered it.
    fw.onOffers = (more) => void fw.client.decline(more.map((o) => o.id), 1).catch(() => undefined);
    await fw.client.launch([second.id], [{ taskId: 'web-2', name: 'web-2', resources: { cpus: 0.5, memMb: 256 }, command: { value: 'sleep 600', shell: true } }]);

    for (const id of ['ticker', 'web-1', 'web-2']) {
      await page.locator(`[data-task="${id}"]`).filter({ hasText: 'RUNNING' }).waitFor({ timeout: 20_000 });
    }
    t.equal(await page.evaluate(() => (window as unknown as { berthMark?: string }).berthMark), 'kept', 'the tasks appeared without a reload');
    t.match(await page.getByTestId('task-count').textContent(), /^3 of 3 tasks/);
    await page.getByTestId('task-filter').fill('web');
    await page.getByTestId('task-count').filter({ hasText: /^2 of 3 tasks/ }).waitFor();
    await page.getByTestId('task-filter').fill('');
    await shot(t, page, 'tasks.png');

    // The ticker's page: its logs keep coming while the page is open.
    await page.locator('[data-task="ticker"] a').click();
    await page.getByTestId('log-status').filter({ hasText: 'following' }).waitFor();
    const { before, later } = await ticksFollowed(page);
    t.ok(later >= before + 3, `logs followed from tick ${before} to tick ${later}`);
    t.equal(await page.evaluate(() => (window as unknown as { berthMark?: string }).berthMark), 'kept', 'the task page was a client-side route');
    await shot(t, page, 'task-logs.png');

    // A drain through the API shows on its agent; the button undrains it.
    await page.getByRole('link', { name: 'Agents' }).click();
    const row = page.locator(`[data-agent="${agentIds[1]}"]`);
    await row.getByTestId('drain-state').filter({ hasText: 'not draining' }).waitFor();
    const drained = await fetch(`${master.httpUrl}/api/v1/agents/${agentIds[1]}/drain`, { method: 'POST', body: JSON.stringify({ deadline: '1h' }) });
    t.equal(drained.status, 200, 'drain accepted');
    await row.getByTestId('drain-state').filter({ hasText: /^draining/ }).waitFor();
    t.equal(await row.getByTestId('drain-button').textContent(), 'undrain');
    t.match(await page.locator(`[data-agent="${agentIds[0]}"]`).getByTestId('drain-state').textContent(), /not draining/, 'the other agent is not draining');
    await shot(t, page, 'agents.png');
    await row.getByTestId('drain-button').click();
    await row.getByTestId('drain-state').filter({ hasText: 'not draining' }).waitFor();
    await until('the master undrained the agent', async () => {
      const state = (await (await fetch(`${master.httpUrl}/api/v1/agents`)).json()) as { id: string; draining: boolean }[];
      return state.find((a) => a.id === agentIds[1])?.draining === false;
    });

    // A dropped stream resumes from its last version: a drain made meanwhile arrives as a patch.
    type Live = { connections: number; snapshots: number; dropConnection(): void };
    const live = (): Promise<{ connections: number; snapshots: number }> => page.evaluate(() => {
      const l = (window as unknown as { berth: { live: Live } }).berth.live;
      return { connections: l.connections, snapshots: l.snapshots };
    });
    t.same(await live(), { connections: 1, snapshots: 1 }, 'one connection, one snapshot so far');
    await page.evaluate(() => (window as unknown as { berth: { live: Live } }).berth.live.dropConnection());
    const drainFirst = await fetch(`${master.httpUrl}/api/v1/agents/${agentIds[0]}/drain`, { method: 'POST', body: JSON.stringify({ deadline: '1h' }) });
    t.equal(drainFirst.status, 200);
    const firstRow = page.locator(`[data-agent="${agentIds[0]}"]`);
    await firstRow.getByTestId('drain-state').filter({ hasText: /^draining/ }).waitFor();
    t.same(await live(), { connections: 2, snapshots: 1 }, 'reconnected and resumed without a new snapshot');
    await firstRow.getByTestId('drain-button').click();
    await firstRow.getByTestId('drain-state').filter({ hasText: 'not draining' }).waitFor();

    // The overview: bars per agent and per role, and each role's share chart, kept live. A
    // second framework in a role with a weight and a quota joins while the page is open.
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByTestId('running-count').filter({ hasText: '3' }).waitFor();
    const role = await fetch(`${master.httpUrl}/api/v1/roles/analytics`, { method: 'PUT', body: JSON.stringify({ weight: 2, quotaGuarantee: { cpus: 1 }, quotaLimit: { cpus: 3 } }) });
    t.equal(role.status, 200, 'role set');
    // The first framework stops asking, so the newcomer gets the offers.
    await fw.client.suppress();
    const analytics = await testFramework(t, master.url, { name: 'analytics', roles: ['analytics'] });
    const offer = await analytics.next('an offer for analytics', (e) => (e.type === 'offers' ? e.offers.find((o) => o.agentId === agentIds[0]) : undefined));
    await analytics.client.launch([offer.id], [{ taskId: 'report-1', name: 'report-1', resources: { cpus: 1, memMb: 1536 }, command: { value: 'sleep 600', shell: true } }]);
    await page.getByTestId('running-count').filter({ hasText: '4' }).waitFor({ timeout: 20_000 });
    const analyticsRow = page.locator('tr[data-role="analytics"]');
    await analyticsRow.locator('td').nth(2).filter({ hasText: /^25\.0%/ }).waitFor();
    t.match(await analyticsRow.locator('td').nth(4).textContent(), /^16\.7%/, 'its guarantee as a share of the cluster (1 of 6 CPUs)');
    t.equal(await page.locator('tr[data-role] svg.chart path.share').count(), 2, 'each role has a share chart');
    await shot(t, page, 'overview.png');

    // A task that ends leaves the running count without a reload.
    await fw.client.kill('web-2');
    await fw.next('web-2 KILLED', (e) => (e.type === 'update' && e.status.taskId === 'web-2' && e.status.state === TaskState.TASK_KILLED ? true : undefined));
    await page.getByTestId('running-count').filter({ hasText: '3' }).waitFor();
    t.same(errors, [], 'no errors on the page');
  });

  t.test('the jobs view reads the batch framework: the DAG and the runs', async (t) => {
    const master = await testMaster(t, { allocationIntervalMs: 50, uiDir });
    await testAgent(t, master.url, 'process', { ports: [33200, 33299] });
    const batch = await testBatch(t, master.url);
    master.api.linkFrameworks({ batch: batch.url });
    const job = (id: string, dependsOn: string[] = []) => ({ id, command: 'true', resources: { cpus: 0.1, memMb: 16 }, dependsOn });
    await submit(batch, [job('/etl/extract'), job('/etl/orders', ['/etl/extract']), job('/etl/users', ['/etl/extract']), job('/etl/load', ['/etl/orders', '/etl/users'])]);

    const { page } = await openPage(t, { width: 1200, height: 700 });
    await page.goto(`${master.httpUrl}/jobs`);
    await page.getByTestId('batch-mode').filter({ hasText: 'live' }).waitFor();
    await page.locator('svg.dag g[data-job="/etl/load"]').waitFor();
    t.equal(await page.locator('svg.dag g.node').count(), 4, 'every job is a node');
    t.equal(await page.locator('svg.dag path.edge').count(), 4, 'every dependency is an edge');
    const x = async (id: string): Promise<number> => Number(await page.locator(`svg.dag g[data-job="${id}"] rect`).getAttribute('x'));
    t.ok((await x('/etl/extract')) < (await x('/etl/orders')) && (await x('/etl/orders')) < (await x('/etl/load')), 'drawn left to right in dependency order');
    await shot(t, page, 'jobs.png');

    // A job submitted while the page is open appears: the stream, through the master's proxy.
    await submit(batch, job('/etl/report'));
    await page.getByRole('link', { name: '/etl/report' }).waitFor();

    await page.getByRole('link', { name: '/etl/extract' }).click();
    await page.getByTestId('batch-mode').filter({ hasText: 'live' }).waitFor();
    const { runId } = await runNow(batch, '/etl/extract');
    await finished(batch, runId);
    const run = page.locator('tr', { hasText: runId });
    await run.filter({ hasText: 'succeeded' }).waitFor();
    t.match(await run.locator('td').nth(1).textContent(), /^succeeded$/, 'the run and its state are listed');
    await shot(t, page, 'job-runs.png');

    // Back on the DAG, each job shows its state in that workflow run as the run goes on.
    await page.getByRole('link', { name: 'Jobs' }).click();
    for (const id of ['/etl/extract', '/etl/orders', '/etl/users', '/etl/load']) await page.locator(`svg.dag g[data-job="${id}"][data-state="succeeded"]`).waitFor({ timeout: 30_000 });
    t.equal(await page.locator('svg.dag g[data-job="/etl/report"]').getAttribute('data-state'), '', 'a job in no workflow run has no state');
    await shot(t, page, 'jobs-workflow.png');
  });

  t.test('the services view polls a services API without a stream (an older framework, faked to its contract) as instances start', async (t) => {
    // The services framework's API as its contract describes it, with instances the test adds.
    const instances: { id: string; version: number; agentId: string; hostname: string; state: string; healthy: boolean; ready: boolean; ports: Record<string, number>; startedAtMs: number }[] = [];
    const deployment = { fromVersion: 1, toVersion: 2, phase: 'rolling', startedAtMs: Date.now() };
    const api = createServer((req, res) => {
      const running = instances.filter((i) => i.state === 'RUNNING');
      const summary = { id: '/team/web', version: 2, instances: 2, running: running.length, healthy: running.filter((i) => i.healthy).length, status: 'deploying', deployment, role: '*' };
      const bodies: Record<string, unknown> = {
        '/api/v1/services': { services: [summary] },
        '/api/v1/services/team/web': { id: '/team/web', version: 2, status: 'deploying', spec: { instances: 2 }, deployment, reasons: [], instances, versions: [1, 2] },
        '/api/v1/services/team/web/history': { id: '/team/web', versions: [], deployments: [{ fromVersion: null, toVersion: 1, phase: 'done', startedAtMs: 1, endedAtMs: 2 }, deployment] },
      };
      const body = bodies[req.url ?? ''];
      res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body ?? { code: 'NOT_FOUND', message: `no ${req.url}` }));
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    t.teardown(() => new Promise<void>((resolve) => api.close(() => resolve())));
    const master = await testMaster(t, { uiDir, frameworkLinks: { services: `http://127.0.0.1:${(api.address() as { port: number }).port}` } });

    const { page } = await openPage(t, { width: 1200, height: 700 });
    await page.goto(`${master.httpUrl}/services`);
    await page.getByTestId('services-mode').filter({ hasText: 'polling' }).waitFor();
    const row = page.locator('tr[data-service="/team/web"]');
    await row.filter({ hasText: '0/2' }).waitFor();
    t.match(await row.textContent(), /rolling: v1 → v2/, 'the deployment in progress');
    await row.getByRole('link', { name: '/team/web' }).click();
    await page.locator('h2', { hasText: 'Service /team/web' }).waitFor();
    t.equal(await page.locator('tr[data-instance]').count(), 0, 'no instances yet');
    for (const n of [1, 2]) {
      instances.push({ id: `web.${n}`, version: 2, agentId: 'a1', hostname: 'host-1', state: 'RUNNING', healthy: n === 1, ready: true, ports: { http: 31000 + n }, startedAtMs: Date.now() });
      await page.locator(`tr[data-instance="web.${n}"]`).waitFor();
    }
    await page.getByTestId('deployment').filter({ hasText: '2/2' }).waitFor();
    t.match(await page.locator('tr[data-instance="web.1"]').textContent(), /healthy.*host-1.*http:31001/, 'an instance with its health, agent and ports');
    t.match(await page.locator('tr[data-instance="web.2"]').textContent(), /ready/, 'one not healthy yet');
    t.equal(await page.locator('tr', { hasText: 'v1 → v2' }).count(), 1, 'the history lists the deployment');
    await shot(t, page, 'service.png');
    await page.getByRole('link', { name: 'Services' }).click();
    await row.filter({ hasText: '2/2' }).waitFor();
    t.match(await row.locator('td').nth(3).textContent(), /1\/2/, 'one of two healthy');
  });
}
