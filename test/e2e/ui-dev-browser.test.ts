// The web UI of a real `berth dev` (the built binary: a master, two process-runtime agents, the
// services and batch frameworks) in Debian's Chromium through playwright-core: it asks for the
// token berth dev printed (a wrong one is said to be refused), then a service applied
// through the services API appears with its instances as they start, without a reload (the
// services stream through the master's proxy); an instance's logs follow live; a drain made
// through the API shows on its agent; a job submitted to the batch API appears. Screenshots go to
// the test's output folder (.tap/screenshots/ui-dev-browser/).
import { existsSync } from 'node:fs';
import t from 'tap';
import { haveChromium, openPage, screenshots, ticksFollowed } from '../helpers/browser.js';
import { CLI, dev, frameworkUrlOf } from '../helpers/cli.js';
import { until } from '../helpers/poll.js';

const TICKER = {
  id: '/demo/ticker',
  instances: 2,
  // The process runtime runs the command on the host; the image names what Docker would run.
  container: { image: 'busybox:latest', command: 'i=0; while true; do echo "tick $i"; i=$((i+1)); sleep 0.2; done' },
  resources: { cpus: 0.1, memMb: 32 },
};

if (haveChromium(t)) {
  t.before(() => {
    if (!existsSync(CLI) || !existsSync('dist/master/ui/app.js')) throw new Error(`${CLI} or the UI bundle is missing: build dist/ first (npx tsc -p tsconfig.json && node scripts/copy-assets.mjs && node scripts/build-ui.mjs)`);
  });
  const shot = screenshots('ui-dev-browser');

  t.test('the UI of berth dev follows a service, its logs and a drain live', async (t) => {
    const cluster = await dev(t, ['--runtime', 'process', '--agents', '2', '--batch-port', '0', '--services-port', '0']);
    const services = await frameworkUrlOf(cluster, 'services');
    const batch = await frameworkUrlOf(cluster, 'batch');
    const { page, errors } = await openPage(t);
    const kept = async (): Promise<string | undefined> => page.evaluate(() => (window as unknown as { berthMark?: string }).berthMark);

    // berth dev turns authentication on: the UI asks for the token first and shows nothing else.
    await page.goto(`${cluster.http}/services`);
    await page.getByTestId('token-form').waitFor();
    t.equal(await page.getByTestId('connection').count(), 0, 'nothing of the cluster before a token is given');
    await shot(t, page, 'token-form.png');
    await page.getByTestId('token-input').fill('not-the-token-of-anyone-here');
    await page.getByTestId('token-submit').click();
    await page.getByTestId('token-form').filter({ hasText: 'was not accepted' }).waitFor();
    await page.getByTestId('token-input').fill(cluster.token);
    await page.getByTestId('token-submit').click();
    await page.getByTestId('connection').filter({ hasText: 'live' }).waitFor();
    await page.getByTestId('services-mode').filter({ hasText: 'live' }).waitFor();
    t.equal(await page.locator('tr[data-service]').count(), 0, 'no services yet');
    // A mark on the page's window: still there later means no reload happened in between.
    await page.evaluate(() => Object.assign(window, { berthMark: 'kept' }));

    const applied = await fetch(`${services}/api/v1/services`, { method: 'POST', headers: { ...cluster.headers, 'content-type': 'application/json' }, body: JSON.stringify(TICKER) });
    t.equal(applied.status, 200, `applied: ${await applied.clone().text()}`);
    const row = page.locator('tr[data-service="/demo/ticker"]');
    await row.waitFor();
    await row.locator('td').nth(2).filter({ hasText: '2/2' }).waitFor({ timeout: 30_000 });
    t.equal(await kept(), 'kept', 'the service and its running instances appeared without a reload');

    await row.getByRole('link', { name: '/demo/ticker' }).click();
    await page.locator('h2', { hasText: 'Service /demo/ticker' }).waitFor();
    await until('both instances listed as running', async () => (await page.locator('tr[data-instance]', { hasText: 'running' }).count()) === 2, 30_000);
    await shot(t, page, 'service.png');

    // An instance's task page: its output keeps coming while the page is open.
    await page.locator('tr[data-instance] a').first().click();
    await page.getByTestId('log-status').filter({ hasText: 'following' }).waitFor();
    const { before, later } = await ticksFollowed(page);
    t.ok(later >= before + 3, `logs followed from tick ${before} to tick ${later}`);
    await shot(t, page, 'task-logs.png');

    // A drain through the master's API shows on its agent.
    await page.getByRole('link', { name: 'Agents' }).click();
    const agents = (await (await fetch(`${cluster.http}/api/v1/agents`, { headers: cluster.headers })).json()) as { id: string }[];
    t.equal(agents.length, 2, 'two agents');
    const drainedRow = page.locator(`[data-agent="${agents[1]!.id}"]`);
    await drainedRow.getByTestId('drain-state').filter({ hasText: 'not draining' }).waitFor();
    const drained = await fetch(`${cluster.http}/api/v1/agents/${agents[1]!.id}/drain`, { method: 'POST', headers: cluster.headers, body: JSON.stringify({ deadline: '1h' }) });
    t.equal(drained.status, 200, 'drain accepted');
    await drainedRow.getByTestId('drain-state').filter({ hasText: /^draining/ }).waitFor();
    t.match(await page.locator(`[data-agent="${agents[0]!.id}"]`).getByTestId('drain-state').textContent(), /not draining/, 'the other agent is not draining');
    await shot(t, page, 'agents.png');

    // The frameworks view links to the UI's views of the linked frameworks; the jobs view follows
    // the batch framework's stream the same way.
    await page.getByRole('link', { name: 'Frameworks' }).click();
    const batchRow = page.locator('tr[data-framework]', { hasText: 'batch' });
    await batchRow.getByTestId('framework-view').getByRole('link', { name: 'jobs' }).click();
    await page.getByTestId('batch-mode').filter({ hasText: 'live' }).waitFor();
    const submitted = await fetch(`${batch}/api/v1/jobs`, { method: 'POST', headers: { ...cluster.headers, 'content-type': 'application/json' }, body: JSON.stringify({ id: '/demo/once', command: 'echo once', resources: { cpus: 0.1, memMb: 16 } }) });
    t.equal(submitted.status, 201);
    await page.getByRole('link', { name: '/demo/once' }).waitFor();

    await page.getByRole('link', { name: 'Services' }).click();
    await row.locator('td').nth(2).filter({ hasText: '2/2' }).waitFor();
    await shot(t, page, 'services.png');
    t.equal(await kept(), 'kept', 'every view was a client-side route');
    t.same(errors, [], 'no errors on the page');
  });
}
