// The batch job spec: every invalid job names the field and the rule; valid YAML and JSON compile
// with their defaults; parameters are substituted at dispatch.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import t from 'tap';
import { JOB_FILE_SCHEMA, parseJobs, resolveRun, type JobSpec, type SpecProblem } from '../../frameworks/batch/spec/index.js';

const base = { id: '/etl/nightly', command: 'echo hi', resources: { cpus: 1, memMb: 256 } };
const json = (v: unknown) => JSON.stringify(v);

function problems(text: string): SpecProblem[] {
  const r = parseJobs(text);
  if (r.ok) throw new Error(`expected problems, got jobs: ${json(r.jobs.map((j) => j.id))}`);
  return r.problems;
}

function jobs(text: string): JobSpec[] {
  const r = parseJobs(text);
  if (!r.ok) throw new Error(`expected jobs, got ${json(r.problems)}`);
  return r.jobs;
}

const invalid: [string, unknown, string, string, RegExp?][] = [
  ['id missing', { command: 'x', resources: base.resources }, 'id', 'required', /id is required/],
  ['id upper case', { ...base, id: '/ETL/Nightly' }, 'id', 'format', /lower-case segments/],
  ['id without slash', { ...base, id: 'etl' }, 'id', 'format'],
  ['unknown field', { ...base, paralellism: 4 }, 'paralellism', 'unknown-field', /not a known field/],
  ['unknown nested field', { ...base, resources: { ...base.resources, gpu: 1 } }, 'resources.gpu', 'unknown-field'],
  ['zero cpus', { ...base, resources: { cpus: 0, memMb: 1 } }, 'resources.cpus', 'minimum', /greater than 0, got 0/],
  ['negative memory', { ...base, resources: { cpus: 1, memMb: -5 } }, 'resources.memMb', 'minimum'],
  ['negative disk', { ...base, resources: { cpus: 1, memMb: 5, diskMb: -1 } }, 'resources.diskMb', 'minimum', /at least 0/],
  ['memMb missing', { ...base, resources: { cpus: 1 } }, 'resources.memMb', 'required'],
  ['parallelism a fraction', { ...base, parallelism: 2.5 }, 'parallelism', 'type', /whole number, got 2.5/],
  ['parallelism zero', { ...base, parallelism: 0 }, 'parallelism', 'minimum'],
  ['no command or container', { id: '/a', resources: base.resources }, 'command', 'required', /what should the task run/],
  ['command and container', { ...base, container: { image: 'busybox' } }, 'command', 'exclusive'],
  ['container command and args', { ...base, command: undefined, container: { image: 'b', command: 'x', args: ['y'] } }, 'container.args', 'exclusive'],
  ['container without image', { ...base, command: undefined, container: { command: 'x' } }, 'container.image', 'required'],
  ['bad env name', { ...base, env: { '1BAD': 'x' } }, 'env.1BAD', 'name', /environment variable name/],
  ['digits as env name', { ...base, env: { '9': 'x' } }, 'env.9', 'name'],
  ['cron that never comes', { ...base, schedule: { cron: '0 0 30 2 *' } }, 'schedule.cron', 'cron', /never comes/],
  ['gang with other completions', { ...base, gang: true, parallelism: 4, completions: 8 }, 'completions', 'gang-completions', /must equal parallelism \(4\)/],
  ['gang of one', { ...base, gang: true }, 'parallelism', 'gang-size'],
  ['retry limit negative', { ...base, retries: { limit: -1 } }, 'retries.limit', 'minimum'],
  ['backoff factor below 1', { ...base, retries: { backoff: { factor: 0.5 } } }, 'retries.backoff.factor', 'minimum'],
  ['backoff max below initial', { ...base, retries: { backoff: { initialSeconds: 60, maxSeconds: 10 } } }, 'retries.backoff.maxSeconds', 'minimum', /at least initialSeconds \(60\)/],
  ['priority a string', { ...base, priority: 'high' }, 'priority', 'type', /whole number, got "high"/],
  ['bad role', { ...base, role: 'Not A Role' }, 'role', 'format', /a role/],
  ['bad cron', { ...base, schedule: { cron: '61 * * * *' } }, 'schedule.cron', 'cron', /minute/],
  ['seven-field cron', { ...base, schedule: { cron: '0 0 0 * * * 2030' } }, 'schedule.cron', 'cron', /five cron fields .*six with seconds first/],
  ['bad time zone', { ...base, schedule: { cron: '@daily', timeZone: 'Mars/Olympus' } }, 'schedule.timeZone', 'time-zone', /IANA/],
  ['bad concurrency policy', { ...base, schedule: { cron: '@daily', concurrencyPolicy: 'Queue' } }, 'schedule.concurrencyPolicy', 'one-of', /Allow, Forbid, Replace, got "Queue"/],
  ['schedule without cron', { ...base, schedule: { timeZone: 'UTC' } }, 'schedule.cron', 'required'],
  ['negative history limit', { ...base, schedule: { cron: '@daily', failedHistoryLimit: -1 } }, 'schedule.failedHistoryLimit', 'minimum'],
  ['undeclared parameter', { ...base, command: 'run ${day}' }, 'command', 'unknown-parameter', /\$\{day\}/],
  ['bad parameter name', { ...base, parameters: { 'my-day': {} } }, 'parameters.my-day', 'name', /parameter name/],
  ['reserved parameter', { ...base, parameters: { taskIndex: {} } }, 'parameters.taskIndex', 'reserved'],
  ['unknown parameter field', { ...base, parameters: { day: { required: true } } }, 'parameters.day.required', 'unknown-field'],
  ['dependsOn duplicates', { ...base, dependsOn: ['/a', '/a'] }, 'dependsOn', 'unique'],
  ['unknown dependency', { ...base, dependsOn: ['/nowhere'] }, 'dependsOn[0]', 'unknown-dependency', /\/nowhere, which is no known job/],
  ['deadline zero', { ...base, deadlineSeconds: 0 }, 'deadlineSeconds', 'minimum'],
];

