// berth completion: prints a shell completion script made from the command table.
import { completionScript, SHELLS, type Shell } from '../completion.js';
import { Problems, type Command } from '../flags.js';

/** The command, given the table it completes (main.ts holds the table, this command included). */
export function completionCommand(commands: () => readonly Command[]): Command {
  return {
    name: 'completion',
    summary: 'Print a shell completion script for bash or zsh (commands, actions and flags).',
    usage: 'berth completion bash|zsh',
    actions: SHELLS,
    flags: {},
    examples: [
      'source <(berth completion bash)                          # this shell only',
      "echo 'source <(berth completion bash)' >> ~/.bashrc     # every new bash",
      "echo 'source <(berth completion zsh)' >> ~/.zshrc       # every new zsh",
    ],
    async run(_flags, positionals) {
      const problems = new Problems('completion');
      const [shell, ...extra] = positionals;
      if (!shell) problems.add(`name a shell: ${SHELLS.join(' or ')}`);
      else if (!(SHELLS as readonly string[]).includes(shell)) problems.add(`the shell must be ${SHELLS.join(' or ')}, got '${shell}'`);
      if (extra.length > 0) problems.add(`unexpected arguments: ${extra.join(' ')}`);
      problems.throwIfAny();
      process.stdout.write(completionScript(shell as Shell, commands()));
      return Promise.resolve(0);
    },
  };
}
