// TLS through the built binary: `berth master --tls-cert --tls-key` serves wss and https, `berth
// agent --ca-file` registers with it, `berth agents --ca-file` reads it (and without the CA says
// which flag to give), a master and batch framework with --tls-client-ca serve the CLI given
// --cert-file and --key-file (and say what to pass without them), and certificate flags that do
// not go together are refused, naming them.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { berth, CLI, run } from '../helpers/cli.js';
import { until } from '../helpers/poll.js';
import { freePort } from '../helpers/processes.js';
import { testCerts } from '../helpers/tls.js';

function keep(t: Test, args: string[]): () => string {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return () => out;
}

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
  const missing = await berth(['agents', '--ca-file', join(certs.dir, 'nope.crt')]);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /--ca-file .*nope\.crt: cannot read it \(ENOENT\)/);
});

t.test('a master with --tls-client-ca: the CLI without a certificate is told what to pass; with one, run, jobs and --watch work', async (t) => {
  const certs = testCerts(t);
  const f = certs.files;
  const port = await freePort();
  const master = keep(t, ['master', '--port', String(port), '--tls-cert', f.serverCert, '--tls-key', f.serverKey, '--tls-client-ca', f.ca, '--allocation-interval', '100ms', '--log-level', 'info']);
  await until('the master started', () => /master started/.test(master()), 20_000);
  const workDir = mkdtempSync(join(tmpdir(), 'berth-mtls-agent-'));
  t.teardown(() => rmSync(workDir, { recursive: true, force: true }));
  keep(t, ['agent', '--master', `wss://127.0.0.1:${port}`, '--ca-file', f.ca, '--tls-cert', f.clientCert, '--tls-key', f.clientKey, '--runtime', 'process', '--work-dir', workDir, '--hostname', 'mtls-agent', '--log-level', 'warn']);
  const batchPort = await freePort();
  const batch = `https://127.0.0.1:${batchPort}`;
  const batchOut = (() => {
    const child = spawn(process.execPath, ['dist/frameworks/batch/main.js', '--master', `wss://127.0.0.1:${port}`, '--port', String(batchPort), '--ca-file', f.ca, '--tls-cert', f.peerCert, '--tls-key', f.peerKey, '--tls-client-ca', f.ca, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    t.teardown(() => void child.kill('SIGKILL'));
    return () => out;
  })();
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
