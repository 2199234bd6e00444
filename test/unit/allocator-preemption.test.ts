// Preemption: a role below its quota guarantee that free resources cannot serve gets preemptible
// tasks of roles above their fair share named for killing.
import t from 'tap';
import { DrfAllocator } from '../../master/allocator/index.js';
import { snapshotOf, type SnapshotSpec } from '../../master/allocator/snapshot-builder.js';

const allocator = new DrfAllocator();

/** 20 cpus, all held by batch in four 5-cpu tasks (t1 oldest); prod is owed 8 cpus. */
function cluster(over: Partial<SnapshotSpec> = {}, taskOver: { preemptible?: boolean; killing?: string[] } = {}): SnapshotSpec {
  return {
    agents: { a1: { total: { cpus: 10, memMb: 10_000 }, free: {} }, a2: { total: { cpus: 10, memMb: 10_000 }, free: {} } },
    frameworks: { p: { roles: ['prod'] }, b: { roles: ['batch'], allocated: { batch: { cpus: 20, memMb: 4000 } } } },
    roles: { prod: { quotaGuarantee: { cpus: 8 } } },
    tasks: [1, 2, 3, 4].map((n) => ({
      taskId: `t${n}`,
      frameworkId: 'b',
      agentId: n <= 2 ? 'a1' : 'a2',
      role: 'batch',
      resources: { cpus: 5, memMb: 1000 },
      preemptible: taskOver.preemptible ?? true,
      startedAtMs: n,
      killing: taskOver.killing?.includes(`t${n}`) ?? false,
    })),
    ...over,
  };
}

t.test('preemptible tasks of a role above its fair share are named, newest first, until the guarantee is covered', async (t) => {
  const { preemptions } = allocator.allocate(snapshotOf(cluster()));
  t.same(preemptions?.map((p) => [p.taskId, p.role, p.forRole, p.agentId, p.frameworkId]), [
    ['t4', 'batch', 'prod', 'a2', 'b'],
    ['t3', 'batch', 'prod', 'a2', 'b'],
  ]);
  t.match(preemptions?.[0]?.reason, /role "prod" can reach its quota guarantee \(cpus 0 of 8\).*role "batch" was above its fair share \(1\.000 > 0\.500\)/);
});

t.test('tasks that are not preemptible are never named', async (t) => {
  t.same(allocator.allocate(snapshotOf(cluster({}, { preemptible: false }))).preemptions, []);
});

t.test('tasks already being killed count towards the shortfall and are not named again', async (t) => {
  const { preemptions } = allocator.allocate(snapshotOf(cluster({}, { killing: ['t4'] })));
  t.same(preemptions?.map((p) => p.taskId), ['t3']);
});

t.test('no preemption while free resources can serve the role', async (t) => {
  const spec = cluster();
  const { offers, preemptions } = allocator.allocate(snapshotOf({ ...spec, agents: { ...spec.agents as object, a3: { total: { cpus: 10, memMb: 10_000 } } } }));
  t.same(preemptions, []);
  t.same(offers.map((o) => [o.frameworkId, o.agentId]), [['p', 'a3']]);
});

t.test('no preemption for a role whose frameworks suppressed it', async (t) => {
  const spec = cluster({ frameworks: { p: { roles: ['prod'], suppressed: ['prod'] }, b: { roles: ['batch'], allocated: { batch: { cpus: 20, memMb: 4000 } } } } });
  t.same(allocator.allocate(snapshotOf(spec)).preemptions, []);
});

t.test('a victim role is never pushed below its own quota guarantee', async (t) => {
  const spec = cluster({ roles: { prod: { quotaGuarantee: { cpus: 8 } }, batch: { quotaGuarantee: { cpus: 15 } } } });
  t.same(allocator.allocate(snapshotOf(spec)).preemptions?.map((p) => p.taskId), ['t4']);
});

t.test('roles at or below their fair share are not preempted', async (t) => {
  const spec = cluster({
    frameworks: {
      p: { roles: ['prod'] },
      b: { roles: ['batch'], allocated: { batch: { cpus: 14, memMb: 2000 } } },
      d: { roles: ['dev'], allocated: { dev: { cpus: 6, memMb: 2000 } } },
    },
  });
  spec.tasks = [
    { taskId: 'b1', frameworkId: 'b', agentId: 'a1', role: 'batch', resources: { cpus: 10, memMb: 1000 }, preemptible: true, startedAtMs: 1 },
    { taskId: 'b2', frameworkId: 'b', agentId: 'a2', role: 'batch', resources: { cpus: 4, memMb: 1000 }, preemptible: true, startedAtMs: 2 },
    { taskId: 'd1', frameworkId: 'd', agentId: 'a2', role: 'dev', resources: { cpus: 6, memMb: 2000 }, preemptible: true, startedAtMs: 3 },
  ];
  // Fair share is 1/3 each; batch holds 0.7 and dev 0.3: only batch loses tasks, newest first.
  t.same(allocator.allocate(snapshotOf(spec)).preemptions?.map((p) => p.taskId), ['b2', 'b1']);
});

t.test("a role never preempts its ancestors' own tasks (they count in the same subtree)", async (t) => {
  const spec = cluster({
    frameworks: { p: { roles: ['eng/ml'] }, b: { roles: ['eng'], allocated: { eng: { cpus: 20, memMb: 4000 } } } },
    roles: { 'eng/ml': { quotaGuarantee: { cpus: 8 } } },
  });
  spec.tasks = (spec.tasks ?? []).map((task) => ({ ...task, role: 'eng' }));
  t.same(allocator.allocate(snapshotOf(spec)).preemptions, []);
  const control = cluster({ frameworks: { p: { roles: ['eng/ml'] }, b: { roles: ['batch'], allocated: { batch: { cpus: 20, memMb: 4000 } } } }, roles: { 'eng/ml': { quotaGuarantee: { cpus: 8 } } } });
  t.same(allocator.allocate(snapshotOf(control)).preemptions?.map((p) => p.taskId), ['t4', 't3'], 'an unrelated role is preempted');
});
