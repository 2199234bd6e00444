// berth tasks: list live tasks; print or follow a task's logs.
import { resources } from '../../protocol/index.js';
import type { MasterState } from '../../master/index.js';
import { Problems, masterApi, MASTER_API_FLAG, outputFlag, type Command } from '../flags.js';
import { getJson, streamText } from '../http.js';
import { table } from '../output.js';

export const tasksCommand: Command = {
  name: 'tasks',
  summary: "List live tasks, or print a task's stdout and stderr (logs ID [--follow]).",
  usage: 'berth tasks [list | logs ID [--follow] [--tail N]] [--master URL]',
  flags: {
    master: MASTER_API_FLAG,
    follow: { type: 'boolean', short: 'f', help: 'with logs: keep printing new lines until the task ends (Ctrl-C stops)' },
    tail: { type: 'string', default: '0', help: 'with logs: start with the last N lines (0 = all)', rule: 'a whole number from 0 to 1000000', placeholder: 'N' },
    output: outputFlag(['table', 'json']),
  },
  examples: ['berth tasks', 'berth tasks logs hello-3', 'berth tasks logs web-1 --follow --tail 20'],
  async run(flags, positionals) {
    const problems = new Problems('tasks');
    const base = masterApi(flags, problems);
    const format = problems.oneOf(flags, 'output', ['table', 'json'] as const);
    const tail = problems.int(flags, 'tail', 0, 1_000_000);
    const [verb = 'list', id, ...extra] = positionals;
    if (!['list', 'logs'].includes(verb)) problems.add(`unknown action '${verb}'; use list or logs ID`);
    if (verb === 'logs' && !id) problems.add('logs needs a task id (see berth tasks)');
    if (extra.length > 0) problems.add(`unexpected arguments: ${extra.join(' ')}`);
    problems.throwIfAny();
    if (verb === 'logs') {
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      await streamText(`${base}/api/v1/tasks/${encodeURIComponent(id as string)}/logs?tail=${tail}${flags.follow ? '&follow=1' : ''}`, stop.signal);
      return 0;
    }
    const state = await getJson<MasterState>(`${base}/api/v1/state`);
    if (format === 'json') {
      process.stdout.write(`${JSON.stringify(state.tasks, null, 2)}\n`);
      return 0;
    }
    process.stdout.write(`${table(['ID', 'STATE', 'HEALTH', 'FRAMEWORK', 'AGENT', 'RESOURCES', 'REASON'], state.tasks.map((t) => [
      t.id, t.state, t.health, t.frameworkId, t.agentId, resources.format(t.resources), t.reason,
    ]))}\n`);
    return 0;
  },
};
