// The batch API with authentication on: every route refuses a missing or unknown token with 401 and
// a principal without the action with 403, the stream's upgrade too, and a refused call changes
// nothing (jobs, runs and the audit log as they were); GET /health stays open.
import t from 'tap';
import { MemoryBatchStore, startBatchFramework } from '../../frameworks/batch/index.js';
import { bearer, callsFor, checkRefusals, testAuthenticator, upgrade } from '../helpers/auth.js';
import { FakeDriver } from '../helpers/batch-driver.js';
import { testLogger } from '../helpers/log.js';

const JOB = JSON.stringify({ id: '/etl/load', command: 'echo load', resources: { cpus: 0.1, memMb: 16 } });
const OTHER = JSON.stringify({ id: '/etl/other', command: 'echo other', resources: { cpus: 0.1, memMb: 16 } });

void t.test('every batch route needs a token and the action', async (t) => {
  const fw = await startBatchFramework({ masterUrl: 'ws://127.0.0.1:1', store: new MemoryBatchStore(), http: { port: 0 }, connect: () => new FakeDriver(), auth: testAuthenticator(), log: testLogger() });
  t.teardown(() => fw.stop());
  const admin = async (method: string, path: string, body?: string) => {
    const res = await fetch(`${fw.url}${path}`, { method, headers: { ...bearer('admin'), ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body } : {}) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  t.equal((await admin('POST', '/api/v1/jobs', JOB)).status, 201, 'the admin submits a job');
  const started = await admin('POST', `/api/v1/jobs/${encodeURIComponent('/etl/load')}/runs`);
  t.equal(started.status, 201, 'and runs it');
  const runId = String(started.body.runId);
  t.equal((await fetch(`${fw.url}/health`)).status, 200, 'GET /health needs no token');

  const job = encodeURIComponent('/etl/load');
  const calls = callsFor(t, fw.routes.filter((r) => r !== 'GET /health'), {
    'POST /api/v1/jobs': { path: '/api/v1/jobs', body: OTHER, contentType: 'application/json' },
    'GET /api/v1/audit': { path: '/api/v1/audit' },
    'GET /api/v1/jobs': { path: '/api/v1/jobs' },
    'GET /api/v1/stream': { path: '/api/v1/stream' },
    'GET /api/v1/jobs/{job}/runs': { path: `/api/v1/jobs/${job}/runs` },
    'POST /api/v1/jobs/{job}/runs': { path: `/api/v1/jobs/${job}/runs` },
    'GET /api/v1/jobs/{job}': { path: `/api/v1/jobs/${job}` },
    'DELETE /api/v1/jobs/{job}': { path: `/api/v1/jobs/${job}` },
    'GET /api/v1/runs/{run}': { path: `/api/v1/runs/${runId}` },
    'POST /api/v1/runs/{run}/cancel': { path: `/api/v1/runs/${runId}/cancel` },
    'POST /api/v1/runs/{run}/rerun': { path: `/api/v1/runs/${runId}/rerun?from=${job}` },
    'GET /metrics': { path: '/metrics' },
  });
  const snapshot = async () => [await admin('GET', '/api/v1/jobs'), await admin('GET', `/api/v1/jobs/${job}/runs`), await admin('GET', '/api/v1/audit')];
  const before = await snapshot();
  await checkRefusals(t, fw.url, calls);

  const stream = async (headers: Record<string, string> = {}): Promise<number> => (await upgrade(fw.url, '/api/v1/stream', headers)).status;
  t.equal(await stream(), 401, 'the stream without a token: 401 before the upgrade');
  t.equal(await stream(bearer('viewer')), 403, 'a principal without jobs.read: 403');
  t.equal(await stream(bearer('reader')), 101, 'a reader opens it');

  t.same(await snapshot(), before, 'jobs, runs and the audit log are as they were');
  t.equal((await fetch(`${fw.url}/api/v1/jobs`, { headers: bearer('reader') })).status, 200, 'a reader lists the jobs');
});
