// berth agent: runs tasks for a master with Docker or as processes.
import { cliLogger, LOG_FLAGS, LOG_LEVELS } from '../log.js';
import { AGENT_TUNING_FLAGS, agentAttributes, agentResources, agentTuning, checkAgentOptions, parseReservations } from '../agent-flags.js';
import type { RuntimeName } from '../compose.js';
import { defaultHostname, defaultWorkDir, untilSignal } from '../process-life.js';
import { Problems, type Command } from '../flags.js';
import { CA_FILE_FLAG, SERVER_TLS_FLAGS, tlsFlags } from '../tls-flags.js';

export const agentCommand: Command = {
  name: 'agent',
  summary: 'Start an agent: it offers this host\'s resources to a master and runs the tasks it is given.',
  usage: 'berth agent --master ws://HOST:PORT [--runtime docker|process] [--work-dir DIR] [flags]',
  flags: {
    master: { type: 'string', default: 'ws://127.0.0.1:5050', env: 'BERTH_MASTER', help: 'the masters, tried in turn; standbys redirect to the leader', rule: 'ws://, wss://, http:// or https:// URLs, comma-separated', placeholder: 'URLS' },
    runtime: { type: 'string', default: 'auto', help: 'how tasks run: auto picks docker when the engine answers, else process', rule: 'auto, docker, process or hollow (pretends; benchmarks only)', placeholder: 'NAME' },
    'work-dir': { type: 'string', default: defaultWorkDir('agent'), help: 'sandboxes, logs and checkpoints', rule: 'a folder (created if missing)', placeholder: 'DIR' },
    resources: { type: 'string', help: 'override detected resources (default: what this host has)', rule: 'SPEC like "cpus:4;mem:8192;disk:20000;gpus:0;ports:31000-32000", mem and disk in MB, cpus and mem > 0', placeholder: 'SPEC' },
    attributes: { type: 'string', multiple: true, help: 'attributes frameworks can place by', rule: 'KEY=VALUE[,KEY=VALUE]', placeholder: 'K=V' },
    reserve: { type: 'string', multiple: true, help: 'a static reservation: part of the resources offered only to one role', rule: 'ROLE=SPEC like eng=cpus:2;mem:4096, scalars only, all together within the resources', placeholder: 'ROLE=SPEC' },
    hostname: { type: 'string', default: defaultHostname(), help: 'the name this agent reports', rule: 'non-empty', placeholder: 'NAME' },
    token: { type: 'string', env: 'BERTH_AGENT_TOKEN', help: 'the bearer token of this agent\'s principal, for a master started with --auth-file (docs/security.md)', rule: '1 to 4096 printable characters without spaces', placeholder: 'TOKEN' },
    'ca-file': CA_FILE_FLAG,
    ...SERVER_TLS_FLAGS,
    ...AGENT_TUNING_FLAGS,
    ...LOG_FLAGS,
  },
  examples: ['berth agent --master ws://127.0.0.1:5050 --runtime docker --work-dir /var/lib/berth',
    'berth agent --master wss://master:5050 --ca-file ca.crt --tls-cert agent.crt --tls-key agent.key   # mutual TLS', 'berth agent --resources "cpus:2;mem:2048" --attributes rack=r1,zone=a'],
  async run(flags) {
    const problems = new Problems('agent');
    const masterUrl = String(flags.master);
    const asked = problems.oneOf(flags, 'runtime', ['auto', 'docker', 'process', 'hollow'] as const);
    const attributes = agentAttributes(flags, problems);
    const workDir = String(flags['work-dir']);
    const res = await agentResources(flags.resources as string | undefined, workDir, problems);
    const reservations = parseReservations((flags.reserve as string[] | undefined) ?? [], problems);
    const tuning = agentTuning(flags, problems);
    const token = flags.token as string | undefined;
    const tls = tlsFlags(flags, problems);
    checkAgentOptions({ masterUrl, workDir, resources: res, reservations, attributes, hostname: String(flags.hostname), ...(token === undefined ? {} : { token }), ...tuning }, flags, problems);
    problems.oneOf(flags, 'log-level', LOG_LEVELS);
    problems.throwIfAny();
    const log = cliLogger(String(flags['log-level']), Boolean(flags['log-json']));
    const { chooseRuntime, startAgent } = await import('../compose.js');
    const runtime: RuntimeName = await chooseRuntime(asked, log);
    const agent = await startAgent({ masterUrl, runtime, workDir, resources: res, reservations, attributes, hostname: String(flags.hostname), token, tuning, tls }, log);
    return untilSignal(log, () => agent.stop({ killTasks: false }));
  },
};
