// A standby's early load of the cluster state (master/warm-state.ts): used once elected only when
// no write landed since it was read; otherwise, or after drop(), the state is loaded afresh.
import t from 'tap';
import { WarmState } from '../../master/warm-state.js';
import type { ClusterStore } from '../../master/store/cluster-store.js';
import type { ClusterState } from '../../master/store/records.js';

function fakeStore(versioned = true): { store: ClusterStore; loads: () => number; write: () => void } {
  let version = 1;
  let loads = 0;
  const state = (): ClusterState => ({ agents: [], frameworks: [], tasks: [], roles: [], completedTasks: [], version: `${version}-0` });
  const store = {
    load: async () => {
      loads++;
      return state();
    },
    ...(versioned ? { stateVersion: async () => `${version}-0` } : {}),
  } as unknown as ClusterStore;
  return { store, loads: () => loads, write: () => void version++ };
}

void t.test('an early copy with no write since is led with; one with a write since is loaded again', async (t) => {
  const a = fakeStore();
  const warm = new WarmState(a.store);
  warm.prepare();
  warm.prepare();
  t.equal(a.loads(), 1, 'one early load however often it is asked');
  const first = await warm.take();
  t.equal(first.early, true);
  t.equal(a.loads(), 1, 'no second load');

  warm.prepare();
  a.write();
  const second = await warm.take();
  t.equal(second.early, false, 'a write landed after the early load');
  t.equal(second.state.version, '2-0', 'the fresh state');
  t.equal(a.loads(), 3);
});

void t.test('after drop(), and on a store without versions, the state is loaded when elected', async (t) => {
  const a = fakeStore();
  const warm = new WarmState(a.store);
  warm.prepare();
  warm.drop();
  t.equal((await warm.take()).early, false);
  const b = fakeStore(false);
  const plain = new WarmState(b.store);
  plain.prepare();
  t.equal(b.loads(), 0, 'nothing loaded ahead without versions');
  t.equal((await plain.take()).early, false);
  t.equal(b.loads(), 1);
});
