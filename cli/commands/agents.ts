// berth agents: list agents; drain one for maintenance, or take it back.
import { parseDuration, resources } from '../../protocol/index.js';
import type { MasterState } from '../../master/index.js';
import { Problems, UsageError, masterApi, MASTER_API_FLAG, outputFlag, type Command, TOKEN_FLAG } from '../flags.js';
import { getJson, postJson } from '../http.js';
import { printAnswer, table } from '../output.js';

export const agentsCommand: Command = {
  name: 'agents',
  summary: 'List agents, or drain one for maintenance (drain ID --deadline 5m) and undrain it.',
  usage: 'berth agents [list | drain ID [--deadline D] | undrain ID] [--master URL] [-o table|json|yaml]',
  flags: {
    token: TOKEN_FLAG,
    master: MASTER_API_FLAG,
    deadline: { type: 'string', default: '5m', help: 'with drain: how long tasks may keep running before they are killed', placeholder: 'DURATION' },
    output: outputFlag(['table', 'json', 'yaml']),
  },
  actions: ['list', 'drain', 'undrain'],
  examples: ['berth agents', 'berth agents -o yaml', 'berth agents drain agent-1234 --deadline 10m', 'berth agents undrain agent-1234'],
  async run(flags, positionals) {
    const problems = new Problems('agents');
    const base = masterApi(flags, problems);
    const format = problems.oneOf(flags, 'output', ['table', 'json', 'yaml'] as const);
    const [verb = 'list', id, ...extra] = positionals;
    if (!['list', 'drain', 'undrain'].includes(verb)) problems.add(`unknown action '${verb}'; use list, drain ID or undrain ID`);
    if ((verb === 'drain' || verb === 'undrain') && !id) problems.add(`${verb} needs an agent id (see berth agents)`);
    if (extra.length > 0) problems.add(`unexpected arguments: ${extra.join(' ')}`);
    const deadlineMs = parseDuration(String(flags.deadline));
    if (deadlineMs === undefined) problems.add(`--deadline must be a duration like 5m, 90s or 1h, got '${String(flags.deadline)}'`);
    problems.throwIfAny();
    if (verb === 'drain') {
      const r = await postJson<{ deadlineMs: number }>(`${base}/api/v1/agents/${encodeURIComponent(id as string)}/drain`, { deadline: String(flags.deadline) });
      return printAnswer(format, r, () => `agent ${id} is draining: no new offers; tasks still running at ${new Date(r.deadlineMs).toISOString()} will be killed`);
    }
    if (verb === 'undrain') {
      const r = await postJson(`${base}/api/v1/agents/${encodeURIComponent(id as string)}/undrain`, {});
      return printAnswer(format, r, () => `agent ${id} takes work again`);
    }
    const agents = await getJson<MasterState['agents']>(`${base}/api/v1/agents`);
    if (format !== 'table') return printAnswer(format, agents, () => '');
    if (!Array.isArray(agents)) throw new UsageError('the master answered something that is not a list of agents');
    process.stdout.write(`${table(['ID', 'HOST', 'STATE', 'CONNECTED', 'DRAINING', 'TASKS', 'USED', 'TOTAL', 'PRESSURE'], agents.map((a) => [
      a.id, a.hostname, a.state, a.connected ? 'yes' : 'no', a.drainingUntilMs ? `until ${new Date(a.drainingUntilMs).toISOString().slice(11, 19)}` : '',
      String(a.tasks), resources.format(a.used), resources.format(a.total), a.usage?.underPressure ? a.usage.pressureReason : '',
    ]))}\n`);
    return 0;
  },
};
