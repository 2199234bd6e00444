// berth lb's flags become the load balancer's options; every bad value is listed at once, each
// naming its flag (or the variable it came from) and the rule.
import t from 'tap';
import { lbCommand, lbOptions } from '../../cli/commands/lb.js';
import { helpText, parseFlags, Problems, UsageError } from '../../cli/flags.js';

function problemsOf(argv: string[], env: NodeJS.ProcessEnv = {}): { message: string; options: ReturnType<typeof lbOptions> } {
  const problems = new Problems('lb');
  const options = lbOptions(parseFlags(lbCommand, argv, env).flags, problems);
  try {
    problems.throwIfAny();
    return { message: '', options };
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    return { message: err.message, options };
  }
}

void t.test('defaults and good flags make the options', async (t) => {
  t.same(problemsOf([]), { message: '', options: { servicesUrl: 'http://127.0.0.1:5070', host: '127.0.0.1', adminPort: 5090 } });
  const { message, options } = problemsOf(['--services', 'ws://10.0.0.5:5070', '--admin-port', '0', '--algorithm', 'least-connections', '--connect-timeout', '500ms', '--forwarding', 'streams'], {});
  t.equal(message, '');
  t.same(options, { servicesUrl: 'ws://10.0.0.5:5070', host: '127.0.0.1', adminPort: 0, algorithm: 'least-connections', forwarding: 'streams', connectTimeoutMs: 500 });
  t.equal(problemsOf([], { BERTH_SERVICES: 'http://10.0.0.9:5070' }).options.servicesUrl, 'http://10.0.0.9:5070', 'BERTH_SERVICES gives the default');
});

void t.test('every bad flag is named with its rule', async (t) => {
  const { message } = problemsOf(['--services', 'ftp://x', '--admin-port', '70000', '--algorithm', 'random', '--connect-timeout', 'soon', '--host', ' ', '--forwarding', 'splice']);
  t.match(message, /^berth lb: flags are not valid:/);
  t.match(message, /- --admin-port must be a whole number from 0 to 65535, got '70000'/);
  t.match(message, /- --algorithm must be one of round-robin, least-connections, got 'random'/);
  t.match(message, /- --connect-timeout must be a duration like 500ms/);
  t.match(message, /- --services must be an http:\/\/ or ws:\/\/ URL like http:\/\/127\.0\.0\.1:5070, got 'ftp:\/\/x'/);
  t.match(message, /- --host must be an address to listen on/);
  t.match(message, /- --forwarding must be one of handles, streams, got 'splice'/);
  t.equal(message.split('\n  - ').length - 1, 6, 'six problems, one line each');
  const fromEnv = problemsOf([], { BERTH_SERVICES: 'nope' }).message;
  t.match(fromEnv, /BERTH_SERVICES \(used for --services, which was not given\) must be an http:\/\/ or ws:\/\/ URL/);
  t.match(problemsOf(['--connect-timeout', '0s']).message, /--connect-timeout must be more than 0 ms/);
});

void t.test('--help lists the flags with their defaults', async (t) => {
  const help = helpText(lbCommand);
  t.match(help, /--services URL .*\(default: http:\/\/127\.0\.0\.1:5070\) \(env: BERTH_SERVICES/);
  t.match(help, /--admin-port P .*\(default: 5090\)/);
  t.match(help, /--connect-timeout DURATION .*\(default: 3s\)/);
});
