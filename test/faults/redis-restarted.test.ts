// Redis is stopped and started again (SIGTERM, then the same port and AOF) while the leader's lease
// (5 s) outlasts the gap: a launch made while Redis is away is refused with the store's error and
// leaves nothing behind, the leader rides the restart out under its epoch, nothing acknowledged is
// lost, and launches work again.
import t from 'tap';
import { FaultCluster } from '../helpers/fault-cluster.js';
import { getState } from '../helpers/master.js';

void t.test('Redis restarted', async (t) => {
  const c = await FaultCluster.start(t, { masterArgs: ['--lease', '5s'] });
  if (!c) return;
  const { master: first, epoch } = await c.leader();
  await c.running(['restart-1', 'restart-2']);

  await c.redis.stop();
  c.recorder.fault('redis stopped');
  const refused = await c.launch(['restart-during']).then(() => undefined, (err: unknown) => err);
  t.match(refused, { message: /redis unavailable/ }, 'a launch while Redis is away is refused with the store\'s error');
  await c.redis.restart();
  c.recorder.healed();

  await c.launchAfterHeal('restart-after');
  t.match(await first.health(), { status: 'ok', leadership: 'leading', epoch }, 'the leader rode the restart out under its epoch, and writes again');
  await c.settled();
  const state = await getState(first.http);
  t.notOk([...state.tasks, ...state.completedTasks].some((x) => x.id === 'restart-during'), 'the refused launch left no task behind');
  t.same(await c.check(20_000), [], 'the checker is clean');
});
