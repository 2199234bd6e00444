// Bundles the web UI (master/ui/src, preact + htm) with esbuild into dist/master/ui/ (or the folder
// given as the first argument): index.html, app.js and app.css. Everything the page needs is in the
// bundle: nothing is fetched at run time.
import { mkdirSync, copyFileSync, statSync } from 'node:fs';
import { build } from 'esbuild';

const out = process.argv[2] ?? 'dist/master/ui';
mkdirSync(out, { recursive: true });
await build({
  entryPoints: ['master/ui/src/main.ts'],
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022'],
  outfile: `${out}/app.js`,
  legalComments: 'none',
  logLevel: 'warning',
});
await build({ entryPoints: ['master/ui/src/app.css'], bundle: true, minify: true, outfile: `${out}/app.css`, logLevel: 'warning' });
copyFileSync('master/ui/index.html', `${out}/index.html`);
const kb = (f) => `${(statSync(`${out}/${f}`).size / 1024).toFixed(1)} KiB`;
console.log(`web UI: ${out}/app.js ${kb('app.js')}, app.css ${kb('app.css')}`);
