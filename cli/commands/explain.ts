// berth explain: why a framework or a role gets the offers it gets (or none).
import type { Explanation } from '../../master/allocator/types.js';
import { Problems, masterApi, MASTER_API_FLAG, outputFlag, type Command, TOKEN_FLAG } from '../flags.js';
import { getJson } from '../http.js';
import { printAnswer } from '../output.js';

export const explainCommand: Command = {
  name: 'explain',
  summary: 'Say why a framework or a role gets the offers it gets, or none.',
  usage: 'berth explain (--framework ID | --role NAME) [--master URL] [-o text|json|yaml]',
  flags: {
    token: TOKEN_FLAG,
    framework: { type: 'string', help: 'the framework id (see berth state)', rule: 'give this or --role', placeholder: 'ID' },
    role: { type: 'string', help: 'a role, e.g. eng/ml', rule: 'give this or --framework', placeholder: 'NAME' },
    master: MASTER_API_FLAG,
    output: outputFlag(['text', 'json', 'yaml']),
  },
  examples: ['berth explain --framework fw-1234', 'berth explain --role analytics -o json', 'berth explain --role analytics -o yaml'],
  async run(flags) {
    const problems = new Problems('explain');
    const base = masterApi(flags, problems);
    const format = problems.oneOf(flags, 'output', ['text', 'json', 'yaml'] as const);
    if (!flags.framework === !flags.role) problems.add('give exactly one of --framework ID or --role NAME');
    problems.throwIfAny();
    const query = flags.framework ? `framework=${encodeURIComponent(String(flags.framework))}` : `role=${encodeURIComponent(String(flags.role))}`;
    const e = await getJson<Explanation>(`${base}/api/v1/explain?${query}`);
    if (format !== 'text') return printAnswer(format, e, () => '');
    const lines = [e.summary, ''];
    for (const r of e.reasons) {
      const where = r.agents > 0 ? ` (${r.agents} agent${r.agents === 1 ? '' : 's'}${r.exampleAgentIds.length ? `, e.g. ${r.exampleAgentIds.join(', ')}` : ''})` : '';
      lines.push(`  ${r.kind.padEnd(24)} ${r.message}${where}`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
};
