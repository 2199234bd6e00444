// Flags that take their default from an environment variable (cli/flags.ts): precedence, empty
// values, and problems said of the variable.
import t from 'tap';
import { helpText, masterApi, MASTER_API_FLAG, parseFlags, Problems, UsageError, type Command } from '../../cli/flags.js';

const command: Command = {
  name: 'probe',
  summary: 'a command for the test',
  usage: 'berth probe',
  flags: { master: MASTER_API_FLAG, 'master-port': { type: 'string', default: '1', env: 'BERTH_PROBE_PORT', help: 'a port' } },
  examples: ['berth probe'],
  run: () => Promise.resolve(0),
};

void t.test('the flag wins over the variable, which wins over the default', (t) => {
  const env = { BERTH_MASTER: 'http://10.0.0.1:5050' };
  t.equal(parseFlags(command, [], env).flags.master, 'http://10.0.0.1:5050');
  t.equal(parseFlags(command, ['--master', 'http://127.0.0.1:9'], env).flags.master, 'http://127.0.0.1:9');
  t.equal(parseFlags(command, [], {}).flags.master, 'http://127.0.0.1:5050');
  t.equal(parseFlags(command, [], { BERTH_MASTER: '' }).flags.master, 'http://127.0.0.1:5050', 'an empty variable is unset');
  t.end();
});

void t.test('a bad value from the variable is reported as the variable, other flags as flags', (t) => {
  const { flags } = parseFlags(command, ['--master-port', 'x'], { BERTH_MASTER: 'nope' });
  const problems = new Problems('probe');
  masterApi(flags, problems);
  problems.add(`--master-port must be a number, got '${String(flags['master-port'])}'`);
  t.throws(() => problems.throwIfAny(), UsageError);
  try {
    problems.throwIfAny();
  } catch (err) {
    const message = (err as Error).message;
    t.match(message, /- BERTH_MASTER \(used for --master, which was not given\) must be a URL like http:\/\/127\.0\.0\.1:5050, got 'nope'/);
    t.match(message, /- --master-port must be a number, got 'x'/, '--master-port came from its flag and keeps its name');
  }
  t.end();
});

void t.test('--help says which variable a flag reads', (t) => {
  t.match(helpText(command), /--master URL .*\(env: BERTH_MASTER, the flag wins\)/);
  t.match(helpText(command), /--master-port VALUE .*\(env: BERTH_PROBE_PORT, the flag wins\)/);
  t.end();
});
