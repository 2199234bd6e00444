// TLS through the built binary: `berth master --tls-cert --tls-key` serves wss and https, `berth
// agent --ca-file` registers with it, `berth agents --ca-file` reads it (and without the CA says
// which flag to give), and certificate flags that do not go together (or a bad --framework-link)
// are refused, naming them.
// Client certificates of the CLI are in cli-mtls.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { berth, CLI, keepRunning } from '../helpers/cli.js';
import { until } from '../helpers/poll.js';
import { freePort } from '../helpers/processes.js';
import { testCerts } from '../helpers/tls.js';

const keep = (t: Test, args: string[]): (() => string) => keepRunning(t, [CLI, ...args]);

t.test('a TLS master, an agent and the CLI with --ca-file', async (t) => {
  const certs = testCerts(t);
  const port = await freePort();
  const master = keep(t, ['master', '--port', String(port), '--tls-cert', certs.files.serverCert, '--tls-key', certs.files.serverKey, '--allocation-interval', '100ms', '--log-level', 'info']);
  await until('the master started', () => /master started/.test(master()), 20_000);
  t.match(master(), new RegExp(`wss://127\\.0\\.0\\.1:${port}`), 'it says its wss:// URL');
  const workDir = mkdtempSync(join(tmpdir(), 'berth-tls-agent-'));
  t.teardown(() => rmSync(workDir, { recursive: true, force: true }));
  keep(t, ['agent', '--master', `wss://127.0.0.1:${port}`, '--ca-file', certs.files.ca, '--runtime', 'process', '--work-dir', workDir, '--hostname', 'tls-agent', '--log-level', 'warn']);
  const listed = await until('the agent is listed over https', async () => {
    const r = await berth(['agents', '--master', `https://127.0.0.1:${port}`, '--ca-file', certs.files.ca]);
    return r.code === 0 && r.stdout.includes('tls-agent') ? r : undefined;
  }, 30_000);
  t.match(listed.stdout, /tls-agent/);
  const untrusted = await berth(['agents', '--master', `https://127.0.0.1:${port}`]);
  t.not(untrusted.code, 0, 'without the CA the call fails');
  t.match(untrusted.stderr, /is not signed by a CA this client trusts .*--ca-file FILE \(or BERTH_CA_FILE\)/, 'and says which flag to give');
});

t.test('certificate flags that do not go together are refused, naming them', async (t) => {
  const certs = testCerts(t);
  const half = await berth(['master', '--port', '0', '--tls-cert', certs.files.serverCert]);
  t.equal(half.code, 2);
  t.match(half.stderr, /--tls-cert and --tls-key go together/);
  const wrongKey = await berth(['master', '--port', '0', '--tls-cert', certs.files.serverCert, '--tls-key', certs.files.clientKey]);
  t.equal(wrongKey.code, 2);
  t.match(wrongKey.stderr, /--tls-key .*client\.key: is not the private key of the certificate in --tls-cert/);
  const link = await berth(['master', '--port', '0', '--framework-link', 'batch=ftp://127.0.0.1:1', '--framework-link', 'web']);
  t.equal(link.code, 2);
  t.match(link.stderr, /--framework-link must look like NAME=URL .*got 'web'/);
  t.match(link.stderr, /--framework-link\.batch must be an http:\/\/ or https:\/\/ URL/);
  const missing = await berth(['agents', '--ca-file', join(certs.dir, 'nope.crt')]);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /--ca-file .*nope\.crt: cannot read it \(ENOENT\)/);
});
