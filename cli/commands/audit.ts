// berth audit: the master's audit log of operator changes (who, what, when, and how it ended).
import type { AuditEvent } from '../../master/store/records.js';
import { Problems, masterApi, MASTER_API_FLAG, outputFlag, type Command, TOKEN_FLAG } from '../flags.js';
import { getJson } from '../http.js';
import { printAnswer, table } from '../output.js';

export const auditCommand: Command = {
  name: 'audit',
  summary: 'Show the newest operator changes: roles, drains, kills, teardowns (who, what, when, result).',
  usage: 'berth audit [--limit N] [--master URL] [-o table|json|yaml]',
  flags: {
    token: TOKEN_FLAG,
    master: MASTER_API_FLAG,
    limit: { type: 'string', default: '50', help: 'how many of the newest events to show, oldest first', rule: 'a whole number from 1 to 10000', placeholder: 'N' },
    output: outputFlag(['table', 'json', 'yaml']),
  },
  examples: ['berth audit', 'berth audit --limit 10 -o yaml', 'berth audit --limit 500 -o json | jq \'.[] | select(.result == "failed")\''],
  async run(flags, positionals) {
    const problems = new Problems('audit');
    const base = masterApi(flags, problems);
    const format = problems.oneOf(flags, 'output', ['table', 'json', 'yaml'] as const);
    const limit = problems.int(flags, 'limit', 1, 10_000);
    if (positionals.length > 0) problems.add(`unexpected arguments: ${positionals.join(' ')}`);
    problems.throwIfAny();
    const events = await getJson<AuditEvent[]>(`${base}/api/v1/audit?limit=${limit}`);
    return printAnswer(format, events, () => table(['TIME', 'WHO', 'ACTION', 'SUBJECT', 'RESULT', 'DETAILS'], events.map((e) => [
      new Date(e.atMs).toISOString(), e.who, e.action, e.subject,
      e.result === 'ok' ? 'ok' : `failed: ${e.error?.code ?? ''}`, Object.keys(e.details).length ? JSON.stringify(e.details) : '',
    ])));
  },
};
