// berth dns and the DNS server of berth dev, as a user runs them: every bad flag listed at once
// (exit 2), a server that answers dig with a stream's endpoints, and berth dev's banner line.
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { berth, CLI, dev } from '../helpers/cli.js';
import { digShort, requireDig } from '../helpers/dns-client.js';
import { endpointsStream } from '../helpers/endpoints-stream.js';
import { until } from '../helpers/poll.js';

t.before(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build dist/ first (npx tsc -p tsconfig.json && node scripts/copy-assets.mjs)`);
});

t.test('bad flags are all listed, each with its rule, and exit 2', async (t) => {
  const bad = await berth(['dns', '--services', 'nope', '--port', '70000', '--ttl=-1', '--domain', 'Not_A.Domain', '--host', '']);
  t.equal(bad.code, 2, bad.stderr);
  t.match(bad.stderr, /berth dns: flags are not valid:/);
  t.match(bad.stderr, /--services must be a URL like http:\/\/127\.0\.0\.1:5050, got 'nope'/);
  t.match(bad.stderr, /--port must be a whole number from 0 to 65535 \(0 picks a free one\), got '70000'/);
  t.match(bad.stderr, /--ttl must be a whole number of seconds from 0 to 86400, got '-1'/);
  t.match(bad.stderr, /--domain must be lower-case DNS labels/);
  t.match(bad.stderr, /--host must be an address to listen on/);
  t.notMatch(bad.stderr, /ttlSeconds|servicesUrl/, 'flags are named, not option fields');
  const word = await berth(['dns', '--port', 'x'], 20_000);
  t.match(word.stderr, /--port must be a number, got 'x'/);
  const help = await berth(['dns', '--help']);
  t.equal(help.code, 0);
  for (const flag of ['--services URL', '--host ADDRESS', '--port P', '--domain DOMAIN', '--ttl SECONDS']) t.match(help.stdout, flag);
  t.match(help.stdout, /\(default: 8600\)/);
  t.match(help.stdout, /env: BERTH_SERVICES/);
  const devBad = await berth(['dev', '--dns-port', '99999', '--port', '0']);
  t.equal(devBad.code, 2);
  t.match(devBad.stderr, /--dns-port must be a whole number from 0 to 65535, got '99999'/);
});

t.test('berth dns answers dig with the endpoints of the services framework it follows', async (t) => {
  if (!(await requireDig(t))) return;
  const stream = await endpointsStream(t, [{ id: '/team/web', endpoints: [{ id: 'team_web.v2.aa', host: '127.0.0.1', ports: { http: 31500 } }] }]);
  const child = spawn(process.execPath, [CLI, 'dns', '--port', '0', '--ttl', '9', '--domain', 'svc.test', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BERTH_SERVICES: stream.url } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  t.teardown(() => void (child.exitCode === null && child.kill('SIGINT')));
  const port = Number(await until('the banner', () => /on 127\.0\.0\.1:(\d+) \(UDP and TCP\)/.exec(out)?.[1], 20_000));
  t.match(out, `from ${stream.url}`, 'BERTH_SERVICES gives the services URL');
  t.same(await until('the SRV record', async () => {
    const lines = await digShort(port, 'SRV', '_http._tcp.web.team.svc.test');
    return lines.length > 0 && lines;
  }), ['0 1 31500 v2-aa.web.team.svc.test.']);
  const [soa] = await digShort(port, 'SOA', 'svc.test');
  t.match(soa, / 9$/, 'the TTL flag is the SOA minimum');
  child.kill('SIGINT');
  const code = await new Promise((resolve) => child.once('exit', resolve));
  t.equal(code, 0, 'Ctrl-C stops it cleanly');
});

t.test('berth dev starts a DNS server next to the services framework', async (t) => {
  if (!(await requireDig(t))) return;
  const cluster = await dev(t, ['--agents', '1', '--runtime', 'process', '--services-port', '0', '--dns-port', '0']);
  const port = Number(await until('the dns line', () => /dns\s+127\.0\.0\.1:(\d+) \(UDP and TCP\)/.exec(cluster.output())?.[1], 20_000));
  t.match(cluster.output(), /dig @127\.0\.0\.1 -p \d+ SRV _PORT\._tcp\.NAME\.services\.berth \+short/);
  t.same(await digShort(port, 'NS', 'services.berth'), ['ns.services.berth.']);
  const services = await until('the services line', () => /services\s+(http:\/\/127\.0\.0\.1:\d+)\/api\/v1\/services/.exec(cluster.output())?.[1], 20_000);
  const file = join(t.testdir(), 'sleeper.yaml');
  writeFileSync(file, 'id: /e2e/sleeper\ninstances: 2\ncontainer: { image: busybox:latest, command: sleep 600 }\nresources: { cpus: 0.1, memMb: 16, ports: [{ name: http }] }\nkillGracePeriodSeconds: 1\n');
  const applied = await berth(['services', 'apply', '-f', file, '--services', services]);
  t.equal(applied.code, 0, applied.stderr);
  const lines = await until('two SRV records of the applied service', async () => {
    const got = await digShort(port, 'SRV', '_http._tcp.sleeper.e2e.services.berth');
    return got.length === 2 && got;
  }, 60_000, 200);
  for (const line of lines) t.match(line, /^0 1 \d+ v1-[0-9a-f]{8}\.sleeper\.e2e\.services\.berth\.$/);
  const off = await dev(t, ['--agents', '1', '--runtime', 'process', '--services-port', '0', '--dns-port', '0', '--no-dns']);
  t.notMatch(off.output(), /^\s+dns\s/m, '--no-dns runs none');
});
