// berth state: the cluster as the leading master sees it, as tables or JSON.
import { resources } from '../../protocol/index.js';
import type { MasterState } from '../../master/index.js';
import { Problems, masterApi, MASTER_API_FLAG, outputFlag, type Command } from '../flags.js';
import { getJson } from '../http.js';
import { table } from '../output.js';

export const stateCommand: Command = {
  name: 'state',
  summary: 'Show the cluster state: agents, frameworks and tasks.',
  usage: 'berth state [--master URL] [-o table|json]',
  flags: {
    master: MASTER_API_FLAG,
    output: outputFlag(['table', 'json']),
  },
  examples: ['berth state', 'berth state -o json | jq .tasks'],
  async run(flags) {
    const problems = new Problems('state');
    const base = masterApi(flags, problems);
    const format = problems.oneOf(flags, 'output', ['table', 'json'] as const);
    problems.throwIfAny();
    const state = await getJson<MasterState>(`${base}/api/v1/state`);
    if (format === 'json') {
      process.stdout.write(`${JSON.stringify(state, null, 2)}\n`);
      return 0;
    }
    const lines = [
      `master ${state.masterId} (${state.leadership}, epoch ${state.epoch}) at ${state.url}`,
      '',
      `AGENTS (${state.agents.length})`,
      table(['ID', 'HOST', 'RUNTIME', 'CONNECTED', 'TASKS', 'USED', 'TOTAL'], state.agents.map((a) => [
        a.id, a.hostname, a.runtime, a.connected ? 'yes' : 'no', String(a.tasks), resources.format(a.used), resources.format(a.total),
      ])),
      '',
      `FRAMEWORKS (${state.frameworks.length})`,
      table(['ID', 'NAME', 'ROLES', 'CONNECTED', 'TASKS', 'OFFERS'], state.frameworks.map((f) => [
        f.id, f.name, f.roles.join(','), f.connected ? 'yes' : 'no', String(f.tasks), String(f.offers),
      ])),
      '',
      `TASKS (${state.tasks.length} live)`,
      table(['ID', 'STATE', 'FRAMEWORK', 'AGENT', 'RESOURCES', 'REASON'], state.tasks.map((t) => [
        t.id, t.state, t.frameworkId, t.agentId, resources.format(t.resources), t.reason,
      ])),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
};
