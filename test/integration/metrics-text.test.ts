// /metrics of the master, an agent and the batch framework parse as Prometheus text (with a
// parser library, not our own reading), every family has a type and help, and the counters move
// with the work: a batch run of tasks on a process agent.
import parsePrometheusTextFormat, { type PromFamily } from 'parse-prometheus-text-format';
import t, { type Test } from 'tap';
import { testAgent } from '../helpers/cluster.js';
import { finished, runNow, submit, testBatch } from '../helpers/batch.js';
import { testMaster } from '../helpers/master.js';

async function scrape(t: Test, url: string): Promise<Map<string, PromFamily>> {
  const res = await fetch(url);
  t.equal(res.status, 200, `GET ${url}`);
  t.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  const families = parsePrometheusTextFormat(await res.text());
  return new Map(families.map((f) => [f.name, f]));
}

/** A counter's or gauge's value (summed over its labels), or a histogram's count. */
function value(families: Map<string, PromFamily>, name: string): number {
  const f = families.get(name);
  if (!f) throw new Error(`no metric ${name}; have ${[...families.keys()].join(', ')}`);
  return f.metrics.reduce((n, m) => n + Number(f.type === 'HISTOGRAM' ? m.count : m.value), 0);
}

function wellFormed(t: Test, families: Map<string, PromFamily>, prefix: string): void {
  const ours = [...families.values()].filter((f) => f.name.startsWith('berth_'));
  t.ok(ours.length > 0, `${prefix} has metrics`);
  for (const f of ours) {
    t.ok(f.name.startsWith(prefix), `${f.name} is named ${prefix}…`);
    t.not(f.help, '', `${f.name} has help`);
    t.not(f.type, 'UNTYPED', `${f.name} has a type`);
    if (f.type === 'COUNTER') t.match(f.name, /_total$/, `counter ${f.name} ends in _total`);
  }
}

void t.test('master, agent and batch framework metrics parse and move with the work', async (t) => {
  const master = await testMaster(t, { allocationIntervalMs: 50 });
  const agent = await testAgent(t, master.url, 'process', { metricsPort: 0, agent: { usageIntervalMs: 200 } });
  const agentMetrics = await agent.metrics.url();
  t.match(agentMetrics, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  const batch = await testBatch(t, master.url);
  const urls = { master: `${master.httpUrl}/metrics`, agent: agentMetrics!, batch: `${batch.url}/metrics` };
  const before = { master: await scrape(t, urls.master), agent: await scrape(t, urls.agent), batch: await scrape(t, urls.batch) };
  wellFormed(t, before.master, 'berth_master_');
  wellFormed(t, before.agent, 'berth_agent_');
  wellFormed(t, before.batch, 'berth_batch_');

  await submit(batch, { id: '/metrics', command: 'echo counted', resources: { cpus: 0.1, memMb: 16 }, parallelism: 3, completions: 6 });
  const run = await finished(batch, (await runNow(batch, '/metrics')).runId);
  t.equal(run.state, 'succeeded', run.reason);

  const after = { master: await scrape(t, urls.master), agent: await scrape(t, urls.agent), batch: await scrape(t, urls.batch) };
  const moved = {
    master: ['berth_master_task_launches_total', 'berth_master_offers_made_total', 'berth_master_status_updates_total', 'berth_master_allocation_runs_total', 'berth_master_allocation_agents_visited_total', 'berth_master_status_update_seconds'],
    agent: ['berth_agent_task_launches_total', 'berth_agent_status_updates_sent_total', 'berth_agent_status_updates_acknowledged_total'],
    batch: ['berth_batch_task_launches_total', 'berth_batch_task_ends_total', 'berth_batch_runs_finished_total'],
  } as const;
  for (const component of ['master', 'agent', 'batch'] as const) {
    for (const name of moved[component]) {
      const [b, a] = [value(before[component], name), value(after[component], name)];
      t.ok(a > b, `${name}: ${b} before < ${a} after`);
    }
  }
  t.ok(value(after.master, 'berth_master_task_launches_total') - value(before.master, 'berth_master_task_launches_total') >= 6, 'the master counted every launch');
  t.ok(value(after.agent, 'berth_agent_task_launches_total') - value(before.agent, 'berth_agent_task_launches_total') >= 6, 'the agent counted every launch');
  t.same(after.agent.get('berth_agent_registered')?.metrics.map((m) => m.value), ['1']);
  const shares = after.master.get('berth_master_role_dominant_share')?.metrics ?? [];
  t.ok(shares.some((m) => m.labels?.role === '*'), 'the role of the batch framework has a dominant share');
  t.ok(shares.every((m) => Number(m.value) >= 0 && Number(m.value) <= 1), 'shares are fractions');
  // The per-agent gauges are written by a formatter of their own (master/metrics.ts): one series for the one agent.
  for (const name of ['berth_master_agent_cpu_percent', 'berth_master_agent_memory_bytes']) {
    const series = after.master.get(name)?.metrics ?? [];
    t.equal(series.length, 1, `${name}: one series`);
    t.match(series[0]?.labels, { agent_id: /^\S+$/ }, `${name} is labelled with the agent`);
    t.ok(Number.isFinite(Number(series[0]?.value)), `${name} has a number`);
  }
  t.equal(after.master.get('berth_master_agent_cpu_percent')?.type, 'GAUGE');
  const missing = await fetch(agentMetrics!.replace('/metrics', '/nope'));
  t.equal(missing.status, 404, 'the agent listener serves only /metrics');
});
