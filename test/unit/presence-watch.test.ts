// What a master's own presence connection means for its lease, on an injected clock: a leader
// rides out a drop that a renewal explains (Redis restarted or unreachable), stops while the lease
// is exposed to a takeover or a drop goes unexplained past explainMs, and ignores renewals sent
// before the latest change; a standby may take over only once its own connection has settled.
import t from 'tap';
import { PresenceWatch } from '../../master/presence-watch.js';

const TIMINGS = { graceMs: 500, explainMs: 250, settleMs: 3_000 };

function upAt(ms: number): PresenceWatch {
  const w = new PresenceWatch(TIMINGS);
  w.changed(true, ms);
  return w;
}

void t.test('a drop acts on until explainMs, then stops until a renewal explains it', async (t) => {
  const w = upAt(0);
  w.changed(false, 1_000);
  t.ok(w.mayAct(1_000 + TIMINGS.explainMs), 'within explainMs of the drop');
  t.notOk(w.mayAct(1_001 + TIMINGS.explainMs), 'unexplained past explainMs');
  t.equal(w.renewed('held', w.changes), undefined, 'held while down: Redis restarted, nothing to log');
  t.ok(w.mayAct(5_000), 'a renewal that holds explains it: no standby can count the drop');
});

void t.test('a failed renewal explains a drop as an outage, ridden out', async (t) => {
  const w = upAt(0);
  w.changed(false, 1_000);
  w.renewed('failed', w.changes);
  t.ok(w.mayAct(10_000), 'acting on, as in any outage');
  t.notOk(w.exposed);
});

void t.test('an exposed lease stops the leader until a renewal after the return holds', async (t) => {
  const w = upAt(0);
  w.changed(false, 1_000);
  t.equal(w.renewed('exposed', w.changes), 'exposed');
  t.notOk(w.mayAct(1_010), 'not acting while a standby may take over');
  t.equal(w.renewed('failed', w.changes), undefined);
  t.notOk(w.mayAct(1_020), 'a failed renewal does not clear what the last answer said');
  const sent = w.changes;
  w.changed(true, 1_100);
  t.notOk(w.mayAct(1_100), 'back, but not yet confirmed');
  t.equal(w.renewed('held', sent), undefined, 'a renewal sent before the return says nothing about now');
  t.notOk(w.mayAct(1_200));
  t.equal(w.renewed('held', w.changes), 'safe');
  t.ok(w.mayAct(1_300), 'confirmed: acting again');
  t.notOk(w.droppedSinceHeld, 'held while connected clears the drop');
});

void t.test('droppedSinceHeld stays until a renewal holds while connected', async (t) => {
  const w = upAt(0);
  t.notOk(w.droppedSinceHeld);
  w.changed(false, 10);
  w.renewed('held', w.changes);
  t.ok(w.droppedSinceHeld, 'held while still down: the drop is not over');
  w.changed(true, 20);
  w.renewed('lost', w.changes);
  t.ok(w.droppedSinceHeld, 'lost changes nothing');
  w.renewed('held', w.changes);
  t.notOk(w.droppedSinceHeld);
});

void t.test('a standby may take over only once its own connection has been up for settleMs', async (t) => {
  const w = new PresenceWatch(TIMINGS);
  t.notOk(w.mayTakeOver(10_000), 'never up');
  w.changed(true, 1_000);
  t.notOk(w.mayTakeOver(1_000 + TIMINGS.settleMs - 1));
  t.ok(w.mayTakeOver(1_000 + TIMINGS.settleMs));
  w.changed(false, 5_000);
  t.notOk(w.mayTakeOver(6_000), 'not while down');
  w.changed(true, 6_000);
  t.notOk(w.mayTakeOver(7_000), 'settling again after a reconnect');
  t.ok(w.mayTakeOver(9_000));
});

void t.test('timings whose explainMs is not below graceMs are refused', async (t) => {
  t.throws(() => new PresenceWatch({ graceMs: 200, explainMs: 200, settleMs: 1_000 }), /explainMs must be below graceMs/);
});
