// The task table with 10,000 live tasks (hollow agents: the real agent and protocol, tasks that
// only pretend to run): every task is counted and findable, yet only the rows in view are in the
// page, and scrolling brings the last ones in.
import t from 'tap';
import { buildUi, haveChromium, openPage, screenshots } from '../helpers/browser.js';
import { testAgent, testFramework } from '../helpers/cluster.js';
import { testMaster } from '../helpers/master.js';

const TASKS = 10_000;
const AGENTS = 4;

if (haveChromium(t)) {
  const shot = screenshots('ui-many-tasks');
  const uiDir = await buildUi(t);

  t.test(`the task table stays small in the page with ${TASKS} tasks`, async (t) => {
    const master = await testMaster(t, { allocationIntervalMs: 50, uiDir });
    for (let i = 0; i < AGENTS; i++) await testAgent(t, master.url, 'hollow', { ports: [34000 + i * 100, 34099 + i * 100], cpus: 100, memMb: 100_000 });
    const fw = await testFramework(t, master.url, { name: 'many' });
    const perAgent = TASKS / AGENTS;
    let launched = 0;
    fw.onOffers = (offers) => {
      for (const offer of offers) {
        if (launched >= TASKS) {
          void fw.client.decline([offer.id], 600).catch(() => undefined);
          continue;
        }
        const first = launched;
        launched += perAgent;
        void fw.client.launch([offer.id], Array.from({ length: perAgent }, (_, i) => ({ taskId: `t-${first + i}`, resources: { cpus: 0.01, memMb: 4 }, command: { value: 'sleep', shell: true } })));
      }
    };

    const { page, errors } = await openPage(t);
    await page.goto(`${master.httpUrl}/tasks`);
    await page.getByTestId('task-count').filter({ hasText: `${TASKS} of ${TASKS} tasks` }).waitFor({ timeout: 120_000 });
    const rendered = await page.locator('[data-task]').count();
    t.ok(rendered > 0 && rendered <= 60, `only the rows in view are rendered (${rendered})`);

    await page.locator('.scroller').evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await page.locator('[data-task="t-9999"]').waitFor();
    t.ok((await page.locator('[data-task]').count()) <= 60, 'still only the rows in view after scrolling to the end');

    await page.getByTestId('task-filter').fill('t-1234');
    await page.getByTestId('task-count').filter({ hasText: `1 of ${TASKS} tasks` }).waitFor();
    t.equal(await page.locator('[data-task]').count(), 1, 'the filter finds one task');
    await page.getByTestId('task-filter').fill('');
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByTestId('running-count').waitFor();
    t.match(await page.getByTestId('running-count').textContent(), /^\d+$/, 'the overview renders with them');
    await shot(t, page, 'many-tasks-overview.png');
    t.same(errors, [], 'no errors on the page');
  });
}
