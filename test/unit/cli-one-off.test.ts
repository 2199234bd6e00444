// berth run's one-task job: it parses as a batch job, and what the task runs is the command line
// as typed (its own ${...} kept); and the reasons a cluster could never run it.
import t from 'tap';
import { parseJobs, resolveRun } from '../../frameworks/batch/index.js';
import { Problems, parseAssignments } from '../../cli/flags.js';
import { cannotRun, oneOffId, oneOffJob, shellWord } from '../../cli/run/one-off.js';

const request = { command: ['sh', '-c', 'echo "${HOME}" $$${x} it\'s'], image: undefined, cpus: 0.5, memMb: 128, role: '*', env: { A: '${not_a_param}', B: 'x=1,y' } };

t.test('the job parses, and the task runs the command line exactly as given', async (t) => {
  const id = oneOffId(Date.UTC(2026, 11, 1, 12, 0, 5), 'a1b2');
  t.equal(id, '/run/20261201-120005-a1b2');
  const parsed = parseJobs(JSON.stringify(oneOffJob(id, request)));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const job = parsed.jobs[0]!;
  t.same(job.resources, { cpus: 0.5, memMb: 128, diskMb: 0 });
  t.equal(job.retries.limit, 0, 'a one-off command is not retried');
  const resolved = resolveRun(job, { values: {}, runId: 'run-1', taskIndex: 0 });
  if (!resolved.ok) throw new Error(JSON.stringify(resolved.problems));
  t.equal(resolved.run.command, `sh -c 'echo "\${HOME}" $$\${x} it'\\''s'`);
  t.equal(resolved.run.env.A, '${not_a_param}');
  t.equal(resolved.run.env.B, 'x=1,y');

  const inImage = parseJobs(JSON.stringify(oneOffJob(id, { ...request, image: 'busybox:latest' })));
  if (!inImage.ok) throw new Error(JSON.stringify(inImage.problems));
  const run = resolveRun(inImage.jobs[0]!, { values: {}, runId: 'run-1', taskIndex: 0 });
  t.equal(run.ok && run.run.command, resolved.run.command, 'in a container the same line runs, by the image\'s shell');
  t.equal(run.ok && run.run.image, 'busybox:latest');
});

t.test('shell words come back unchanged from sh', async (t) => {
  t.equal(shellWord('plain/path-1.txt'), 'plain/path-1.txt');
  t.equal(shellWord('two words'), "'two words'");
  t.equal(shellWord("it's"), "'it'\\''s'");
  t.equal(shellWord(''), "''");
});

t.test('a cluster that can never run the task is named with what to do', async (t) => {
  const agent = (runtime: string, cpus: number, memMb: number, connected = true) => ({ connected, runtime, draining: false, hostname: 'h', total: { cpus, memMb }, used: { cpus: 0, memMb: 0 } });
  const state = (...agents: ReturnType<typeof agent>[]) => ({ agents }) as unknown as Parameters<typeof cannotRun>[0];
  t.match(cannotRun(state(), request), /no agent is connected/);
  t.match(cannotRun(state(agent('process', 4, 4096, false)), request), /no agent is connected/);
  t.match(cannotRun(state(agent('docker', 4, 4096)), request), /give --image IMAGE .* or start agents with --runtime process/);
  t.match(cannotRun(state(agent('process', 4, 4096)), { ...request, image: 'busybox' }), /leave out --image .* --runtime docker/);
  t.match(cannotRun(state(agent('process', 0.25, 4096), agent('process', 4, 64)), request), /no agent is large enough for 0\.5 cpus and 128 MB \(the largest have 4 cpus, 4096 MB\)/);
  t.equal(cannotRun(state(agent('docker', 4, 4096), agent('process', 1, 256)), request), undefined);
});

t.test('NAME=VALUE flags keep = and , in the value and name every bad entry', async (t) => {
  const problems = new Problems('jobs');
  t.same(parseAssignments(['a=1', 'b=x=y,z', 'c='], 'param', /^[a-z]+$/, 'lower-case letters', problems), { a: '1', b: 'x=y,z', c: '' });
  parseAssignments(['novalue', 'A=1', 'a=1', 'a=2'], 'param', /^[a-z]+$/, 'lower-case letters', problems);
  t.throws(() => problems.throwIfAny(), /--param must look like NAME=VALUE, got 'novalue'[\s\S]*NAME must be lower-case letters, got 'A'[\s\S]*--param a is given twice/);
});
