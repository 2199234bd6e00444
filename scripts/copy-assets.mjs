// Copies what tsc does not emit into dist/: the generated protobuf module and web UI assets.
import { cpSync, existsSync } from 'node:fs';

const pairs = [
  ['protocol/gen/berth.js', 'dist/protocol/gen/berth.js'],
  ['master/ui', 'dist/master/ui'],
];
for (const [from, to] of pairs) if (existsSync(from)) cpSync(from, to, { recursive: true });