t.test('each invalid job names its field and rule', async (t) => {
  t.ok(invalid.length >= 15);
  for (const [name, job, path, rule, message] of invalid) {
    const found = problems(json(job));
    const hit = found.find((p) => p.path === path && p.rule === rule);
    t.ok(hit, `${name}: ${path} ${rule} in ${json(found)}`);
    if (hit && message) t.match(hit.message, message, name);
    // No raw ajv words reach the user.
    for (const p of found) t.notMatch(p.message, /must match pattern|must NOT have|\^\(/, `${name}: ${p.message}`);
  }
});

t.test('all problems of a job come back together', async (t) => {
  const found = problems(json({ id: 'X', command: 'x', resources: { cpus: -1, memMb: 0 }, extra: 1 }));
  t.same(found.map((p) => `${p.path} ${p.rule}`).sort(), ['extra unknown-field', 'id format', 'resources.cpus minimum', 'resources.memMb minimum']);
});

t.test('a workflow file: paths carry the job index; cycles are named', async (t) => {
  const file = {
    jobs: [
      { id: '/a', command: 'a', resources: base.resources, dependsOn: ['/c'] },
      { id: '/b', command: 'b', resources: base.resources, dependsOn: ['/a'] },
      { id: '/c', command: 'c', resources: { cpus: 0, memMb: 1 }, dependsOn: ['/b'] },
    ],
  };
  t.same(problems(json(file)).map((p) => p.path), ['jobs[2].resources.cpus']);
  file.jobs[2]!.resources = base.resources;
  const [cycle] = problems(json(file));
  t.equal(cycle?.rule, 'cycle');
  t.equal(cycle?.path, 'jobs[0].dependsOn');
  t.match(cycle?.message, '/a -> /b -> /c -> /a');
  const dup = problems(json({ jobs: [file.jobs[1], { ...file.jobs[1], dependsOn: [] }] }));
  t.same(dup.find((p) => p.rule === 'duplicate-id')?.path, 'jobs[1].id');
  t.same(problems(json({ jobs: [] }))[0], { path: 'jobs', rule: 'min-items', message: 'jobs must have at least 1 item(s)' });
});

t.test('cron nicknames and named zones are accepted', async (t) => {
  for (const cron of ['@hourly', '@daily', '@weekly', '@monthly', '@yearly', '*/15 9-17 * * 1-5', '*/10 * * * * *']) {
    t.ok(parseJobs(json({ ...base, schedule: { cron, timeZone: 'America/New_York' } })).ok, cron);
  }
});

t.test('dependencies may name jobs submitted before', async (t) => {
  const r = parseJobs(json({ ...base, dependsOn: ['/ingest'] }), { knownJobs: ['/ingest'] });
  t.ok(r.ok);
});

t.test('syntax errors, size, depth and shape', async (t) => {
  t.equal(problems('{"id": ')[0]?.rule, 'invalid JSON');
  t.equal(problems('id: [unclosed')[0]?.rule, 'invalid YAML');
  t.equal(problems('id: /a\nid: /b\n')[0]?.rule, 'invalid YAML');
  t.equal(problems('- 1\n- 2\n')[0]?.rule, 'type');
  t.equal(problems(`command: "${'x'.repeat(1024 * 1024)}"`)[0]?.rule, 'size');
  const bomb = 'a: &a [x, x, x, x, x, x, x, x, x, x]\n' + Array.from({ length: 8 }, (_, i) => `${'bcdefghi'[i]}: &${'bcdefghi'[i]} [${Array(10).fill(`*${i === 0 ? 'a' : 'bcdefghi'[i - 1]}`).join(', ')}]`).join('\n');
  t.equal(problems(bomb)[0]?.rule, 'too many aliases', 'an alias bomb is refused');
  // Found by the fuzz bench: deep nesting overflowed the YAML parser's stack and escaped as a RangeError.
  t.equal(problems(`id: ${'['.repeat(50_000)}`)[0]?.rule, 'too deeply nested', 'deep YAML nesting is a problem, not a crash');
  t.equal(problems(`{"id": ${'['.repeat(50_000)}${']'.repeat(50_000)}}`)[0]?.rule, 'too deeply nested', 'and deep JSON too');
});

t.test('a YAML job compiles with every default filled', async (t) => {
  const [job] = jobs(`
id: /etl/nightly
command: ./run.sh
resources: { cpus: 0.5, memMb: 512 }
schedule:
  cron: "30 2 * * *"
`);
  t.same(job, {
    id: '/etl/nightly',
    description: undefined,
    run: { kind: 'process', command: './run.sh', env: {} },
    resources: { cpus: 0.5, memMb: 512, diskMb: 0 },
    parallelism: 1,
    completions: 1,
    gang: false,
    retries: { limit: 0, backoff: { initialMs: 10_000, factor: 2, maxMs: 600_000 } },
    deadlineMs: undefined,
    taskDeadlineMs: undefined,
    priority: 0,
    preemptible: false,
    role: '*',
    parameters: {},
    schedule: {
      cron: '30 2 * * *', timeZone: 'UTC', concurrencyPolicy: 'Allow', startingDeadlineMs: undefined,
      successfulHistoryLimit: 3, failedHistoryLimit: 1,
    },
    dependsOn: [],
  });
});

t.test('a JSON job with a container: completions default to parallelism; warnings', async (t) => {
  const r = parseJobs(json({
    id: '/render', resources: { cpus: 2, memMb: 1024, diskMb: 10 }, parallelism: 8, deadlineSeconds: 60, taskDeadlineSeconds: 120,
    container: { image: 'render:1', args: ['--frame', '${taskIndex}'], env: { OUT: '/out' }, user: 'nobody' },
  }));
  if (!r.ok) return t.fail(json(r.problems));
  const [job] = r.jobs;
  t.equal(job?.completions, 8);
  t.same(job?.run, { kind: 'container', image: 'render:1', command: undefined, args: ['--frame', '${taskIndex}'], env: { OUT: '/out' }, user: 'nobody' });
  t.equal(job?.deadlineMs, 60_000);
  t.match(r.warnings, [/taskDeadlineSeconds is longer than deadlineSeconds/]);
});

t.test('parameters are substituted at dispatch; a missing one is named', async (t) => {
  const [job] = jobs(json({
    ...base, command: 'etl --day ${day} --shard ${taskIndex} --home $${HOME}',
    env: { MODE: '${mode}' }, parameters: { day: { description: 'the day to load' }, mode: { default: 'full' } },
  }));
  const missing = resolveRun(job!, { values: {}, runId: 'r1', taskIndex: 0 });
  t.same(missing, { ok: false, problems: [{ path: 'parameters.day', rule: 'required', message: 'parameter day of /etl/nightly is required and has no default (the day to load)' }] });
  const extra = resolveRun(job!, { values: { day: '1', dya: '2' }, runId: 'r1', taskIndex: 0 });
  t.same(!extra.ok && extra.problems.map((p) => p.path), ['parameters.dya']);
  const r = resolveRun(job!, { values: { day: '2026-12-01' }, runId: 'r1', taskIndex: 3 });
  if (!r.ok) return t.fail(json(r.problems));
  t.equal(r.run.command, 'etl --day 2026-12-01 --shard 3 --home ${HOME}');
  t.same(r.run.env, { MODE: 'full', BERTH_JOB_ID: '/etl/nightly', BERTH_RUN_ID: 'r1', BERTH_TASK_INDEX: '3', BERTH_TASK_COUNT: '1' });
});

t.test('docs/batch-job.schema.json is the schema the parser uses', async (t) => {
  const file = new URL('../../docs/batch-job.schema.json', import.meta.url);
  // After changing spec/schema.ts: BERTH_WRITE_SCHEMA=1 npx tap test/unit/batch-spec.test.ts
  if (process.env.BERTH_WRITE_SCHEMA === '1') writeFileSync(file, `${JSON.stringify(JOB_FILE_SCHEMA, null, 2)}\n`);
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  t.same(doc, JSON.parse(JSON.stringify(JOB_FILE_SCHEMA)));
});

t.test('the schema on its own (as an editor uses it) takes one job or a jobs list', async (t) => {
  const { Ajv } = await import('ajv');
  const { parse } = await import('yaml');
  const validate = new Ajv({ strict: true }).compile(JOB_FILE_SCHEMA);
  const dir = new URL('../../examples/batch/', import.meta.url);
  for (const f of readdirSync(dir)) t.ok(validate(parse(readFileSync(new URL(f, dir), 'utf8'))), f);
  t.notOk(validate({ ...base, extra: 1 }));
  t.notOk(validate({ jobs: [{ ...base, extra: 1 }] }));
});

t.test('every example in examples/batch parses', async (t) => {
  const dir = new URL('../../examples/batch/', import.meta.url);
  const files = readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f));
  t.ok(files.length >= 4);
  for (const f of files) {
    const r = parseJobs(readFileSync(new URL(f, dir), 'utf8'));
    t.ok(r.ok, `${f}: ${r.ok ? '' : json(r.problems)}`);
  }
});

