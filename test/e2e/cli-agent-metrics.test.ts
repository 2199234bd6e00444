// Agent metrics through the built binary: berth dev --agent-metrics prints each agent's metrics
// URL, which answers Prometheus text; berth agent refuses a bad --metrics-port, naming the flag.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import t from 'tap';
import { until } from '../helpers/poll.js';

const CLI = 'dist/cli/main.js';

t.before(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build with 'npx tsc -p tsconfig.json && node scripts/copy-assets.mjs'`);
});

void t.test('berth dev --agent-metrics prints a metrics URL per agent', async (t) => {
  const child = spawn(process.execPath, [CLI, 'dev', '--port', '0', '--no-batch', '--no-dns', '--no-lb', '--agents', '2', '--runtime', 'process', '--agent-metrics', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGINT');
  });
  const urls = await until('two agent metrics URLs in the banner', () => {
    const found = [...out.matchAll(/dev-agent-\d+ .*metrics: (http:\/\/127\.0\.0\.1:\d+\/metrics)/g)].map((m) => m[1] as string);
    return found.length === 2 ? found : undefined;
  }, 30_000);
  t.equal(new Set(urls).size, 2, 'each agent has its own port');
  for (const url of urls) {
    const families = parsePrometheusTextFormat(await (await fetch(url)).text());
    t.same(families.find((f) => f.name === 'berth_agent_registered')?.metrics.map((m) => m.value), ['1'], `${url} is a registered agent's`);
  }
});

void t.test('berth agent refuses a bad --metrics-port', async (t) => {
  for (const port of ['abc', '70000', '1.5']) {
    const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(process.execPath, [CLI, 'agent', '--metrics-port', port, '--master', 'ws://127.0.0.1:1'], { timeout: 30_000 }, (err, _stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr });
      });
    });
    t.equal(r.code, 2, `--metrics-port ${port} is a usage error`);
    t.match(r.stderr, /--metrics-port/);
  }
  const help = await new Promise<string>((resolve) => execFile(process.execPath, [CLI, 'agent', '--help'], (_e, stdout) => resolve(stdout)));
  t.match(help, /--metrics-port P\s+serve Prometheus metrics at http:\/\/127\.0\.0\.1:P\/metrics \(default: not served\); a port from 0 to 65535; 0 picks a free one/);
});
