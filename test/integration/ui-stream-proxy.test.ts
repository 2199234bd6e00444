// The master's UI proxy carries a framework's state stream over WebSocket: a real batch
// framework's snapshot and patches reach a watcher through /ui/proxy/batch/api/v1/stream, which
// resumes after a drop; the framework's 400 (naming the field) passes back as it came; only the
// stream path is carried; an unknown link is a 404 and a framework that is down a 502. A plain
// GET of the stream answers 426, which is how the UI tells a stream from an older framework's 404.
import t from 'tap';
import { dialText, watchState } from '../../protocol/index.js';
import { submit, testBatch } from '../helpers/batch.js';
import { testMaster } from '../helpers/master.js';
import { until } from '../helpers/poll.js';

t.test('a batch framework\'s stream through the master', async (t) => {
  const master = await testMaster(t, {});
  const batch = await testBatch(t, master.url);
  master.api.linkFrameworks({ batch: batch.url });
  const proxied = `${master.url}/ui/proxy/batch/api/v1/stream`;
  const stop = new AbortController();
  t.teardown(() => stop.abort());
  let snapshots = 0;
  const statuses: string[] = [];
  const watcher = watchState(`${proxied}?include=jobs`, { signal: stop.signal, onStatus: (m) => statuses.push(m), onUpdate: (_d, f) => void (f.snapshot && snapshots++) });
  await until('the snapshot through the proxy', () => watcher.doc);
  t.same(watcher.doc, { jobs: [] });
  const job = (id: string) => ({ id, command: 'true', resources: { cpus: 0.1, memMb: 16 } });
  await submit(batch, job('/proxied/one'));
  await until('the job, as a patch through the proxy', () => (watcher.doc?.jobs as { id: string }[] | undefined)?.length === 1);
  watcher.dropConnection();
  await submit(batch, job('/proxied/two'));
  await until('the second job after the drop', () => (watcher.doc?.jobs as { id: string }[] | undefined)?.length === 2);
  t.equal(snapshots, 1, 'the reconnect through the proxy resumed with patches');
  t.match(statuses, [/resuming from version/]);

  await t.rejects(dialText(`${proxied}?include=colour`), /HTTP 400: .*"field":"include"/, 'the framework\'s 400 comes back as it was');
  await t.rejects(dialText(`${master.url}/ui/proxy/batch/api/v1/jobs`), /HTTP 400: .*only WebSockets of \/api\/v1\/stream/, 'only the stream is carried');
  await t.rejects(dialText(`${master.url}/ui/proxy/nothing/api/v1/stream`), /HTTP 404: .*no framework link/, 'an unknown link');
  const plain = await fetch(`${master.httpUrl}/ui/proxy/batch/api/v1/stream`);
  t.equal(plain.status, 426, 'a GET without the upgrade is told to upgrade');
  t.match(await plain.json(), { code: 'UPGRADE_REQUIRED', field: 'upgrade' });
});

t.test('a framework that is down is a 502 on the upgrade', async (t) => {
  const master = await testMaster(t, { frameworkLinks: { batch: 'http://127.0.0.1:1' } });
  await t.rejects(dialText(`${master.url}/ui/proxy/batch/api/v1/stream`), /HTTP 502: .*batch at http:\/\/127\.0\.0\.1:1 did not answer/);
});
