// Failpoints (master/failpoints.ts): the spec is checked once, with every problem named; each
// action does what it says at its point; unset, hit() does nothing; BERTH_FAILPOINT reaches the
// master's options through the CLI flags and a bad one is refused before anything starts.
import t from 'tap';
import { parseFlags, Problems, UsageError } from '../../cli/flags.js';
import { masterCommand } from '../../cli/commands/master.js';
import { masterFlags } from '../../cli/master-flags.js';
import { FailpointName, Failpoints, failpointProblems } from '../../master/index.js';
import { ErrorCode } from '../../protocol/index.js';

void t.test('a spec names failpoints and their actions', async (t) => {
  const crashes: string[] = [];
  const fp = Failpoints.parse('launch.after-intent=exit, status.after-persist=error,lease.before-renew=pause(30)', () => crashes.push('crash'));
  t.equal(fp.size, 3);
  t.throws(() => fp.hit(FailpointName.LAUNCH_AFTER_INTENT), { code: ErrorCode.INTERNAL, message: /launch.after-intent: the process exits here/ });
  t.same(crashes, ['crash'], 'exit crashes the process');
  t.throws(() => fp.hit(FailpointName.STATUS_AFTER_PERSIST), { code: ErrorCode.INTERNAL, message: 'failpoint status.after-persist: injected error' });
  const pause = fp.hit(FailpointName.LEASE_BEFORE_RENEW);
  t.type(pause, Promise, 'pause returns a promise to wait on');
  let resolved = false;
  void pause?.then(() => (resolved = true));
  await Promise.resolve();
  t.notOk(resolved, 'not resolved at once');
  await pause;
  t.ok(resolved, 'resolved after the pause');
  t.equal(fp.hit(FailpointName.LAUNCH_AFTER_RUNTASK), undefined, 'a failpoint not set does nothing');
  t.equal(Failpoints.NONE.hit(FailpointName.LAUNCH_AFTER_INTENT), undefined, 'none set: nothing');
});

void t.test('unknown names and actions are refused, every one named', async (t) => {
  const problems = failpointProblems('launch.after-intnet=exit,status.after-persist=explode,lease.before-renew=pause(1s),launch.after-runtask');
  t.equal(problems.length, 4);
  t.match(problems[0], /'launch.after-intnet=exit': unknown failpoint 'launch.after-intnet'; known ones are launch.after-intent, launch.after-runtask, status.after-persist, lease.before-renew/);
  t.match(problems[1], /'status.after-persist=explode': unknown action 'explode'; it must be exit, pause\(MS\)/);
  t.match(problems[2], /unknown action 'pause\(1s\)'/);
  t.match(problems[3], /'launch.after-runtask': unknown action ''/);
  t.match(failpointProblems('launch.after-intent=exit,launch.after-intent=error'), [/given twice/]);
  t.same(failpointProblems(''), [], 'an empty spec sets nothing');
  t.throws(() => Failpoints.parse('nope=exit'), { code: ErrorCode.INVALID_CALL, field: 'failpoints', message: /invalid failpoints: 'nope=exit': unknown failpoint/ });
});

void t.test('BERTH_FAILPOINT sets the master\'s failpoints; a bad one is a usage error naming the variable', async (t) => {
  const good = parseFlags(masterCommand, [], { BERTH_FAILPOINT: 'launch.after-runtask=exit' }).flags;
  const problems = new Problems('master');
  const m = masterFlags(good, problems);
  problems.throwIfAny();
  t.equal(m.options.failpoints?.size, 1, 'parsed into the options');
  t.equal(masterFlags(parseFlags(masterCommand, [], {}).flags, new Problems('master')).options.failpoints, undefined, 'unset: none');

  const bad = new Problems('master');
  masterFlags(parseFlags(masterCommand, [], { BERTH_FAILPOINT: 'launch.after-runtask=crash' }).flags, bad);
  t.throws(() => bad.throwIfAny(), UsageError);
  try {
    bad.throwIfAny();
  } catch (err) {
    t.match((err as Error).message, /BERTH_FAILPOINT \(used for --failpoint, which was not given\) 'launch.after-runtask=crash': unknown action 'crash'/);
  }
});

void t.test('hitAfterIo acts only after the turn\'s writes had a chance to leave', async (t) => {
  const order: string[] = [];
  const fp = Failpoints.parse('launch.after-runtask=exit', () => order.push('crash'));
  const hit = fp.hitAfterIo(FailpointName.LAUNCH_AFTER_RUNTASK);
  process.nextTick(() => order.push('uncorked'));
  await t.rejects(hit as Promise<void>, { message: /launch.after-runtask: the process exits here/ });
  t.same(order, ['uncorked', 'crash'], 'the next tick (a socket uncork) ran before the crash');
  t.equal(Failpoints.NONE.hitAfterIo(FailpointName.LAUNCH_AFTER_RUNTASK), undefined, 'unset: nothing');
});
