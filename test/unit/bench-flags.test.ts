// A bench's own flags: defaults, values checked against their kind and range, and every problem
// named by its flag in one error.
import t from 'tap';
import { UsageError, parseFlags } from '../../bench/flags.js';

const SPEC = {
  tasks: { kind: 'int', min: 1, max: 100, default: 10, help: 'tasks' },
  slots: { kind: 'number', min: 1, default: 2.5, help: 'slots' },
  trace: { kind: 'string', help: 'a file' },
} as const;

void t.test('defaults, and values of each kind', async (t) => {
  t.same(parseFlags('b', [], SPEC), { tasks: 10, slots: 2.5, trace: undefined });
  t.same(parseFlags('b', ['--tasks', '7', '--slots', '1.5', '--trace', 'x.csv'], SPEC), { tasks: 7, slots: 1.5, trace: 'x.csv' });
});

void t.test('every problem is named, all in one error', async (t) => {
  const err = (() => {
    try {
      parseFlags('b', ['--tasks', '0.5', '--slots', 'many', '--bogus', '3', '--trace'], SPEC);
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  t.ok(err instanceof UsageError);
  const lines = (err as Error).message.split('\n');
  t.same(lines.slice(0, 4), [
    '--tasks must be a whole number from 1 to 100, got "0.5"',
    '--slots must be a number >= 1, got "many"',
    '--bogus: not a flag of b (--tasks, --slots, --trace)',
    '--trace needs a value',
  ]);
  t.match((err as Error).message, /flags of b:\n {2}--tasks N {2}tasks \(default 10\)/);
});
