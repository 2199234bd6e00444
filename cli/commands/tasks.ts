// berth tasks: list live tasks; print or follow a task's logs; kill one as an operator.
import { resources } from '../../protocol/index.js';
import type { MasterState } from '../../master/index.js';
import { Problems, masterApi, MASTER_API_FLAG, outputFlag, type Command, TOKEN_FLAG } from '../flags.js';
import { getJson, postJson, streamText } from '../http.js';
import { printAnswer, table, type AnswerFormat } from '../output.js';

export const tasksCommand: Command = {
  name: 'tasks',
  summary: "List live tasks, print a task's stdout and stderr (logs ID [--follow]), or kill one (kill ID).",
  usage: 'berth tasks [list | logs ID [--follow] [--tail N] | kill ID] [--master URL] [-o table|json|yaml]',
  flags: {
    token: TOKEN_FLAG,
    master: MASTER_API_FLAG,
    follow: { type: 'boolean', short: 'f', help: 'with logs: keep printing new lines until the task ends (Ctrl-C stops)' },
    tail: { type: 'string', default: '0', help: 'with logs: start with the last N lines (0 = all)', rule: 'a whole number from 0 to 1000000', placeholder: 'N' },
    output: outputFlag(['table', 'json', 'yaml']),
  },
  actions: ['list', 'logs', 'kill'],
  examples: [
    'berth tasks',
    'berth tasks -o yaml',
    'berth tasks logs hello-3',
    'berth tasks logs web-1 --follow --tail 20',
    'berth tasks kill web-1            # ends KILLED (reason KILLED_BY_OPERATOR); its framework is told',
  ],
  async run(flags, positionals) {
    const problems = new Problems('tasks');
    const base = masterApi(flags, problems);
    const format = problems.oneOf(flags, 'output', ['table', 'json', 'yaml'] as const);
    const tail = problems.int(flags, 'tail', 0, 1_000_000);
    const [verb = 'list', id, ...extra] = positionals;
    if (!['list', 'logs', 'kill'].includes(verb)) problems.add(`unknown action '${verb}'; use list, logs ID or kill ID`);
    if ((verb === 'logs' || verb === 'kill') && !id) problems.add(`${verb} needs a task id (see berth tasks)`);
    if (extra.length > 0) problems.add(`unexpected arguments: ${extra.join(' ')}`);
    problems.throwIfAny();
    if (verb === 'logs') {
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      await streamText(`${base}/api/v1/tasks/${encodeURIComponent(id as string)}/logs?tail=${tail}${flags.follow ? '&follow=1' : ''}`, stop.signal);
      return 0;
    }
    if (verb === 'kill') return kill(base, id as string, format);
    const state = await getJson<MasterState>(`${base}/api/v1/state`);
    return printAnswer(format, state.tasks, () => table(['ID', 'STATE', 'HEALTH', 'FRAMEWORK', 'AGENT', 'RESOURCES', 'REASON'], state.tasks.map((t) => [
      t.id, t.state, t.health, t.frameworkId, t.agentId, resources.format(t.resources), t.reason,
    ])));
  },
};

async function kill(base: string, id: string, format: AnswerFormat): Promise<number> {
  const r = await postJson<{ taskId: string; state: string; alreadyEnded: boolean; agentId: string }>(`${base}/api/v1/tasks/${encodeURIComponent(id)}/kill`, {});
  if (format !== 'table') return printAnswer(format, r, () => '');
  if (r.alreadyEnded) process.stdout.write(`task ${r.taskId} had already ended (${r.state}); nothing to kill\n`);
  else process.stdout.write(`task ${r.taskId}: kill sent to agent ${r.agentId} (it was ${r.state}); it ends KILLED once stopped. Watch it with 'berth tasks' or 'berth state -w'.\n`);
  return 0;
}
