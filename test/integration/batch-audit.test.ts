// The batch framework's audit log over HTTP, on a real master and agent: submit (one event per
// job), run with its params, cancel, re-run and rm are recorded with who asked before the answer,
// refused ones with their error; GET /api/v1/audit reads it back with a checked limit.
import t from 'tap';
import { MemoryBatchStore } from '../../frameworks/batch/store/index.js';
import type { FrameworkAuditEvent } from '../../frameworks/sdk/index.js';
import { testBatch } from '../helpers/batch.js';
import { testCluster } from '../helpers/cluster.js';
import { until } from '../helpers/poll.js';

void t.test('the batch audit log', async (t) => {
  const { master } = await testCluster(t, 'process', { agents: 1 });
  const store = new MemoryBatchStore();
  const fw = await testBatch(t, master.url, store);
  const call = async (method: string, path: string, body?: object, user?: string) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(user === undefined ? {} : { 'x-berth-user': user }) };
    const res = await fetch(`${fw.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & { events?: FrameworkAuditEvent[] } };
  };
  const brief = (events: FrameworkAuditEvent[]) => events.map((e) => ({ who: e.who, action: e.action, subject: e.subject, details: e.details, result: e.result, code: e.error?.code }));
  const job = (id: string, command: string, over: object = {}) => ({ id, command, resources: { cpus: 0.1, memMb: 16 }, ...over });

  void t.test('changes are recorded with who asked, what and when, before the answer', async (t) => {
    const before = Date.now();
    const submitted = await call('POST', '/api/v1/jobs', { jobs: [job('/hello', 'echo hi ${who}', { parameters: { who: { default: 'world' } } }), job('/sleepy', 'sleep 60')] }, 'alice');
    t.equal(submitted.status, 201, JSON.stringify(submitted.body));
    const first = await store.audit(10);
    t.same(brief(first), [
      { who: 'alice', action: 'job.submit', subject: 'job/hello', details: {}, result: 'ok', code: undefined },
      { who: 'alice', action: 'job.submit', subject: 'job/sleepy', details: {}, result: 'ok', code: undefined },
    ], 'written by the time the answer came');
    t.ok(first.every((e) => /^audit-[0-9a-f-]{36}$/.test(e.id) && e.atMs >= before && e.atMs <= Date.now()));

    const ran = await call('POST', `/api/v1/jobs/${encodeURIComponent('/hello')}/runs`, { params: { who: 'bob' } }, 'bob');
    t.equal(ran.status, 201, JSON.stringify(ran.body));
    const sleepy = (await call('POST', `/api/v1/jobs/${encodeURIComponent('/sleepy')}/runs`)).body.runId as string;
    await until('running', async () => ((await call('GET', `/api/v1/runs/${sleepy}`)).body.run as { state: string }).state === 'running', 30_000);
    t.equal((await call('POST', `/api/v1/runs/${sleepy}/cancel`, undefined, 'carol')).status, 200);
    t.equal((await call('DELETE', `/api/v1/jobs/${encodeURIComponent('/hello')}`, undefined, 'carol')).status, 200);

    const read = await call('GET', '/api/v1/audit');
    t.equal(read.status, 200);
    t.same(brief(read.body.events!).slice(2), [
      { who: 'bob', action: 'job.run', subject: 'job/hello', details: { params: { who: 'bob' }, runId: ran.body.runId }, result: 'ok', code: undefined },
      { who: 'anonymous', action: 'job.run', subject: 'job/sleepy', details: { params: {}, runId: sleepy }, result: 'ok', code: undefined },
      { who: 'carol', action: 'run.cancel', subject: `run/${sleepy}`, details: {}, result: 'ok', code: undefined },
      { who: 'carol', action: 'job.remove', subject: 'job/hello', details: {}, result: 'ok', code: undefined },
    ]);
    t.same((await call('GET', '/api/v1/audit?limit=1')).body.events!.map((e) => e.action), ['job.remove'], 'the newest one');
    await call('GET', '/api/v1/jobs');
    t.equal((await store.audit(100)).length, 6, 'reads are not changes');
  });

  void t.test('refused changes are recorded with their error; a bad user header is refused unrecorded', async (t) => {
    const from = (await store.audit(100)).length;
    t.match(await call('POST', '/api/v1/jobs', job('/bad', 'x', { resources: { cpus: 0, memMb: 16 } }), 'alice'), { status: 400 });
    t.match(await call('POST', `/api/v1/jobs/${encodeURIComponent('/nope')}/runs`, { params: { a: 'b' } }, 'alice'), { status: 404 });
    t.match(await call('POST', `/api/v1/jobs/${encodeURIComponent('/sleepy')}/runs`, { params: { n: 1 } }, 'alice'), { status: 400, body: { field: 'params.n' } });
    t.match(await call('POST', '/api/v1/runs/run-nope/cancel', undefined, 'alice'), { status: 404 });
    t.match(await call('POST', '/api/v1/runs/run-nope/rerun?from=/a', undefined, 'alice'), { status: 404 });
    t.match(await call('DELETE', `/api/v1/jobs/${encodeURIComponent('/nope')}`, undefined, 'alice'), { status: 404 });
    const events = (await store.audit(100)).slice(from);
    t.same(brief(events), [
      { who: 'alice', action: 'job.submit', subject: 'job/*', details: {}, result: 'refused', code: 'BAD_REQUEST' },
      { who: 'alice', action: 'job.run', subject: 'job/nope', details: { params: { a: 'b' } }, result: 'refused', code: 'NOT_FOUND' },
      { who: 'alice', action: 'job.run', subject: 'job/sleepy', details: {}, result: 'refused', code: 'BAD_REQUEST' },
      { who: 'alice', action: 'run.cancel', subject: 'run/run-nope', details: {}, result: 'refused', code: 'NOT_FOUND' },
      { who: 'alice', action: 'run.rerun', subject: 'run/run-nope', details: { from: '/a' }, result: 'refused', code: 'NOT_FOUND' },
      { who: 'alice', action: 'job.remove', subject: 'job/nope', details: {}, result: 'refused', code: 'NOT_FOUND' },
    ]);
    t.match(events[2]!.error, { message: 'params.n must be a string' });

    t.match(await call('POST', '/api/v1/runs/run-nope/cancel', undefined, 'x'.repeat(129)), { status: 400, body: { code: 'BAD_REQUEST', field: 'x-berth-user' } });
    t.equal((await store.audit(100)).length, from + 6, 'nothing recorded for it');
  });

  void t.test('an event that cannot be written is a 503 saying the change was made', async (t) => {
    const append = store.appendAudit.bind(store);
    store.appendAudit = () => Promise.reject(new Error('audit list full'));
    t.teardown(() => {
      store.appendAudit = append;
    });
    const r = await call('POST', '/api/v1/jobs', job('/later', 'true'));
    t.match(r, { status: 503, body: { code: 'STORE_UNAVAILABLE', message: /^the change was made, but its audit event could not be recorded: audit list full/ } });
    t.equal((await call('GET', `/api/v1/jobs/${encodeURIComponent('/later')}`)).status, 200, 'the job was stored');
  });

  void t.test('GET /api/v1/audit checks its limit, naming it', async (t) => {
    for (const bad of ['0', '-1', 'abc', '1.5', '10001', '']) {
      t.match(await call('GET', `/api/v1/audit?limit=${bad}`), { status: 400, body: { code: 'BAD_REQUEST', field: 'limit', message: /limit must be a whole number from 1 to 10000/ } }, `limit=${bad}`);
    }
    t.equal((await call('GET', '/api/v1/audit?limit=10000')).status, 200);
    t.match(await call('POST', '/api/v1/audit', {}), { status: 405, body: { code: 'METHOD_NOT_ALLOWED' } });
  });
});
