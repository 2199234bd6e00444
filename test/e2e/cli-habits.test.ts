// The CLI's habits through the built binary (dist/cli/main.js): defaults from BERTH_MASTER,
// BERTH_SERVICES and BERTH_BATCH (the flag wins; a bad value names the variable), -o yaml equal to
// -o json, completion scripts that the shells accept, and an Examples section in every --help.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { parse } from 'yaml';
import { testMaster } from '../helpers/master.js';

const CLI = 'dist/cli/main.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs berth with `env` added to a copy of this process's environment, the BERTH_ variables cleared. */
function berth(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('BERTH_')));
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], { timeout: 30_000, env: { ...base, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
    child.stdin?.end();
  });
}

/** Runs a program to its end with stdin closed. */
function sh(file: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

t.before(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build with 'npx tsc -p tsconfig.json && node scripts/copy-assets.mjs'`);
});

void t.test('BERTH_MASTER is the default of --master; the flag wins; a bad value is a usage error naming it', async (t) => {
  const m = await testMaster(t);
  const viaEnv = await berth(['state', '-o', 'json'], { BERTH_MASTER: m.httpUrl });
  t.equal(viaEnv.code, 0, viaEnv.stderr);
  t.equal((JSON.parse(viaEnv.stdout) as { url: string }).url, m.url, 'the state came from the master BERTH_MASTER names');

  const flagWins = await berth(['state', '--master', 'http://127.0.0.1:47'], { BERTH_MASTER: m.httpUrl });
  t.equal(flagWins.code, 5, 'the --master flag is used: nothing answers there');
  t.match(flagWins.stderr, /127\.0\.0\.1:47/);

  const bad = await berth(['tasks'], { BERTH_MASTER: 'not-a-url' });
  t.equal(bad.code, 2, bad.stderr);
  t.match(bad.stderr, /BERTH_MASTER \(used for --master, which was not given\) must be a URL like http:\/\/127\.0\.0\.1:5050, got 'not-a-url'/);
  const badButFlag = await berth(['agents', '-o', 'json', '--master', m.httpUrl], { BERTH_MASTER: 'not-a-url' });
  t.equal(badButFlag.code, 0, 'a bad variable is not read when the flag is given');

  const help = await berth(['state', '--help']);
  t.match(help.stdout, /--master URL .*env: BERTH_MASTER/);
});

void t.test('BERTH_SERVICES and BERTH_BATCH are the defaults of --services and --batch', async (t) => {
  const services = await berth(['services', 'ls'], { BERTH_SERVICES: 'ftp://x' });
  t.equal(services.code, 2);
  t.match(services.stderr, /BERTH_SERVICES \(used for --services, which was not given\) must be a URL like http:\/\/127\.0\.0\.1:5050, got 'ftp:\/\/x'/);
  const batch = await berth(['jobs', 'ls'], { BERTH_BATCH: 'nope' });
  t.equal(batch.code, 2);
  t.match(batch.stderr, /BERTH_BATCH \(used for --batch, which was not given\) must be a URL/);
  const run = await berth(['run', '--', 'true'], { BERTH_BATCH: 'nope', BERTH_MASTER: 'also-nope' });
  t.equal(run.code, 2);
  t.match(run.stderr, /BERTH_MASTER \(used for --master/);
  t.match(run.stderr, /BERTH_BATCH \(used for --batch/);
  const unreachable = await berth(['services', 'ls'], { BERTH_SERVICES: 'http://127.0.0.1:47' });
  t.equal(unreachable.code, 5, 'the variable was used: nothing answers there');
  t.match(unreachable.stderr, /127\.0\.0\.1:47/);
});

void t.test('-o yaml is the same answer as -o json', async (t) => {
  const m = await testMaster(t);
  const env = { BERTH_MASTER: m.httpUrl };
  for (const args of [['agents'], ['tasks'], ['frameworks'], ['audit'], ['explain', '--role', '*']]) {
    const json = await berth([...args, '-o', 'json'], env);
    const yaml = await berth([...args, '-o', 'yaml'], env);
    t.equal(json.code, 0, `${args.join(' ')} -o json: ${json.stderr}`);
    t.equal(yaml.code, 0, `${args.join(' ')} -o yaml: ${yaml.stderr}`);
    t.same(parse(yaml.stdout), JSON.parse(json.stdout), `${args.join(' ')}: yaml equals json`);
  }
  const state = await berth(['state', '-o', 'yaml'], env);
  t.equal(state.code, 0, state.stderr);
  const doc = parse(state.stdout) as { url: string; agents: unknown[]; tasks: unknown[] };
  t.equal(doc.url, m.url);
  t.same([doc.agents, doc.tasks], [[], []]);
  const bad = await berth(['audit', '-o', 'xml'], env);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--output must be one of table, json, yaml, got 'xml'/);
});

void t.test('berth completion prints scripts the shells accept, covering commands, actions and flags', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-completion-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const bash = await berth(['completion', 'bash']);
  t.equal(bash.code, 0, bash.stderr);
  const file = join(dir, 'berth.bash');
  await writeFile(file, bash.stdout);
  const syntax = await sh('bash', ['-n', file]);
  t.equal(syntax.code, 0, syntax.stderr);
  // The script, loaded, completes like a shell would ask it to.
  const complete = async (words: string[]): Promise<string[]> => {
    const r = await sh('bash', ['-c', `source ${file}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _berth; printf '%s\\n' "\${COMPREPLY[@]}"`]);
    t.equal(r.code, 0, r.stderr);
    return r.stdout.split('\n').filter((l) => l !== '');
  };
  t.same(await complete(['berth', 'se']), ['services']);
  t.same(await complete(['berth', 'services', 'r']), ['restart', 'rollback', 'rm']);
  t.same(await complete(['berth', 'services', 'e']), ['endpoints']);
  t.same(await complete(['berth', 'services', 'get', '/a', '--wat']), ['--watch']);
  t.same(await complete(['berth', 'state', '-o', '']), ['table', 'json', 'yaml']);
  t.same(await complete(['berth', 'agents', '--dead']), ['--deadline']);
  t.same(await complete(['berth', 'completion', '']), ['bash', 'zsh']);

  const zsh = await berth(['completion', 'zsh']);
  t.equal(zsh.code, 0, zsh.stderr);
  t.match(zsh.stdout, /^#compdef berth\n/);
  t.match(zsh.stdout, /compadd -- plan apply ls get endpoints history scale restart rollback rm/);
  const hasZsh = (await sh('sh', ['-c', 'command -v zsh'])).code === 0;
  if (hasZsh) {
    const zfile = join(dir, 'berth.zsh');
    await writeFile(zfile, zsh.stdout);
    const z = await sh('zsh', ['-n', zfile]);
    t.equal(z.code, 0, z.stderr);
  }

  const fish = await berth(['completion', 'fish']);
  t.equal(fish.code, 2);
  t.match(fish.stderr, /the shell must be bash or zsh, got 'fish'/);
});

void t.test("every command's --help has usage, flags and an Examples section", async (t) => {
  const overview = await berth(['help']);
  t.equal(overview.code, 0);
  const names = [...overview.stdout.matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => m[1] as string).filter((n) => n !== 'help' && n !== 'version');
  t.ok(names.length >= 13, `the overview lists the commands: ${names.join(', ')}`);
  t.ok(names.includes('completion'), 'completion is listed');
  for (const name of names) {
    const help = await berth([name, '--help']);
    t.equal(help.code, 0, `${name} --help`);
    t.match(help.stdout, /\nUsage: berth /, `${name}: usage`);
    t.match(help.stdout, /\nExamples:\n {2}\S/, `${name}: examples`);
  }
});
