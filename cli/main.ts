#!/usr/bin/env node
// The berth command: parses the command line and runs one command. It is the composition root
// for `berth dev`, which wires a master and agents into one process.
import { readFileSync } from 'node:fs';
import { agentCommand } from './commands/agent.js';
import { agentsCommand } from './commands/agents.js';
import { auditCommand } from './commands/audit.js';
import { completionCommand } from './commands/completion.js';
import { devCommand } from './commands/dev.js';
import { dnsCommand } from './commands/dns.js';
import { explainCommand } from './commands/explain.js';
import { frameworksCommand } from './commands/frameworks.js';
import { jobsCommand } from './commands/jobs.js';
import { lbCommand } from './commands/lb.js';
import { masterCommand } from './commands/master.js';
import { runCommand } from './commands/run.js';
import { servicesCommand } from './commands/services.js';
import { stateCommand } from './commands/state.js';
import { tasksCommand } from './commands/tasks.js';
import { EXIT_CODES_HELP, exitCodeOf } from './exit-codes.js';
import { helpText, parseFlags, Problems, tokenOf, UsageError, type Command } from './flags.js';
import { applyGlobalFlags, commandHelp, GLOBAL_FLAGS_HELP } from './global-flags.js';
import { useToken } from './http.js';

const commands: Command[] = [devCommand, masterCommand, agentCommand, stateCommand, agentsCommand, tasksCommand, frameworksCommand, auditCommand, explainCommand, servicesCommand, dnsCommand, lbCommand, jobsCommand, runCommand, completionCommand(() => commands)];

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    'berth: a two-level, resource-offer container orchestrator with weighted DRF.',
    '',
    'Usage: berth COMMAND [flags]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    `  ${'help'.padEnd(width)}Show help for a command: berth help COMMAND`,
    `  ${'version'.padEnd(width)}Print the version`,
    '',
    "Start here: 'berth dev' runs a local cluster; 'berth COMMAND --help' lists a command's flags.",
    'BERTH_MASTER, BERTH_SERVICES and BERTH_BATCH set the defaults of --master, --services and --batch (a flag wins).',
    "Authentication: commands that call an API send --token TOKEN (or BERTH_TOKEN) as a bearer token; 'berth dev' prints an admin one.",
    "Output: -o table, json or yaml on commands that print data. Completion: source <(berth completion bash) (or zsh).",
    GLOBAL_FLAGS_HELP,
    EXIT_CODES_HELP,
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    const topic = commands.find((c) => c.name === rest[0]);
    process.stdout.write(`${topic ? commandHelp(topic, helpText(topic)) : overview()}\n`);
    return 0;
  }
  if (name === 'version' || name === '--version') {
    process.stdout.write(`berth ${version()}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`berth: unknown command '${name}'. Commands: ${commands.map((c) => c.name).join(', ')}. Run 'berth help'.\n`);
    return 2;
  }
  try {
    const { flags, positionals } = parseFlags(command, applyGlobalFlags(command, rest, process.env));
    if (flags.help) {
      process.stdout.write(`${commandHelp(command, helpText(command))}\n`);
      return 0;
    }
    if (command.flags.token) {
      const problems = new Problems(name);
      const token = tokenOf(flags, problems);
      problems.throwIfAny();
      useToken(token);
    }
    return await command.run(flags, positionals);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    process.stderr.write(`berth ${name}: ${(err as Error).message}\n`);
    return exitCodeOf(err);
  }
}

// A reader that went away (berth services ls | head) ends the command quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(0);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`berth: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
