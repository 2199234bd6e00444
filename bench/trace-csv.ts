// The replay bench's two inputs, read and checked: a trace of jobs (when each is submitted, what
// one task needs, how long it runs, how many tasks in its gang) and the agents to replay it on.
// Every problem names the file, the line and the column; all of them are listed in one error.

/** One job of a trace: `gangSize` 1 is a single task, more is an all-or-nothing gang. */
export interface TraceJob {
  /** Line in the file, for messages. */
  line: number;
  submitMs: number;
  cpus: number;
  memMb: number;
  durationMs: number;
  gangSize: number;
}

export interface AgentRow {
  cpus: number;
  memMb: number;
}

export const TRACE_COLUMNS = ['submitSeconds', 'cpus', 'memMb', 'durationSeconds', 'gangSize'] as const;
export const AGENT_COLUMNS = ['cpus', 'memMb', 'count'] as const;
/** The fifth trace column and the third agents column may be left out. */
const TRACE_REQUIRED = 4;
const AGENT_REQUIRED = 2;
const MAX_ROWS = 1_000_000;
const MAX_GANG = 1_000;
const MAX_AGENTS = 100_000;

export class CsvError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

type Rule = { min: number; minExclusive?: boolean; max?: number; whole?: boolean };

/** Lines without comments (`#`) and blank ones, each with its number. */
function rows(text: string): { line: number; cells: string[] }[] {
  const out: { line: number; cells: string[] }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const content = raw.trim();
    if (content === '' || content.startsWith('#')) return;
    out.push({ line: i + 1, cells: content.split(',').map((c) => c.trim()) });
  });
  return out;
}

function table(file: string, text: string, columns: readonly string[], required: number, problems: string[]): { line: number; cells: string[] }[] {
  const [header, ...body] = rows(text);
  const expected = `${columns.slice(0, required).join(',')}[,${columns.slice(required).join(',')}]`;
  if (!header) {
    problems.push(`${file}: empty; the first line must be the header ${expected}`);
    return [];
  }
  const names = header.cells;
  const ok = names.length >= required && names.length <= columns.length && names.every((n, i) => n === columns[i]);
  if (!ok) {
    problems.push(`${file} line ${header.line}: the header must be ${expected}, got ${names.join(',')}`);
    return [];
  }
  if (body.length === 0) problems.push(`${file}: no rows after the header`);
  if (body.length > MAX_ROWS) problems.push(`${file}: ${body.length} rows, more than ${MAX_ROWS}`);
  for (const r of body) {
    if (r.cells.length !== names.length) problems.push(`${file} line ${r.line}: ${r.cells.length} column(s), the header has ${names.length} (${names.join(',')})`);
  }
  return body.filter((r) => r.cells.length === names.length);
}

function num(file: string, line: number, column: string, cell: string | undefined, rule: Rule, problems: string[]): number {
  const n = cell === undefined || cell === '' ? NaN : Number(cell);
  const low = rule.minExclusive ? n > rule.min : n >= rule.min;
  if (Number.isFinite(n) && low && (rule.max === undefined || n <= rule.max) && (!rule.whole || Number.isInteger(n))) return n;
  const range = `${rule.minExclusive ? '>' : '>='} ${rule.min}${rule.max === undefined ? '' : ` and <= ${rule.max}`}`;
  problems.push(`${file} line ${line}, column ${column}: must be a ${rule.whole ? 'whole number' : 'number'} ${range}, got ${JSON.stringify(cell ?? '')}`);
  return NaN;
}

/** Reads a trace; submit times need not be sorted (they are, in the result). Throws CsvError. */
export function parseTrace(file: string, text: string): TraceJob[] {
  const problems: string[] = [];
  const jobs: TraceJob[] = [];
  for (const { line, cells } of table(file, text, TRACE_COLUMNS, TRACE_REQUIRED, problems)) {
    const at = (i: number, rule: Rule) => num(file, line, TRACE_COLUMNS[i]!, cells[i], rule, problems);
    jobs.push({
      line,
      submitMs: at(0, { min: 0 }) * 1000,
      cpus: at(1, { min: 0, minExclusive: true }),
      memMb: at(2, { min: 0, minExclusive: true }),
      durationMs: at(3, { min: 0, minExclusive: true }) * 1000,
      gangSize: cells.length > 4 && cells[4] !== '' ? at(4, { min: 1, max: MAX_GANG, whole: true }) : 1,
    });
  }
  if (problems.length > 0) throw new CsvError(problems);
  return jobs.sort((a, b) => a.submitMs - b.submitMs || a.line - b.line);
}

/** Reads an agents file: each row one agent, or `count` of them. Throws CsvError. */
export function parseAgents(file: string, text: string): AgentRow[] {
  const problems: string[] = [];
  const agents: AgentRow[] = [];
  for (const { line, cells } of table(file, text, AGENT_COLUMNS, AGENT_REQUIRED, problems)) {
    const at = (i: number, rule: Rule) => num(file, line, AGENT_COLUMNS[i]!, cells[i], rule, problems);
    const cpus = at(0, { min: 0, minExclusive: true });
    const memMb = at(1, { min: 0, minExclusive: true });
    const count = cells.length > 2 ? at(2, { min: 1, max: MAX_AGENTS, whole: true }) : 1;
    if (Number.isFinite(count) && agents.length + count <= MAX_AGENTS) for (let i = 0; i < count; i++) agents.push({ cpus, memMb });
    else if (Number.isFinite(count)) problems.push(`${file} line ${line}, column count: more than ${MAX_AGENTS} agents in all`);
  }
  if (problems.length > 0) throw new CsvError(problems);
  return agents;
}

/** Jobs no agent could ever hold: a task larger than every agent, or a gang larger than them all. */
export function neverFits(jobs: readonly TraceJob[], agents: readonly AgentRow[]): TraceJob[] {
  const perAgent = (j: TraceJob) => agents.reduce((n, a) => n + Math.min(Math.floor(a.cpus / j.cpus + 1e-9), Math.floor(a.memMb / j.memMb + 1e-9)), 0);
  return jobs.filter((j) => perAgent(j) < j.gangSize);
}
