// berth agent: runs tasks for a master with Docker or as processes.
import { cliLogger, LOG_FLAGS } from '../log.js';
import { agentResources, chooseRuntime, parseReservations, defaultHostname, defaultWorkDir, startAgent, untilSignal, type RuntimeName } from '../compose.js';
import { parsePairs, Problems, type Command } from '../flags.js';
import { wsBase } from '../output.js';

export const agentCommand: Command = {
  name: 'agent',
  summary: 'Start an agent: it offers this host\'s resources to a master and runs the tasks it is given.',
  usage: 'berth agent --master ws://HOST:PORT [--runtime docker|process] [--work-dir DIR] [flags]',
  flags: {
    master: { type: 'string', default: 'ws://127.0.0.1:5050', help: 'the masters, comma-separated (tried in turn; standbys redirect to the leader)', placeholder: 'URLS' },
    runtime: { type: 'string', default: 'auto', help: 'docker, process, or auto (docker when the engine answers)', placeholder: 'NAME' },
    'work-dir': { type: 'string', default: defaultWorkDir('agent'), help: 'sandboxes, logs and checkpoints', placeholder: 'DIR' },
    resources: { type: 'string', help: 'override detected resources, e.g. "cpus:4;mem:8192;disk:20000;ports:31000-32000" (mem and disk in MB; cpus and mem must be > 0)', placeholder: 'SPEC' },
    attributes: { type: 'string', multiple: true, help: 'attributes frameworks can place by, KEY=VALUE[,KEY=VALUE]', placeholder: 'K=V' },
    reserve: { type: 'string', multiple: true, help: 'a static reservation: part of the resources offered only to one role, ROLE=cpus:2;mem:4096', placeholder: 'ROLE=SPEC' },
    hostname: { type: 'string', default: defaultHostname(), help: 'the name this agent reports', placeholder: 'NAME' },
    ...LOG_FLAGS,
  },
  examples: ['berth agent --master ws://127.0.0.1:5050 --runtime docker --work-dir /var/lib/berth', 'berth agent --resources "cpus:2;mem:2048" --attributes rack=r1,zone=a'],
  async run(flags) {
    const problems = new Problems('agent');
    const masterUrl = String(flags.master).split(',').map((u) => wsBase(problems.url({ master: u.trim() }, 'master', ['ws', 'wss', 'http', 'https']))).join(',');
    const asked = problems.oneOf(flags, 'runtime', ['auto', 'docker', 'process', 'hollow'] as const);
    const attributes = parsePairs((flags.attributes as string[] | undefined) ?? [], 'attributes', problems);
    const workDir = String(flags['work-dir']);
    const res = await agentResources(flags.resources as string | undefined, workDir, problems);
    const reservations = parseReservations((flags.reserve as string[] | undefined) ?? [], res, problems);
    problems.throwIfAny();
    const log = cliLogger(String(flags['log-level']), Boolean(flags['log-json']));
    const runtime: RuntimeName = await chooseRuntime(asked, log);
    const agent = await startAgent({ masterUrl, runtime, workDir, resources: res, reservations, attributes, hostname: String(flags.hostname) }, log);
    return untilSignal(log, () => agent.stop({ killTasks: false }));
  },
};
