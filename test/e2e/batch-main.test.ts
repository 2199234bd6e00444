// The batch framework's process entry (dist/frameworks/batch/main.js; npm test builds dist/):
// bad configuration is refused at once, every problem listed, exit code 2.
import { spawnSync } from 'node:child_process';
import t from 'tap';

void t.test('bad flags are refused with every problem named', async (t) => {
  const r = spawnSync(process.execPath, ['dist/frameworks/batch/main.js', '--master', 'http://x', '--port', '99999', '--log-level', 'loud', '--redis', 'mysql://db'], { encoding: 'utf8', timeout: 20_000 });
  t.equal(r.status, 2);
  for (const flag of ['--master', '--port', '--log-level', '--redis']) t.match(r.stderr, flag);
});

void t.test('an unknown flag is refused', async (t) => {
  const r = spawnSync(process.execPath, ['dist/frameworks/batch/main.js', '--colour', 'red'], { encoding: 'utf8', timeout: 20_000 });
  t.equal(r.status, 2);
  t.match(r.stderr, /colour/);
});
