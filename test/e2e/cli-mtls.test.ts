// Client certificates of the CLI, through the built binary: a master and a batch framework started
// with --tls-client-ca cut off a CLI without one, which says what to pass; with --cert-file and
// --key-file (or BERTH_CERT_FILE, BERTH_KEY_FILE) its calls, `berth run`'s output and the --watch
// stream work, and so does the master's UI proxy to the https batch API (--framework-link,
// --ca-file). The flags are checked before anything is called, naming the flag or variable.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { fetchWithTls } from '../../protocol/index.js';
import { berth, CLI, keepRunning, run } from '../helpers/cli.js';
import { until } from '../helpers/poll.js';
import { freePort } from '../helpers/processes.js';
import { testCerts } from '../helpers/tls.js';

const keep = (t: Test, args: string[]): (() => string) => keepRunning(t, [CLI, ...args]);

t.test('a master with --tls-client-ca: the CLI without a certificate is told what to pass; with one, run, jobs and --watch work', async (t) => {
  const certs = testCerts(t);
  const f = certs.files;
  const port = await freePort();
  const batchPort = await freePort();
  const batch = `https://127.0.0.1:${batchPort}`;
  // Its certificate serves and is also shown to the batch API, which asks for one: made for both uses.
  const master = keep(t, ['master', '--port', String(port), '--tls-cert', f.peerCert, '--tls-key', f.peerKey, '--tls-client-ca', f.ca, '--framework-link', `batch=${batch}`, '--ca-file', f.ca, '--allocation-interval', '100ms', '--log-level', 'info']);
  await until('the master started', () => /master started/.test(master()), 30_000).catch((err: unknown) => {
    t.comment(master());
    throw err;
  });
  const workDir = mkdtempSync(join(tmpdir(), 'berth-mtls-agent-'));
  t.teardown(() => rmSync(workDir, { recursive: true, force: true }));
  keep(t, ['agent', '--master', `wss://127.0.0.1:${port}`, '--ca-file', f.ca, '--tls-cert', f.clientCert, '--tls-key', f.clientKey, '--runtime', 'process', '--work-dir', workDir, '--hostname', 'mtls-agent', '--log-level', 'warn']);
  const batchOut = keepRunning(t, ['dist/frameworks/batch/main.js', '--master', `wss://127.0.0.1:${port}`, '--port', String(batchPort), '--ca-file', f.ca, '--tls-cert', f.peerCert, '--tls-key', f.peerKey, '--tls-client-ca', f.ca, '--log-level', 'warn']);
  const at = ['--master', `https://127.0.0.1:${port}`, '--ca-file', f.ca];
  const withCert = [...at, '--cert-file', f.clientCert, '--key-file', f.clientKey];

  const refused = await berth(['agents', ...at]);
  t.not(refused.code, 0, 'without a certificate the call fails');
  t.match(refused.stderr, /refused this client's certificate or asks for one \(tlsv13 alert certificate required\): give a certificate signed by the CA it trusts with --cert-file FILE --key-file FILE \(or BERTH_CERT_FILE and BERTH_KEY_FILE\)/, 'and says which flags to give');

  const listed = await until('the agent is listed with a client certificate', async () => {
    const r = await berth(['agents', ...withCert]);
    return r.code === 0 && r.stdout.includes('mtls-agent') ? r : undefined;
  }, 30_000);
  t.match(listed.stdout, /mtls-agent/);
  const fromEnv = await run([CLI, 'agents', ...at], 60_000, undefined, { BERTH_CERT_FILE: f.clientCert, BERTH_KEY_FILE: f.clientKey });
  t.equal(fromEnv.code, 0, `BERTH_CERT_FILE and BERTH_KEY_FILE do the same: ${fromEnv.stderr}`);

  await until('the batch API answers over mutual TLS', async () => (await berth(['jobs', 'ls', '--batch', batch, ...withCert])).code === 0, 30_000).catch((err: unknown) => {
    t.comment(batchOut());
    throw err;
  });
  const proxied = await fetchWithTls(certs.client(true))(`https://127.0.0.1:${port}/ui/proxy/batch/api/v1/jobs`);
  t.equal(proxied.status, 200, "the web UI's proxy reaches the https batch API with the master's --ca-file and certificate");
  t.match(await proxied.json(), { jobs: [] });
  const noCertJobs = await berth(['jobs', 'ls', '--batch', batch, ...at]);
  t.not(noCertJobs.code, 0);
  t.match(noCertJobs.stderr, /--cert-file FILE --key-file FILE/, 'the batch API asks for the certificate too');
  const ran = await berth(['run', '--batch', batch, ...withCert, '--', 'sh', '-c', 'echo hi over mtls; exit 3'], 90_000);
  t.equal(ran.code, 3, `berth run exits with the command's code: ${ran.stderr}`);
  t.match(ran.stdout, /hi over mtls/, "and prints its output, read from the master's log stream");

  const watch = spawn(process.execPath, [CLI, 'state', '--watch', '-o', 'json', ...withCert], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => void watch.kill('SIGKILL'));
  let watched = '';
  watch.stdout.on('data', (d: Buffer) => (watched += d.toString()));
  await until('the state stream over wss with a client certificate', () => watched.includes('mtls-agent'), 30_000);
  t.match(watched, /mtls-agent/);
});

t.test('--cert-file and --key-file go together, and a file that cannot be read is named with its flag or variable', async (t) => {
  const certs = testCerts(t);
  const half = await berth(['agents', '--cert-file', certs.files.clientCert]);
  t.equal(half.code, 2);
  t.match(half.stderr, /--cert-file and --key-file go together: give both/);
  const missing = await berth(['services', 'ls', '--cert-file', join(certs.dir, 'nope.crt'), '--key-file', certs.files.clientKey]);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /--cert-file .*nope\.crt: cannot read it \(ENOENT\)/);
  const wrongKey = await run([CLI, 'jobs', 'ls'], 60_000, undefined, { BERTH_CERT_FILE: certs.files.clientCert, BERTH_KEY_FILE: certs.files.serverKey });
  t.equal(wrongKey.code, 2);
  t.match(wrongKey.stderr, /BERTH_KEY_FILE \(used for --key-file, which was not given\) .*server\.key: is not the private key of the certificate in BERTH_CERT_FILE/);
  const help = await berth(['agents', '--help']);
  t.match(help.stdout, /--cert-file FILE --key-file FILE \(or BERTH_CERT_FILE, BERTH_KEY_FILE\)/, 'a command that calls an API lists them in --help');
});
