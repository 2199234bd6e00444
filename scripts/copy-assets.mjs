// Copies what tsc does not emit into dist/: the generated protobuf module (with its types). The web UI
// is bundled into dist/master/ui by scripts/build-ui.mjs.
import { cpSync, existsSync } from 'node:fs';

const pairs = [
  ['protocol/gen/berth.js', 'dist/protocol/gen/berth.js'],
  // The types of the generated module, which dist's .d.ts files (the SDK's public types) import.
  ['protocol/gen/berth.d.ts', 'dist/protocol/gen/berth.d.ts'],
];
for (const [from, to] of pairs) if (existsSync(from)) cpSync(from, to, { recursive: true });
