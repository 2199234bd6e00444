// The master's UI proxy to a framework API served over https with mutual TLS: with the CA and a
// client certificate it carries GETs and the state stream; without the certificate, or without the
// CA, the answer is a 502 that says which of the master's flags to give.
import t from 'tap';
import { watchState } from '../../protocol/index.js';
import { submit, testBatch } from '../helpers/batch.js';
import { testMaster } from '../helpers/master.js';
import { until } from '../helpers/poll.js';
import { testCerts } from '../helpers/tls.js';

t.test('an https batch API that asks for client certificates, through the master', async (t) => {
  const certs = testCerts(t);
  const master = await testMaster(t, {});
  const batch = await testBatch(t, master.url, undefined, { http: { port: 0, tls: certs.server(true) } });
  t.match(batch.url, /^https:\/\//, 'the batch API serves https');
  await submit(batch, { id: '/secure/one', command: 'true', resources: { cpus: 0.1, memMb: 16 } });

  const trusted = await testMaster(t, { frameworkLinks: { batch: batch.url }, frameworkTls: certs.client(true) });
  const res = await fetch(`${trusted.httpUrl}/ui/proxy/batch/api/v1/jobs`);
  t.equal(res.status, 200, 'a GET goes through');
  t.match(await res.json(), { jobs: [{ id: '/secure/one' }] });
  const stop = new AbortController();
  t.teardown(() => stop.abort());
  const watcher = watchState(`${trusted.url}/ui/proxy/batch/api/v1/stream?include=jobs`, { signal: stop.signal, onUpdate: () => undefined });
  await until('the stream through the proxy, over https', () => (watcher.doc?.jobs as unknown[] | undefined)?.length === 1);
  t.match(watcher.doc, { jobs: [{ id: '/secure/one' }] });

  const noCert = await testMaster(t, { frameworkLinks: { batch: batch.url }, frameworkTls: certs.client(false) });
  const refused = await fetch(`${noCert.httpUrl}/ui/proxy/batch/api/v1/jobs`);
  t.equal(refused.status, 502, 'a master without a client certificate is refused by the framework');
  t.match(await refused.json(), { code: 'UNAVAILABLE', message: /batch at https:.* did not answer: .*--tls-cert FILE --tls-key FILE/ });

  const noCa = await testMaster(t, { frameworkLinks: { batch: batch.url } });
  const untrusted = await fetch(`${noCa.httpUrl}/ui/proxy/batch/api/v1/jobs`);
  t.equal(untrusted.status, 502, 'a master that does not trust the CA does not send the request');
  t.match(await untrusted.json(), { message: /is not signed by a CA this client trusts .*--ca-file FILE/ });
});

t.test('a link that is neither http:// nor https:// is refused, naming the field', async (t) => {
  await t.rejects(testMaster(t, { frameworkLinks: { batch: 'ftp://127.0.0.1:1' } }), /frameworkLinks\.batch must be an http:\/\/ or https:\/\/ URL/);
});
