// `npm run bench -- NAME [--json FILE] [FLAGS...]`: runs one benchmark, prints its table,
// optionally writes its JSON. Benches are modules bench/<name>.js exporting
// `run(args): Promise<BenchReport>`; the flags after NAME (other than --json) are theirs.
import { HelpAsked, UsageError } from './flags.js';
import { printReport, writeJson, type BenchReport } from './report.js';

type Bench = { run(args: readonly string[]): Promise<BenchReport> };

/** A bench that takes no flags of its own. */
const noFlags = (name: string, load: () => Promise<{ run(): Promise<BenchReport> }>) => async (): Promise<Bench> => {
  const m = await load();
  return {
    run: (args) => (args.length > 0 ? Promise.reject(new UsageError(`${name} takes no flags, got ${args.join(' ')}`)) : m.run()),
  };
};

const BENCHES: Record<string, () => Promise<Bench>> = {
  allocator: noFlags('allocator', () => import('./allocator.js')),
  'allocation-cycle': () => import('./allocation-cycle.js'),
  batch: () => import('./batch.js'),
  'docker-launch': noFlags('docker-launch', () => import('./docker-launch.js')),
  failover: () => import('./failover.js'),
  fuzz: () => import('./fuzz.js'),
  latency: () => import('./latency.js'),
  lb: () => import('./lb.js'),
  memory: () => import('./memory.js'),
  replay: () => import('./replay.js'),
  reregister: () => import('./reregister.js'),
  scale: () => import('./scale-flags.js'),
  'scale-full': noFlags('scale-full', () => import('./scale-flags.js').then((m) => ({ run: m.runFull }))),
  'scale-profile': noFlags('scale-profile', () => import('./scale-flags.js').then((m) => ({ run: m.runProfile }))),
  'scale-redis': noFlags('scale-redis', () => import('./scale-flags.js').then((m) => ({ run: m.runRedis }))),
  services: noFlags('services', () => import('./services.js')),
  stream: () => import('./stream.js'),
};

function usage(): string {
  return `usage: npm run bench -- NAME [--json FILE] [FLAGS...]   (npm run bench -- NAME --help: its flags)\nbenches: ${Object.keys(BENCHES).sort().join(', ')}`;
}

async function main(argv: string[]): Promise<number> {
  let name: string | undefined;
  let jsonFile: string | undefined;
  const benchArgs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--json') {
      jsonFile = argv[++i];
      if (!jsonFile) {
        console.error('--json needs a FILE\n' + usage());
        return 2;
      }
    } else if ((arg === '-h' || arg === '--help') && name === undefined) {
      console.log(usage());
      return 0;
    } else if (name === undefined) name = arg;
    else benchArgs.push(arg);
  }
  const load = name === undefined ? undefined : BENCHES[name];
  if (!load) {
    console.error(`${name === undefined ? 'no bench named' : `unknown bench "${name}"`}\n${usage()}`);
    return 2;
  }
  let report: BenchReport;
  try {
    report = await (await load()).run(benchArgs);
  } catch (err) {
    if (err instanceof HelpAsked) {
      console.log(err.message);
      return 0;
    }
    if (!(err instanceof UsageError)) throw err;
    console.error(`${err.message}\n${usage()}`);
    return 2;
  }
  printReport(report);
  if (jsonFile) {
    await writeJson(jsonFile, report);
    console.log(`\nwrote ${jsonFile}`);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
