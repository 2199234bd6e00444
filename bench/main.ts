// `npm run bench -- NAME [--json FILE]`: runs one benchmark, prints its table, optionally writes
// its JSON. Benches are modules bench/<name>.js exporting `run(): Promise<BenchReport>`.
import { printReport, writeJson, type BenchReport } from './report.js';

const BENCHES: Record<string, () => Promise<{ run(): Promise<BenchReport> }>> = {
  allocator: () => import('./allocator.js'),
  'docker-launch': () => import('./docker-launch.js'),
  failover: () => import('./failover.js'),
  scale: () => import('./scale.js'),
  'scale-full': () => import('./scale.js').then((m) => ({ run: m.runFull })),
  'scale-profile': () => import('./scale.js').then((m) => ({ run: m.runProfile })),
  stream: () => import('./stream.js'),
};

function usage(): string {
  return `usage: npm run bench -- NAME [--json FILE]\nbenches: ${Object.keys(BENCHES).sort().join(', ')}`;
}

async function main(argv: string[]): Promise<number> {
  let name: string | undefined;
  let jsonFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--json') {
      jsonFile = argv[++i];
      if (!jsonFile) {
        console.error('--json needs a FILE\n' + usage());
        return 2;
      }
    } else if (arg === '-h' || arg === '--help') {
      console.log(usage());
      return 0;
    } else if (name === undefined) name = arg;
    else {
      console.error(`unexpected argument "${arg}"\n${usage()}`);
      return 2;
    }
  }
  const load = name === undefined ? undefined : BENCHES[name];
  if (!load) {
    console.error(`${name === undefined ? 'no bench named' : `unknown bench "${name}"`}\n${usage()}`);
    return 2;
  }
  const report = await (await load()).run();
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
