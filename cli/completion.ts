// Shell completion scripts for bash and zsh, generated from the command table: the commands, the
// actions each takes as its first argument, its flags, and the values of -o and the like.
import type { Command, FlagSpec } from './flags.js';

export const SHELLS = ['bash', 'zsh'] as const;
export type Shell = (typeof SHELLS)[number];

/** The values a flag takes, when they are a fixed list (its rule says "a or b or c"). */
function flagValues(spec: FlagSpec): string[] {
  if (spec.type !== 'string' || !spec.rule || !/^[a-z]+( or [a-z]+)+$/.test(spec.rule)) return [];
  return spec.rule.split(' or ');
}

interface Entry {
  name: string;
  actions: readonly string[];
  flags: string[];
  /** Flags that take a value: the fixed values it may be, or whether it names a file. */
  valued: { flag: string; values: string[]; file: boolean }[];
}

function entries(commands: readonly Command[]): Entry[] {
  return commands.map((c) => {
    const all = Object.entries({ ...c.flags, help: { type: 'boolean', short: 'h', help: '' } as FlagSpec });
    return {
      name: c.name,
      actions: c.actions ?? [],
      flags: all.flatMap(([name, spec]) => [`--${name}`, ...(spec.short ? [`-${spec.short}`] : [])]),
      valued: all.filter(([, spec]) => spec.type === 'string').flatMap(([name, spec]) =>
        [`--${name}`, ...(spec.short ? [`-${spec.short}`] : [])].map((flag) => ({ flag, values: flagValues(spec), file: spec.placeholder === 'FILE' || spec.placeholder === 'DIR' }))),
    };
  });
}

/** Words that are safe inside single quotes in both shells (command, flag and action names are). */
function words(list: readonly string[]): string {
  return list.join(' ');
}

/** What bash offers for a flag's value: its fixed values, file names, or nothing to guess. */
function bashValues(v: Entry['valued'][number]): string {
  if (v.values.length) return `$(compgen -W '${words(v.values)}' -- "$cur")`;
  return v.file ? '$(compgen -f -- "$cur")' : '';
}

function bash(all: Entry[], topLevel: string[]): string {
  const cases = all.map((e) => {
    const valueCases = e.valued.map((v) => `        ${v.flag}) COMPREPLY=(${bashValues(v)}); return ;;`);
    return [
      `    ${e.name})`,
      '      case "$prev" in',
      ...valueCases,
      '      esac',
      `      if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W '${words(e.flags)}' -- "$cur")); return; fi`,
      ...(e.actions.length ? [`      if [[ $COMP_CWORD -eq 2 ]]; then COMPREPLY=($(compgen -W '${words(e.actions)}' -- "$cur")); return; fi`] : []),
      '      COMPREPLY=($(compgen -f -- "$cur")) ;;',
    ].join('\n');
  });
  return [
    '# bash completion for berth; load it with: source <(berth completion bash)',
    '_berth() {',
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
    '  COMPREPLY=()',
    '  if [[ $COMP_CWORD -eq 1 ]]; then',
    `    COMPREPLY=($(compgen -W '${words(topLevel)}' -- "$cur"))`,
    '    return',
    '  fi',
    '  case "${COMP_WORDS[1]}" in',
    ...cases,
    `    help) COMPREPLY=($(compgen -W '${words(all.map((e) => e.name))}' -- "$cur")) ;;`,
    '  esac',
    '}',
    'complete -F _berth berth',
    '',
  ].join('\n');
}

function zsh(all: Entry[], topLevel: string[]): string {
  const cases = all.map((e) => {
    const valueCases = e.valued.map((v) => `        ${v.flag}) ${v.values.length ? `compadd -- ${words(v.values)}` : v.file ? '_files' : ':'}; return ;;`);
    return [
      `    ${e.name})`,
      '      case "$prev" in',
      ...valueCases,
      '      esac',
      `      if [[ "$cur" == -* ]]; then compadd -- ${words(e.flags)}; return; fi`,
      ...(e.actions.length ? [`      if (( CURRENT == 3 )); then compadd -- ${words(e.actions)}; return; fi`] : []),
      '      _files ;;',
    ].join('\n');
  });
  return [
    '#compdef berth',
    '# zsh completion for berth; load it with: source <(berth completion zsh)',
    '_berth() {',
    '  local cur="${words[CURRENT]}" prev="${words[CURRENT-1]}"',
    '  if (( CURRENT == 2 )); then',
    `    compadd -- ${words(topLevel)}`,
    '    return',
    '  fi',
    '  case "${words[2]}" in',
    ...cases,
    `    help) compadd -- ${words(all.map((e) => e.name))} ;;`,
    '  esac',
    '}',
    'if (( $+functions[compdef] )); then compdef _berth berth; else autoload -Uz compinit && compinit && compdef _berth berth; fi',
    '',
  ].join('\n');
}

/** The completion script for `shell`, covering `commands` and the help and version words. */
export function completionScript(shell: Shell, commands: readonly Command[]): string {
  const all = entries(commands);
  const topLevel = [...commands.map((c) => c.name), 'help', 'version'];
  return shell === 'bash' ? bash(all, topLevel) : zsh(all, topLevel);
}
