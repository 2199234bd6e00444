// berth frameworks: list the frameworks the master knows, show one, or tear one down (a dead
// framework whose tasks should go), asking first unless --yes says so.
import { createInterface } from 'node:readline/promises';
import { resources } from '../../protocol/index.js';
import type { FrameworkView } from '../../master/state-view.js';
import type { FrameworkDetail } from '../../master/operator-calls.js';
import { Problems, UsageError, masterApi, MASTER_API_FLAG, outputFlag, type Command, TOKEN_FLAG } from '../flags.js';
import { getJson, postJson } from '../http.js';
import { printAnswer, table } from '../output.js';

export const frameworksCommand: Command = {
  name: 'frameworks',
  summary: 'List frameworks, show one (get ID), or tear one down with all its tasks (teardown ID).',
  usage: 'berth frameworks [list | get ID | teardown ID [--yes]] [--master URL] [-o table|json|yaml]',
  flags: {
    token: TOKEN_FLAG,
    master: MASTER_API_FLAG,
    yes: { type: 'boolean', short: 'y', help: 'with teardown: do not ask for confirmation (needed when stdin is not a terminal)' },
    output: outputFlag(['table', 'json', 'yaml']),
  },
  actions: ['list', 'get', 'teardown'],
  examples: [
    'berth frameworks',
    'berth frameworks -o yaml',
    'berth frameworks get fw-1234 -o json',
    'berth frameworks teardown fw-1234 --yes   # kills its tasks (reason TEARDOWN_BY_OPERATOR)',
  ],
  async run(flags, positionals) {
    const problems = new Problems('frameworks');
    const base = masterApi(flags, problems);
    const format = problems.oneOf(flags, 'output', ['table', 'json', 'yaml'] as const);
    const [verb = 'list', id, ...extra] = positionals;
    if (!['list', 'get', 'teardown'].includes(verb)) problems.add(`unknown action '${verb}'; use list, get ID or teardown ID`);
    if ((verb === 'get' || verb === 'teardown') && !id) problems.add(`${verb} needs a framework id (see berth frameworks)`);
    if (extra.length > 0) problems.add(`unexpected arguments: ${extra.join(' ')}`);
    problems.throwIfAny();
    const print = (value: unknown, text: () => string): number => printAnswer(format, value, text);
    const path = `${base}/api/v1/frameworks`;
    if (verb === 'list') {
      const list = await getJson<FrameworkView[]>(path);
      return print(list, () => table(['ID', 'NAME', 'ROLES', 'CONNECTED', 'TASKS', 'OFFERS', 'ALLOCATED'], list.map((f) => [
        f.id, f.name, f.roles.join(','), f.connected ? 'yes' : 'no', String(f.tasks), String(f.offers), allocated(f),
      ])));
    }
    const one = await getJson<FrameworkDetail>(`${path}/${encodeURIComponent(id as string)}`);
    if (verb === 'get') return print(one, () => detail(one));
    if (!flags.yes) await confirm(one);
    const done = await postJson<{ frameworkId: string; tasksKilled: number }>(`${path}/${encodeURIComponent(one.id)}/teardown`, {});
    return print(done, () => `framework ${done.frameworkId} torn down; kill sent for ${done.tasksKilled} task(s)`);
  },
};

function allocated(f: FrameworkView): string {
  return Object.entries(f.allocated).map(([role, r]) => `${role}: ${resources.format(r)}`).join('; ');
}

function detail(f: FrameworkDetail): string {
  const rows: [string, string][] = [
    ['id', f.id], ['name', f.name], ['roles', f.roles.join(', ')], ['connected', f.connected ? 'yes' : 'no'],
    ['user', f.user], ['principal', f.principal], ['failover timeout', `${f.failoverTimeoutMs} ms`],
    ['partition aware', f.partitionAware ? 'yes' : 'no'], ['registered', new Date(f.registeredAtMs).toISOString()],
    ['allocated', allocated(f)], ['offers', String(f.offers)], ['unacknowledged', String(f.unacknowledgedUpdates)],
    ['tasks', `${f.tasks}${f.taskIds.length ? `: ${f.taskIds.join(', ')}` : ''}`],
  ];
  if (f.webuiUrl) rows.push(['web ui', f.webuiUrl]);
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  return rows.map(([k, v]) => `  ${k.padEnd(width)}${v}`).join('\n');
}

/** Asks on the terminal; without one, --yes is the only way to confirm. */
async function confirm(f: FrameworkDetail): Promise<void> {
  const what = `tearing down framework ${f.id} (${f.name}) kills its ${f.tasks} task(s)`;
  if (!process.stdin.isTTY) throw new UsageError(`berth frameworks: ${what}; add --yes to confirm (stdin is not a terminal, so berth cannot ask)`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(`${what}. Type the framework id to confirm: `);
  rl.close();
  if (answer.trim() !== f.id) throw new UsageError('berth frameworks: not confirmed; nothing was torn down');
}
