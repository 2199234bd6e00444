import t from 'tap';
import { MarkLimiter } from '../../master/mark-limiter.js';

t.test('at most a fraction of the agents per window, at least one', async (t) => {
  const limiter = new MarkLimiter(0.1, 60_000);
  t.equal(limiter.allowance(3), 1);
  t.equal(limiter.allowance(100), 10);
  let taken = 0;
  for (let i = 0; i < 50; i++) if (limiter.tryTake(100, 1_000 + i)) taken++;
  t.equal(taken, 10, 'half the cluster dropping is marked ten at a time');
  t.notOk(limiter.tryTake(100, 30_000), 'still inside the window');
  t.equal(limiter.nextFreeAtMs(), 61_000);
  t.ok(limiter.tryTake(100, 61_001), 'room again once the first mark leaves the window');
});
