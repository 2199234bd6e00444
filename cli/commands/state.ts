// berth state: the cluster as the leading master sees it, as tables or JSON; with --watch, kept
// live by the master's state stream (a snapshot, then deltas) until Ctrl-C.
import { resources } from '../../protocol/index.js';
import type { MasterState } from '../../master/index.js';
import { Problems, masterApi, MASTER_API_FLAG, outputFlag, type Command, TOKEN_FLAG } from '../flags.js';
import { getJson } from '../http.js';
import { printAnswer, table } from '../output.js';
import { followStream } from '../stream-follow.js';

export const stateCommand: Command = {
  name: 'state',
  summary: 'Show the cluster state: agents, frameworks and tasks.',
  usage: 'berth state [--master URL] [-o table|json|yaml] [--watch]',
  flags: {
    token: TOKEN_FLAG,
    master: MASTER_API_FLAG,
    output: outputFlag(['table', 'json', 'yaml']),
    watch: { type: 'boolean', short: 'w', help: 'keep printing the state as it changes (the master streams deltas); Ctrl-C stops. With -o json, one document per line; with -o yaml, one document per change' },
  },
  examples: ['berth state', 'berth state -o json | jq .tasks', 'berth state -o yaml', 'berth state --watch', 'berth state -w -o json | jq -c .tasks'],
  async run(flags) {
    const problems = new Problems('state');
    const base = masterApi(flags, problems);
    const format = problems.oneOf(flags, 'output', ['table', 'json', 'yaml'] as const);
    problems.throwIfAny();
    if (flags.watch) {
      return followStream<MasterState>({ base, path: '/api/v1/stream', command: 'berth state', format, pick: (doc) => doc as unknown as MasterState, render });
    }
    const state = await getJson<MasterState>(`${base}/api/v1/state`);
    return printAnswer(format, state, () => render(state));
  },
};

function render(state: MasterState): string {
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
  const finished = state.completedTasks.slice(-10);
  if (finished.length > 0) {
    lines.push('', `RECENTLY FINISHED (last ${finished.length} of ${state.completedTasks.length} kept)`, table(['ID', 'STATE', 'EXIT', 'FRAMEWORK', 'AGENT', 'REASON'], finished.map((t) => [
      t.id, t.state, t.exitCode >= 0 ? String(t.exitCode) : '', t.frameworkId, t.agentId, t.reason || t.message,
    ])));
  }
  return lines.join('\n');
}
