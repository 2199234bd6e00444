// berth tasks kill, berth frameworks and berth audit through the built binary (dist/cli/main.js)
// against a master in this process with a scripted agent and framework: output, errors and exit codes.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import t from 'tap';
import { TaskReason, TaskState } from '../../protocol/index.js';
import { killFor, scriptedCluster } from '../helpers/scripted-cluster.js';

const CLI = 'dist/cli/main.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs berth with stdin closed (not a terminal), as a script would. */
function berth(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
    child.stdin?.end();
  });
}

t.before(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build with 'npx tsc -p tsconfig.json && node scripts/copy-assets.mjs'`);
});

void t.test('berth tasks kill', async (t) => {
  const { m, agent, agentId } = await scriptedCluster(t);
  const master = ['--master', m.httpUrl];
  const killed = await berth(['tasks', 'kill', 't1', ...master]);
  t.equal(killed.code, 0, killed.stderr);
  t.match(killed.stdout, /task t1: kill sent to agent .* it ends KILLED/);
  const kill = await killFor(agent, 't1');
  t.equal(kill.reason, TaskReason.KILLED_BY_OPERATOR);
  agent.send({ agentCall: { update: { status: { taskId: 't1', state: TaskState.TASK_KILLED, reason: kill.reason ?? '', uuid: 'u-k', agentId } } } });
  await agent.next('acknowledged', (e) => (e.agentEvent?.acknowledge?.uuid === 'u-k' ? true : undefined));
  const again = await berth(['tasks', 'kill', 't1', '-o', 'json', ...master]);
  t.equal(again.code, 0);
  t.match(JSON.parse(again.stdout), { taskId: 't1', state: 'KILLED', alreadyEnded: true });
  const ghost = await berth(['tasks', 'kill', 'ghost', ...master]);
  t.equal(ghost.code, 3, 'not found');
  t.match(ghost.stderr, /404: TASK_UNKNOWN task ghost is unknown/);
  const noId = await berth(['tasks', 'kill', ...master]);
  t.equal(noId.code, 2, 'usage');
  t.match(noId.stderr, /kill needs a task id/);
  const help = await berth(['tasks', '--help']);
  t.match(help.stdout, /Examples:[\s\S]*berth tasks kill web-1/);
});

void t.test('berth frameworks: list, get, teardown with and without --yes', async (t) => {
  const { m, agent, frameworkId, fw } = await scriptedCluster(t);
  const master = ['--master', m.httpUrl];
  const list = await berth(['frameworks', ...master]);
  t.equal(list.code, 0, list.stderr);
  t.match(list.stdout, new RegExp(`ID\\s+NAME\\s+ROLES[\\s\\S]*${frameworkId}\\s+ops\\s+\\*\\s+yes\\s+1`));
  const json = await berth(['frameworks', 'list', '-o', 'json', ...master]);
  t.match(JSON.parse(json.stdout), [{ id: frameworkId, name: 'ops', tasks: 1 }]);
  const one = await berth(['frameworks', 'get', frameworkId, ...master]);
  t.match(one.stdout, /failover timeout\s+60000 ms[\s\S]*tasks\s+1: t1/);
  const missing = await berth(['frameworks', 'get', 'fw-nope', ...master]);
  t.equal(missing.code, 3);
  t.match(missing.stderr, /FRAMEWORK_UNKNOWN framework fw-nope is unknown.*berth frameworks/);
  const unconfirmed = await berth(['frameworks', 'teardown', frameworkId, ...master]);
  t.equal(unconfirmed.code, 2, 'no terminal to ask on: usage error');
  t.match(unconfirmed.stderr, /kills its 1 task\(s\); add --yes/);
  t.equal(m.master.frameworks().length, 1, 'nothing was torn down');
  const down = await berth(['frameworks', 'teardown', frameworkId, '--yes', ...master]);
  t.equal(down.code, 0, down.stderr);
  t.match(down.stdout, `framework ${frameworkId} torn down; kill sent for 1 task(s)`);
  t.equal((await killFor(agent, 't1')).reason, TaskReason.TEARDOWN_BY_OPERATOR);
  await fw.next('closed', () => fw.closed);
  t.match((await berth(['frameworks', ...master])).stdout, /\(none\)/);
  const bad = await berth(['frameworks', 'destroy', 'x', ...master]);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /unknown action 'destroy'; use list, get ID or teardown ID/);
  t.match((await berth(['frameworks', '--help'])).stdout, /Usage: berth frameworks[\s\S]*Examples:[\s\S]*teardown fw-1234 --yes/);
});

void t.test('berth audit shows who did what', async (t) => {
  const { m } = await scriptedCluster(t);
  const master = ['--master', m.httpUrl];
  await berth(['tasks', 'kill', 't1', ...master]);
  await berth(['tasks', 'kill', 'ghost', ...master]);
  const shown = await berth(['audit', ...master]);
  t.equal(shown.code, 0, shown.stderr);
  const user = userInfo().username;
  t.match(shown.stdout, new RegExp(`TIME\\s+WHO\\s+ACTION[\\s\\S]*${user}\\s+task\\.kill\\s+task/t1\\s+ok[\\s\\S]*task/ghost\\s+failed: TASK_UNKNOWN`));
  const json = await berth(['audit', '--limit', '1', '-o', 'json', ...master]);
  const events = JSON.parse(json.stdout) as { subject: string; who: string }[];
  t.same(events.map((e) => [e.who, e.subject]), [[user, 'task/ghost']]);
  const badLimit = await berth(['audit', '--limit', '0', ...master]);
  t.equal(badLimit.code, 2);
  t.match(badLimit.stderr, /--limit must be a whole number from 1 to 10000, got '0'/);
  t.match((await berth(['audit', '--help'])).stdout, /Usage: berth audit \[--limit N\][\s\S]*Examples:[\s\S]*berth audit --limit 500 -o json/);
});

void t.test('an unreachable master exits 5 and says what to do', async (t) => {
  for (const args of [['frameworks'], ['audit'], ['tasks', 'kill', 't1']]) {
    const r = await berth([...args, '--master', 'http://127.0.0.1:47']);
    t.equal(r.code, 5, args.join(' '));
    t.match(r.stderr, /cannot reach the master at http:\/\/127\.0\.0\.1:47.*berth dev/);
  }
  t.match((await berth(['help'])).stdout, /Exit codes: 0 done, 1 failed, 2 bad usage, 3 not found, 4 refused by the master, 5 master unavailable/);
});
