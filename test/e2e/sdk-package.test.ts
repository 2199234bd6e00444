// berth as a dependency of a framework in its own repository: `npm pack` the built package,
// install the tarball into a folder outside this repository without the network (its
// dependencies come from the npm cache, pinned by a lockfile made from ours), then type-check a
// framework that imports `berth/sdk` with our TypeScript, and load the module under Node.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';

const REPO = process.cwd();
const TSC = path.join(REPO, 'node_modules/typescript/bin/tsc');

interface Run { code: number | null; out: string }

function run(command: string, args: string[], cwd: string, timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

interface LockEntry { dev?: boolean; devOptional?: boolean; version?: string; resolved?: string; dependencies?: Record<string, string>; devDependencies?: Record<string, string>; bin?: unknown; engines?: unknown }

/**
 * The entry with its registry tarball named: our lockfile leaves `resolved` out, and without it
 * npm asks the registry for the package's metadata even offline; with it (and the integrity) npm
 * takes the tarball from its cache, where our own install put it.
 */
function pinned(key: string, entry: LockEntry, registry: string): LockEntry {
  if (entry.resolved || !entry.version) return entry;
  const name = key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
  const base = name.slice(name.lastIndexOf('/') + 1);
  return { ...entry, resolved: `${registry.replace(/\/$/, '')}/${name}/-/${base}-${entry.version}.tgz` };
}

/**
 * A lockfile for the app: berth from the tarball, berth's production dependencies as our own
 * lockfile pins them (so `npm ci --offline` finds each by its integrity in the cache), and
 * @types/node for the app itself.
 */
function appFiles(tarball: string, integrity: string, registry: string): { manifest: object; lock: object } {
  const ours = (JSON.parse(readFileSync(path.join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }).packages;
  const root = ours[''] as LockEntry;
  const app = {
    name: 'my-framework', version: '1.0.0',
    dependencies: { berth: `file:${tarball}` },
    devDependencies: { '@types/node': root.devDependencies?.['@types/node'] as string },
  };
  const packages: Record<string, unknown> = {
    '': app,
    'node_modules/berth': { version: root.version, resolved: `file:${tarball}`, integrity, dependencies: root.dependencies, bin: root.bin, engines: root.engines },
  };
  for (const [key, entry] of Object.entries(ours)) if (key && !entry.dev && !entry.devOptional) packages[key] = pinned(key, entry, registry);
  for (const key of ['node_modules/@types/node', 'node_modules/undici-types']) packages[key] = { ...pinned(key, ours[key] as LockEntry, registry), dev: true };
  return { manifest: { ...app, private: true, type: 'module' }, lock: { name: app.name, version: app.version, lockfileVersion: 3, requires: true, packages } };
}

const FRAMEWORK = `
import { SchedulerClient, TaskQueue, SchedulerCallError, stateName, type ResourceOffer, type TaskResult } from 'berth/sdk';

const client = new SchedulerClient({ masterUrl: 'ws://127.0.0.1:5050', framework: { name: 'mine', failoverTimeoutMs: 60_000 } });
const queue = new TaskQueue(client);
const task = queue.add({ id: 'mine-1', resources: { cpus: 0.1, memMb: 32 }, command: { value: 'true', shell: true } });
const result: Promise<TaskResult> = task.result;
for await (const e of queue.run({ stopWhenDrained: true })) if (e.type === 'task') console.log(stateName(e.status.state));
await client.decline(['offer-1']).catch((err: SchedulerCallError) => console.log(err.code, err.mayHaveTakenEffect));
console.log((await result).finished);
// Events hand out decoded values; a task names only what it needs.
const offers: ResourceOffer[] = [];
for (const offer of offers) void client.launch([offer.id], [{ taskId: 't', resources: { cpus: 0.1, memMb: 32 }, command: { value: 'echo hi', shell: true } }]);
// @ts-expect-error offer ids are strings: the declarations are real types, not any
void client.launch(1, []);
`;

t.test('a framework in its own folder installs berth offline and type-checks against berth/sdk', async (t) => {
  if (!existsSync(path.join(REPO, 'dist/frameworks/sdk/index.d.ts'))) throw new Error("dist/ has no SDK declarations: run 'npm run build' (npm test does it first)");
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-sdk-package-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));

  // dist/ is built already; --ignore-scripts skips the prepack build.
  const pack = await run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], REPO);
  t.equal(pack.code, 0, pack.out);
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz')) as string;
  t.ok(tarball, 'npm pack made a tarball');
  const listing = await run('tar', ['tzf', path.join(dir, tarball)], dir);
  for (const file of ['package/dist/frameworks/sdk/index.d.ts', 'package/dist/protocol/gen/berth.d.ts', 'package/dist/cli/main.js']) {
    t.match(listing.out, file, `the tarball has ${file}`);
  }

  const app = path.join(dir, 'app');
  mkdirSync(app);
  const integrity = `sha512-${createHash('sha512').update(readFileSync(path.join(dir, tarball))).digest('base64')}`;
  // The registry npm is set up with here; only its tarball addresses go into the lockfile.
  const registry = (await run('npm', ['config', 'get', 'registry'], REPO)).out.trim();
  const { manifest, lock } = appFiles(`../${tarball}`, integrity, registry);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(path.join(app, 'package-lock.json'), JSON.stringify(lock, null, 2));
  const install = await run('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], app);
  t.equal(install.code, 0, `npm ci --offline: ${install.out}`);

  writeFileSync(path.join(app, 'framework.ts'), FRAMEWORK);
  writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: ['node'], skipLibCheck: true },
    files: ['framework.ts'],
  }));
  const tsc = await run(process.execPath, [TSC, '-p', app], app);
  t.equal(tsc.code, 0, `tsc: ${tsc.out}`);

  const load = await run(process.execPath, ['--input-type=module', '-e', "const m = await import('berth/sdk'); console.log(typeof m.SchedulerClient, typeof m.TaskQueue);"], app);
  t.equal(load.out.trim(), 'function function', `berth/sdk loads under Node: ${load.out}`);
  t.ok(existsSync(path.join(app, 'node_modules/.bin/berth')), 'the berth command is installed too');
});
