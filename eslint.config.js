// Lint, including the folder dependency rules that docs/architecture.md explains.
import tseslint from 'typescript-eslint';

const ours = (...folders) => folders.flatMap((f) => [`**/${f}/**`, `**/${f}`]);
// Only the channel's WebSocket adapter talks to `ws` (docs/architecture.md); everything else gets a Channel.
const noWs = { name: 'ws', message: 'only protocol/channel-ws.ts touches ws; use a Channel or a Transport (docs/architecture.md).' };
const forbid = (files, folders, why, paths = [noWs]) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { paths, patterns: [{ group: ours(...folders), message: why }] }],
  },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'protocol/gen/**', '.tap/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  forbid(['protocol/**/*.ts'], ['master', 'agent', 'frameworks', 'cli'], 'protocol/ imports nothing of ours (docs/architecture.md).'),
  forbid(['protocol/channel-ws.ts'], ['master', 'agent', 'frameworks', 'cli'], 'protocol/ imports nothing of ours (docs/architecture.md).', []),
  forbid(['master/**/*.ts'], ['agent', 'frameworks', 'cli'], 'master/ imports protocol/ only (docs/architecture.md).'),
  forbid(['agent/**/*.ts'], ['master', 'frameworks', 'cli'], 'agent/ imports protocol/ only (docs/architecture.md).'),
  forbid(['frameworks/sdk/**/*.ts'], ['master', 'agent', 'cli', 'services', 'batch'], 'frameworks/sdk imports protocol/ only (docs/architecture.md).'),
  forbid(['frameworks/services/**/*.ts'], ['master', 'agent', 'cli', 'batch'], 'frameworks/services imports the sdk and protocol/ only (docs/architecture.md).'),
  {
    // The load balancer is a process of its own: it reads the services framework over its API and
    // imports protocol/ and the sdk only. Repeats the services boundary, since this rule replaces it.
    files: ['frameworks/services/lb/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [noWs], patterns: [
        { group: ours('master', 'agent', 'cli', 'batch', 'services'), message: 'frameworks/services/lb imports the sdk and protocol/ only (docs/architecture.md).' },
        { regex: '^\\.\\./(?!\\.\\./)', message: 'frameworks/services/lb imports protocol/ and the sdk only, not the services framework (docs/architecture.md).' },
      ] }],
    },
  },
  forbid(['frameworks/batch/**/*.ts'], ['master', 'agent', 'cli', 'services'], 'frameworks/batch imports the sdk and protocol/ only (docs/architecture.md).'),
  {
    // The allocator is pure: no I/O, timers or sockets (docs/architecture.md).
    files: ['master/allocator/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['node:*', 'ws', 'redis', 'dockerode', 'pino'], message: 'the allocator is pure: no I/O (docs/architecture.md).' },
        { group: ours('agent', 'frameworks', 'cli', 'store'), message: 'the allocator sees snapshots only.' },
      ] }],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'setImmediate', 'fetch', 'process'],
    },
  },
  {
    // The services deployment planner is pure too: a snapshot and nowMs in, steps out
    // (docs/services-deployments.md), and so is the autoscaler's decision. Repeats the services
    // boundary, since this rule replaces it.
    files: ['frameworks/services/deploy/**/*.ts', 'frameworks/services/autoscale/decide.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['node:*', 'ws', 'redis', 'dockerode', 'pino'], message: 'the planner is pure: no I/O (docs/services-deployments.md).' },
        { group: ours('master', 'agent', 'cli', 'batch'), message: 'frameworks/services imports the sdk and protocol/ only (docs/architecture.md).' },
      ] }],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'setImmediate', 'fetch', 'process'],
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'the planner takes nowMs.' },
        { object: 'Math', property: 'random', message: 'the planner is deterministic.' },
      ],
    },
  },
  {
    // The DNS server knows the services framework only through its endpoints stream: it imports its
    // own files, the sdk and protocol/ (docs/discovery.md). Repeats the services boundary, since this rule replaces it.
    files: ['frameworks/services/dns/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [noWs], patterns: [
        { group: ours('master', 'agent', 'cli', 'batch'), message: 'frameworks/services imports the sdk and protocol/ only (docs/architecture.md).' },
        { regex: '^(?!\\./|\\.\\./\\.\\./sdk/|\\.\\./\\.\\./\\.\\./protocol/)\\.', message: 'the DNS server imports its own files, frameworks/sdk and protocol/ only; it reads the services framework through its stream (docs/discovery.md).' },
      ] }],
    },
  },
  {
    // CLI, examples, benches and tests print to the terminal on purpose.
    files: ['cli/**/*.ts', 'examples/**/*.ts', 'bench/**/*.ts', 'test/**/*.ts', 'scripts/**'],
    rules: { 'no-console': 'off' },
  },
);
