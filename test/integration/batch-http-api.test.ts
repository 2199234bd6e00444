// The batch HTTP API on a real master and agent: submit (YAML, JSON, refused with problems),
// read, run with params, cancel, delete, re-run, and errors as {code, message, field}.
import t from 'tap';
import { testCluster } from '../helpers/cluster.js';
import { testBatch } from '../helpers/batch.js';
import { until } from '../helpers/poll.js';

void t.test('the batch HTTP API', async (t) => {
  const { master } = await testCluster(t, 'process', { agents: 1 });
  const fw = await testBatch(t, master.url);
  t.match(fw.url, /^http:\/\/127\.0\.0\.1:\d+$/, 'bound to loopback by default');
  const call = async (method: string, path: string, body?: string, type = 'application/json') => {
    const res = await fetch(`${fw.url}${path}`, { method, ...(body === undefined ? {} : { body, headers: { 'content-type': type } }) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & { code?: string; field?: string } };
  };
  const runState = async (runId: string) => ((await call('GET', `/api/v1/runs/${runId}`)).body.run as { state: string }).state;

  void t.test('submit a YAML file, list it, read it', async (t) => {
    const yaml = 'id: /hello\ncommand: echo "hi ${who}"\nresources: { cpus: 0.1, memMb: 16 }\nparameters:\n  who: { default: world }\n';
    const created = await call('POST', '/api/v1/jobs', yaml, 'application/yaml');
    t.equal(created.status, 201);
    t.same(created.body.jobs, ['/hello']);
    const list = await call('GET', '/api/v1/jobs');
    t.same((list.body.jobs as { id: string }[]).map((j) => j.id), ['/hello']);
    const one = await call('GET', `/api/v1/jobs/${encodeURIComponent('/hello')}`);
    t.equal(one.status, 200);
    t.equal((one.body.job as { id: string }).id, '/hello');
    t.same(one.body.nextRunsMs, [], 'no schedule, no next runs');
    await call('POST', '/api/v1/jobs', JSON.stringify({ id: '/cron', command: 'true', resources: { cpus: 0.1, memMb: 16 }, schedule: { cron: '@yearly' } }));
    const cron = await call('GET', `/api/v1/jobs/${encodeURIComponent('/cron')}`);
    const next = cron.body.nextRunsMs as number[];
    t.equal(next.length, 3);
    t.ok(next.every((ms) => new Date(ms).toISOString().endsWith('-01-01T00:00:00.000Z')), 'each on the first of January');
  });

  void t.test('a spec with problems is answered 400 with every problem', async (t) => {
    const bad = await call('POST', '/api/v1/jobs', JSON.stringify({ id: '/bad', command: 'x', resources: { cpus: 0, memMb: 16 }, colour: 'red' }));
    t.equal(bad.status, 400);
    t.equal(bad.body.code, 'BAD_REQUEST');
    t.ok(typeof bad.body.message === 'string' && bad.body.field !== undefined);
    const rules = (bad.body.problems as { path: string; rule: string }[]).map((p) => `${p.path} ${p.rule}`);
    t.ok(rules.includes('resources.cpus minimum'), rules.join(', '));
    t.ok(rules.some((r) => r.endsWith('unknown-field')), rules.join(', '));
    const wrongRole = await call('POST', '/api/v1/jobs', JSON.stringify({ id: '/gpu', command: 'x', resources: { cpus: 1, memMb: 16 }, role: 'gpu' }));
    t.match(wrongRole, { status: 400, body: { code: 'BAD_REQUEST', field: 'role' } });
    const notJson = await call('POST', '/api/v1/jobs', '{"id": ', 'application/json');
    t.equal(notJson.status, 400);
    const wrongType = await call('POST', '/api/v1/jobs', 'x', 'image/png');
    t.match(wrongType, { status: 415, body: { code: 'UNSUPPORTED_MEDIA_TYPE', field: 'content-type' } });
  });

  void t.test('run now with params; the run is read back with its tasks', async (t) => {
    const wrapped = await call('POST', '/api/v1/jobs', JSON.stringify({ spec: JSON.stringify({ id: '/p', command: 'test "${day}" = 2026-12-01', resources: { cpus: 0.1, memMb: 16 }, parameters: { day: {} } }) }));
    t.equal(wrapped.status, 201);
    const missing = await call('POST', `/api/v1/jobs/${encodeURIComponent('/p')}/runs`, '{}');
    t.match(missing, { status: 400, body: { code: 'BAD_REQUEST', field: 'parameters.day' } });
    const badValue = await call('POST', `/api/v1/jobs/${encodeURIComponent('/p')}/runs`, JSON.stringify({ params: { day: 5 } }));
    t.match(badValue, { status: 400, body: { field: 'params.day' } });
    const extra = await call('POST', `/api/v1/jobs/${encodeURIComponent('/p')}/runs`, JSON.stringify({ parms: {} }));
    t.match(extra, { status: 400, body: { field: 'parms' } });
    const started = await call('POST', `/api/v1/jobs/${encodeURIComponent('/p')}/runs`, JSON.stringify({ params: { day: '2026-12-01' } }));
    t.equal(started.status, 201);
    const runId = started.body.runId as string;
    await until('the run succeeded', async () => (await runState(runId)) === 'succeeded', 30_000);
    const got = await call('GET', `/api/v1/runs/${runId}`);
    t.match(got.body, { run: { runId, jobId: '/p', params: { day: '2026-12-01' } }, tasks: [{ index: 0, result: 'succeeded', exitCode: 0 }] });
    const runs = await call('GET', `/api/v1/jobs/${encodeURIComponent('/p')}/runs`);
    t.same((runs.body.runs as { runId: string }[]).map((r) => r.runId), [runId]);
  });

  void t.test('cancel a running run; cancelling again conflicts', async (t) => {
    await call('POST', '/api/v1/jobs', JSON.stringify({ id: '/sleepy', command: 'sleep 60', resources: { cpus: 0.1, memMb: 16 } }));
    const runId = (await call('POST', `/api/v1/jobs/${encodeURIComponent('/sleepy')}/runs`)).body.runId as string;
    await until('running', async () => (await runState(runId)) === 'running', 30_000);
    const cancelled = await call('POST', `/api/v1/runs/${runId}/cancel`);
    t.equal(cancelled.status, 200);
    t.equal((cancelled.body.run as { state: string }).state, 'cancelled');
    t.match(await call('POST', `/api/v1/runs/${runId}/cancel`), { status: 409, body: { code: 'CONFLICT' } });
  });

  void t.test('delete a job; unknown things are 404; wrong methods 405; re-run needs from', async (t) => {
    t.equal((await call('DELETE', `/api/v1/jobs/${encodeURIComponent('/hello')}`)).status, 200);
    t.match(await call('GET', `/api/v1/jobs/${encodeURIComponent('/hello')}`), { status: 404, body: { code: 'NOT_FOUND', field: 'id' } });
    t.match(await call('DELETE', `/api/v1/jobs/${encodeURIComponent('/hello')}`), { status: 404 });
    t.match(await call('GET', '/api/v1/runs/run-nope'), { status: 404, body: { code: 'NOT_FOUND' } });
    t.match(await call('PUT', '/api/v1/jobs'), { status: 405, body: { code: 'METHOD_NOT_ALLOWED' } });
    t.match(await call('GET', '/api/v1/nothing'), { status: 404, body: { field: 'path' } });
    t.match(await call('POST', '/api/v1/runs/run-nope/rerun'), { status: 400, body: { field: 'from' } });
    t.match(await call('POST', '/api/v1/runs/run-nope/rerun?from=/a'), { status: 404 });
    const metrics = await (await fetch(`${fw.url}/metrics`)).text();
    t.match(metrics, /berth_batch_task_launches_total [1-9]/);
    t.match(metrics, /berth_batch_runs_finished_total [1-9]/);
    t.match(await call('POST', '/api/v1/runs/run-nope/cancel', JSON.stringify({ force: true })), { status: 400, body: { code: 'BAD_REQUEST', field: 'force' } });
  });
});
