// The CLI parses flags into option shapes and leaves ranges and defaults to the options modules;
// a module's problem comes back naming the flag, and --help shows the module's defaults.
import t from 'tap';
import { AGENT_DEFAULTS } from '../../agent/index.js';
import { MASTER_DEFAULTS } from '../../master/index.js';
import { parseDuration, resources } from '../../protocol/index.js';
import { agentTuning, checkAgentOptions, parseReservations } from '../../cli/agent-flags.js';
import { agentCommand } from '../../cli/commands/agent.js';
import { devCommand } from '../../cli/commands/dev.js';
import { masterCommand } from '../../cli/commands/master.js';
import { helpText, parseFlags, Problems, UsageError, type Command } from '../../cli/flags.js';
import { MASTER_DURATION_FLAGS, masterFlags } from '../../cli/master-flags.js';
import { formatDuration } from '../../cli/option-flags.js';

/** The UsageError message the problems make, or '' when there are none. */
function message(problems: Problems): string {
  try {
    problems.throwIfAny();
    return '';
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    return err.message;
  }
}

const masterProblems = (command: Command, argv: string[]): string => {
  const problems = new Problems(command.name);
  masterFlags(parseFlags(command, argv).flags, problems);
  return message(problems);
};

t.test('formatDuration writes what parseDuration reads back', async (t) => {
  for (const ms of [0, 1, 500, 1_000, 1_500, 15_000, 60_000, 90_000, 600_000, 3_600_000, 86_400_000]) t.equal(parseDuration(formatDuration(ms)), ms, formatDuration(ms));
  t.equal(formatDuration(600_000), '10m');
  t.equal(formatDuration(90_000), '1m30s');
});

t.test('a master option out of range is reported by its flag with the rule of master/options.ts', async (t) => {
  for (const command of [masterCommand, devCommand]) {
    const out = masterProblems(command, ['--lease', '0']);
    t.match(out, `berth ${command.name}: a flag is not valid`);
    t.match(out, /--lease must be > 0, got '0'/, command.name);
    t.notMatch(out, /leaseMs/, 'the flag is named, not the option field');
  }
  t.equal(masterProblems(masterCommand, ['--offer-timeout', '0']), '', '0 is allowed for the offer timeout (never rescind)');
});

t.test('every bad flag is listed at once: the flags\' own form and the module\'s ranges', async (t) => {
  const out = masterProblems(masterCommand, ['--lease', '0s', '--allocation-interval', 'soon', '--role', 'Eng=2', '--role', 'ml=0', '--port', '70000']);
  t.match(out, 'flags are not valid');
  t.match(out, /--lease must be > 0, got '0s'/);
  t.match(out, /--allocation-interval must be a duration like 500ms/);
  t.match(out, /--role: role name must be "\*" or lower-case path segments like eng\/ml, got 'Eng'/);
  t.match(out, /--role: weight of ml must be > 0, got '0'/);
  t.match(out, /--port must be a whole number from 0 to 65535/);
  t.equal(out.split('\n').filter((l) => l.startsWith('  - ')).length, 5, 'one line per problem');
});

t.test('durations become the milliseconds the options take; flags not given stay unset for the defaults', async (t) => {
  const problems = new Problems('master');
  const m = masterFlags(parseFlags(masterCommand, ['--lease', '1s', '--agent-gone-timeout', '1h30m']).flags, problems);
  t.equal(message(problems), '');
  t.equal(m.options.leaseMs, 1_000);
  t.equal(m.options.agentGoneTimeoutMs, 5_400_000);
  t.equal(m.options.allocationIntervalMs, undefined, 'left to MASTER_DEFAULTS');
});

t.test('agent options out of range are reported by flag (and by the part of a flag\'s value)', async (t) => {
  const { flags } = parseFlags(agentCommand, ['--finished-max-tasks', '1.5', '--reserve', 'eng=cpus:8', '--resources', 'cpus:0']);
  const problems = new Problems('agent');
  const reservations = parseReservations(flags.reserve as string[], problems);
  const tuning = agentTuning(flags, problems);
  checkAgentOptions({ masterUrl: 'ws://127.0.0.1:5050', workDir: '/tmp/x', resources: { ...resources.empty(), cpus: 0, memMb: 512 }, reservations, ...tuning }, flags, problems);
  const out = message(problems);
  t.match(out, /--finished-max-tasks must be a whole number >= 0, got '1\.5'/);
  t.match(out, /--resources: cpus must be greater than 0, got 0/);
  t.match(out, /--reserve: the reservations together must fit in the agent's resources/);
  t.notMatch(out, /finishedMaxTasks|resources\.cpus/, 'no option field names leak out');
});

t.test('--usage-interval sets how often an agent reports usage', async (t) => {
  const problems = new Problems('agent');
  t.equal(agentTuning(parseFlags(agentCommand, ['--usage-interval', '2s']).flags, problems).usageIntervalMs, 2_000);
  t.equal(message(problems), '');
  const bad = new Problems('agent');
  agentTuning(parseFlags(agentCommand, ['--usage-interval', 'often']).flags, bad);
  t.match(message(bad), /--usage-interval/);
});

/** The line of --help that documents --name. */
const helpLine = (command: Command, name: string): string => helpText(command).split('\n').find((l) => new RegExp(`--${name} `).test(l)) ?? '';

t.test('--help shows the options modules\' defaults', async (t) => {
  for (const [flag, field] of Object.entries(MASTER_DURATION_FLAGS)) {
    for (const command of [masterCommand, devCommand]) t.match(helpLine(command, flag), `(default: ${formatDuration(MASTER_DEFAULTS[field])})`, `${command.name} --${flag}`);
  }
  t.match(helpLine(masterCommand, 'lease'), '(default: 10s)');
  t.match(helpLine(agentCommand, 'kill-grace-period'), `(default: ${formatDuration(AGENT_DEFAULTS.defaultKillGracePeriodMs)})`);
  t.match(helpLine(agentCommand, 'finished-retention'), `(default: ${formatDuration(AGENT_DEFAULTS.finishedRetentionMs)})`);
  t.match(helpLine(agentCommand, 'finished-max-tasks'), `(default: ${AGENT_DEFAULTS.finishedMaxTasks})`);
  t.match(helpLine(agentCommand, 'usage-interval'), `(default: ${formatDuration(AGENT_DEFAULTS.usageIntervalMs)})`);
});

t.test('--help gives every flag a rule or a default', async (t) => {
  for (const command of [masterCommand, devCommand, agentCommand]) {
    for (const [name, spec] of Object.entries(command.flags)) {
      if (spec.type === 'boolean') continue;
      t.ok(spec.rule !== undefined || spec.default !== undefined || spec.optionDefault !== undefined || /\(default: /.test(spec.help), `${command.name} --${name} says what it takes`);
    }
  }
});