t.test('resources are counted in thousandths, as the master counts them, rounded up', async (t) => {
  const parsed = parseJobs(json({ ...base, resources: { cpus: 8 / 3, memMb: 0.0001, diskMb: 0.1 } }));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  t.same(parsed.jobs[0]!.resources, { cpus: 2.667, memMb: 0.001, diskMb: 0.1 }, 'three tasks of 8/3 cpus do not fit in 8, here as on the master');
  const exact = parseJobs(json({ ...base, resources: { cpus: 0.5, memMb: 256 } }));
  t.same(exact.ok && exact.jobs[0]!.resources, { cpus: 0.5, memMb: 256, diskMb: 0 }, 'values already in thousandths stay as they are');
});

t.test('found by the fuzz bench: files that made the YAML parser take minutes are refused or read in linear time', async (t) => {
  // 100,000 short lines full of errors: refused unread.
  t.equal(problems(`id: /a\ncommand: x\n${'  b\n'.repeat(100_000)}`)[0]?.rule, 'too many lines');
  // One flow mapping with 100,000 keys: refused unread; with 10,000 its duplicates are found in one
  // pass, not every key against every other.
  t.equal(problems(`id: /a\nlabels: { ${'m: 1, '.repeat(100_000)} }`)[0]?.rule, 'too many entries');
  t.match(problems(`id: /a\nlabels: { ${'m: 1, '.repeat(10_000)} }`)[0], { rule: 'invalid YAML', message: /the key "m" appears twice/ });
});
