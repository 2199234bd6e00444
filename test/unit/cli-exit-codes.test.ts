// Which exit code each kind of failure ends berth with.
import t from 'tap';
import { ExitCode, exitCodeOf } from '../../cli/exit-codes.js';
import { UsageError } from '../../cli/flags.js';

const answered = (status: number): Error => Object.assign(new Error('x'), { status });

void t.test('errors map to their exit codes', async (t) => {
  t.equal(exitCodeOf(new UsageError('bad flag')), ExitCode.USAGE);
  t.equal(exitCodeOf(answered(404)), ExitCode.NOT_FOUND);
  for (const status of [400, 403, 409]) t.equal(exitCodeOf(answered(status)), ExitCode.REFUSED, String(status));
  t.equal(exitCodeOf(answered(503)), ExitCode.UNAVAILABLE);
  t.equal(exitCodeOf(Object.assign(new Error('down'), { unreachable: true })), ExitCode.UNAVAILABLE);
  t.equal(exitCodeOf(answered(500)), ExitCode.FAILED);
  t.equal(exitCodeOf(new Error('other')), ExitCode.FAILED);
  t.equal(exitCodeOf('a string'), ExitCode.FAILED);
});
