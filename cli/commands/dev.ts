// berth dev: a whole local cluster in one process: a master on the embedded store, N agents, the
// batch framework and the services framework, with authentication on: each process gets its own
// token (cli/dev-auth.ts) and the person an admin one, printed as `export BERTH_TOKEN=...`.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { resources } from '../../protocol/index.js';
import type { Agent } from '../../agent/index.js';
import { scalarsNamedBy, shareAmongAgents } from '../agent-shares.js';
import { cliLogger, LOG_FLAGS, LOG_LEVELS } from '../log.js';
import { ADVERTISE_ADDRESS_FLAG, agentResources, checkAgentOptions } from '../agent-flags.js';
import { untilSignal } from '../process-life.js';
import type { LoadBalancer } from '../../frameworks/services/lb/index.js';
import { MASTER_FLAGS, masterFlags } from '../master-flags.js';
import type { BatchFramework } from '../../frameworks/batch/index.js';
import type { ServicesFramework } from '../../frameworks/services/index.js';
import { Problems, UsageError, type Command } from '../flags.js';
import type { DnsServer } from '../../frameworks/services/dns/index.js';

export const devCommand: Command = {
  name: 'dev',
  summary: 'Start a local cluster in one process: a master, N agents, the batch and the services frameworks on this machine.',
  usage: 'berth dev [--agents N] [--runtime auto|docker|process] [--port P] [flags]',
  flags: {
    agents: { type: 'string', default: '2', help: 'how many agents to run; this machine\'s resources and the ports are split between them', rule: 'a whole number from 1 to 64', placeholder: 'N' },
    runtime: { type: 'string', default: 'auto', help: 'how agents run tasks: auto picks docker when the engine answers, else process', rule: 'auto, docker, process or hollow (pretends; benchmarks only)', placeholder: 'NAME' },
    'work-dir': { type: 'string', help: "agents' sandboxes and checkpoints (default: DATA/agents with --data, else a new temp folder removed on exit)", placeholder: 'DIR' },
    'batch-port': { type: 'string', default: '5080', help: 'the batch framework\'s HTTP API (jobs and runs, docs/batch.md) on 127.0.0.1; its state is kept in memory', rule: 'a port number; 0 picks a free one', placeholder: 'P' },
    'no-batch': { type: 'boolean', help: 'run no batch framework' },
    'advertise-address': ADVERTISE_ADDRESS_FLAG,
    'agent-metrics': { type: 'boolean', help: "serve each agent's Prometheus metrics on a free port of 127.0.0.1 (the URLs are printed)" },
    'services-port': { type: 'string', default: '5070', help: 'the services framework\'s HTTP API (plan, apply, scale, rollback..., docs/api.md) on 127.0.0.1; its state is kept in memory', rule: 'a port number; 0 picks a free one', placeholder: 'P' },
    'no-services': { type: 'boolean', help: 'run no services framework' },
    'dns-port': { type: 'string', default: '8600', help: "the DNS server of the services' endpoints (UDP and TCP, docs/discovery.md) on 127.0.0.1", rule: 'a port number; 0 picks a free one', placeholder: 'P' },
    'no-dns': { type: 'boolean', help: 'run no DNS server (none runs without the services framework either)' },
    'lb-admin-port': { type: 'string', default: '5090', help: "the load balancer's admin HTTP server (/metrics, /api/v1/stats) on 127.0.0.1; it proxies each service port on 127.0.0.1", rule: 'a port number; 0 picks a free one', placeholder: 'P' },
    'no-lb': { type: 'boolean', help: 'run no load balancer (none runs with --no-services either)' },
    resources: { type: 'string', help: 'resources of each agent; what it does not name is this machine\'s, split between the agents; the ports, given or default, are split into one block per agent (default: a share of this machine)', rule: 'SPEC like "cpus:2;mem:2048;disk:10000;gpus:0;ports:31000-32000", mem and disk in MB, cpus and mem > 0', placeholder: 'SPEC' },
    ...MASTER_FLAGS,
    ...LOG_FLAGS,
  },
  examples: [
    'berth dev                                  # master on :5050 and 2 agents',
    'berth dev --agents 4 --runtime process',
    'berth dev --data ./berth-state             # keep state across restarts',
    'berth dev --agents 2 --resources "cpus:1;mem:512;ports:31000-31099"   # 1 cpu each; ports 31000-31049 and 31050-31099',
  ],
  async run(flags) {
    const problems = new Problems('dev');
    const m = masterFlags(flags, problems);
    const count = problems.int(flags, 'agents', 1, 64);
    const asked = problems.oneOf(flags, 'runtime', ['auto', 'docker', 'process', 'hollow'] as const);
    const batchPort = problems.int(flags, 'batch-port', 0, 65_535);
    const servicesPort = problems.int(flags, 'services-port', 0, 65_535);
    const dnsPort = problems.int(flags, 'dns-port', 0, 65_535);
    const lbAdminPort = problems.int(flags, 'lb-admin-port', 0, 65_535);
    // A dev cluster on the memory store starts fresh: its agents must not recover another run's tasks.
    const keep = flags['work-dir'] !== undefined || m.data !== undefined;
    const workDir = flags['work-dir'] !== undefined ? String(flags['work-dir']) : m.data !== undefined ? join(m.data, 'agents') : await mkdtemp(join(tmpdir(), 'berth-dev-'));
    const machine = await agentResources(flags.resources as string | undefined, workDir, problems);
    const advertiseAddress = flags['advertise-address'] === undefined ? undefined : String(flags['advertise-address']);
    checkAgentOptions({ workDir, resources: machine, ...(advertiseAddress ? { advertiseAddress } : {}) }, flags, problems);
    // What the SPEC names each agent gets whole; what is detected is split between them. Ports
    // are split either way, so agents on this one host never offer the same port.
    const shared = shareAmongAgents(machine, count, scalarsNamedBy(flags.resources as string | undefined));
    if ('problem' in shared) problems.add(`--resources: ${shared.problem}`);
    if (m.authFile !== undefined) problems.add('--auth-file is for berth master: berth dev writes its own auth file, with a token for each of its processes');
    problems.oneOf(flags, 'log-level', LOG_LEVELS);
    problems.throwIfAny();
    const shares = 'shares' in shared ? shared.shares : [];
    const log = cliLogger(String(flags['log-level']), Boolean(flags['log-json']));
    await mkdir(m.data ?? workDir, { recursive: true });
    const { writeDevAuth } = await import('../dev-auth.js');
    const credentials = await writeDevAuth(m.data ?? workDir);
    const { tokens } = credentials;
    // The parts of a cluster are loaded here, not at the top, so that --help and a usage error stay quick.
    const [{ chooseRuntime, runLoadBalancer, runMaster, startAgent }, { MemoryBatchStore, startBatchFramework }, { MemoryServicesStore, startServicesFramework }, { digHint, startDns }, { Authenticator }] = await Promise.all([
      import('../compose.js'),
      import('../../frameworks/batch/index.js'),
      import('../../frameworks/services/index.js'),
      import('../dns-flags.js'),
      import('../../protocol/auth/index.js'),
    ]);
    const auth = new Authenticator(credentials.config);
    const runtime = await chooseRuntime(asked, log);
    const running = await runMaster({ ...m, authFile: credentials.file }, log);
    const agents: Agent[] = [];
    for (let i = 0; i < count; i++) {
      agents.push(await startAgent({
        masterUrl: running.url,
        runtime,
        workDir: join(workDir, `agent-${i + 1}`),
        resources: shares[i] ?? machine,
        attributes: { 'berth.dev/agent': String(i + 1) },
        hostname: `dev-agent-${i + 1}`,
        token: tokens.agent,
        tuning: { ...(flags['agent-metrics'] ? { metricsPort: 0 } : {}), ...(advertiseAddress ? { advertiseAddress } : {}) },
      }, log));
    }
    for (let waited = 0; running.master.state().agents.filter((a) => a.connected).length < count; waited += 100) {
      if (waited > 15_000) throw new UsageError(`only ${running.master.state().agents.filter((a) => a.connected).length} of ${count} agents registered within 15 s; run with --log-level debug to see why`);
      await sleep(100);
    }
    let batch: BatchFramework | undefined;
    let services: ServicesFramework | undefined;
    let dns: DnsServer | undefined;
    let lb: LoadBalancer | undefined;
    const inUse = (flag: string, port: number, off: string) =>
      new UsageError(`--${flag} ${port} is in use: is another berth dev running? Stop it, pick another --${flag} (0 picks a free one), or use --${off}.`);
    try {
      batch = flags['no-batch'] ? undefined : await startBatchFramework({ masterUrl: running.url, store: new MemoryBatchStore(), http: { port: batchPort }, auth, token: tokens.batch, log }).catch((err: unknown) => {
        throw (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? inUse('batch-port', batchPort, 'no-batch') : err;
      });
      // The autoscaler reads request rates from the load balancer, which starts after the framework.
      const lbUrls: string[] = [];
      services = flags['no-services'] ? undefined : await startServicesFramework({ masterUrl: running.url, store: new MemoryServicesStore(), http: { port: servicesPort }, autoscale: { lbUrls }, auth, token: tokens.services, log }).catch((err: unknown) => {
        throw (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? inUse('services-port', servicesPort, 'no-services') : err;
      });
      dns = flags['no-dns'] || !services ? undefined : await startDns({ servicesUrl: services.url, servicesToken: tokens.dns, port: dnsPort, log: log.child({ component: 'dns' }) }, 'dns-port', 'is another berth dev running? Stop it, pick another --dns-port (0 picks a free one), or use --no-dns.');
      lb = services && !flags['no-lb'] ? await runLoadBalancer(services.url, lbAdminPort, log, { auth, servicesToken: tokens.lb }) : undefined;
      if (lb) lbUrls.push(lb.adminUrl);
    } catch (err) {
      await services?.stop();
      await batch?.stop();
      await Promise.all(agents.map((a) => a.stop({ killTasks: true })));
      await running.close();
      throw err;
    }
    // The master's web UI shows the frameworks' services and jobs through these links.
    running.api.linkFrameworks({ ...(batch ? { batch: batch.url } : {}), ...(services ? { services: services.url } : {}) });
    const agentMetrics = await Promise.all(agents.map((a) => a.metrics.url()));
    const store = m.redis ? `redis ${m.redis}` : m.data ? `memory, snapshot in ${m.data}` : 'memory (lost on exit; --data DIR keeps it)';
    process.stdout.write([
      '',
      'berth dev is running',
      `  master   ${running.url}   web UI: ${running.httpUrl}/   state: ${running.httpUrl}/api/v1/state   metrics: ${running.httpUrl}/metrics`,
      `  agents   ${count} x ${runtime} runtime`,
      ...shares.map((r, i) => `    dev-agent-${i + 1}  ${resources.format(r)}${agentMetrics[i] ? `   metrics: ${agentMetrics[i]}` : ''}`),
      ...(batch ? [`  batch    ${batch.url}/api/v1/jobs   (state in memory)`] : []),
      ...(services ? [`  services ${services.url}/api/v1/services   (state in memory)`] : []),
      ...(dns ? [`  dns      ${dns.host}:${dns.port} (UDP and TCP)   ${digHint(dns)}`] : []),
      ...(lb ? [`  lb       ${lb.adminUrl}/api/v1/stats   metrics: ${lb.adminUrl}/metrics   (service ports on 127.0.0.1)`] : []),
      `  store    ${store}`,
      `  auth     on: the tokens of every process are in ${credentials.file} (new at each start); the CLI reads BERTH_TOKEN`,
      '',
      'Authenticate your shell (an admin token):',
      `export BERTH_TOKEN=${tokens.admin}`,
      '',
      'Try:',
      `  node dist/examples/hello-framework.js --master ${running.url} --tasks 5`,
      `  node dist/cli/main.js state --master ${running.httpUrl}`,
      ...(batch ? [`  node dist/cli/main.js jobs submit -f examples/batch/hello.yaml --batch ${batch.url}`, `  node dist/cli/main.js jobs run /demo/hello --wait --batch ${batch.url}`] : []),
      ...(services ? [`  node dist/cli/main.js services apply -f examples/services/hello.yaml --wait --services ${services.url}`] : []),
      `  open ${running.httpUrl}/ in a browser for the web UI`,
      '',
      'Press Ctrl-C to stop (running tasks are stopped too).',
      '',
    ].join('\n'));
    return untilSignal(log, async () => {
      await dns?.close();
      await lb?.close();
      await services?.stop();
      await batch?.stop();
      await Promise.all(agents.map((a) => a.stop({ killTasks: true })));
      await running.close();
      if (!keep) await rm(workDir, { recursive: true, force: true });
    });
  },
};
