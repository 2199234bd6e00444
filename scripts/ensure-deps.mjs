// Runs `npm ci` when node_modules is missing or older than package-lock.json, so `npm start` and
// `npm test` work on a fresh clone as the first command.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const marker = 'node_modules/.package-lock.json';
if (!existsSync(marker) || statSync(marker).mtimeMs < statSync('package-lock.json').mtimeMs) {
  console.error('installing npm packages (npm ci)...');
  execSync('npm ci --no-audit --no-fund', { stdio: 'inherit' });
}
