// The web UI's pure logic: stream frames applied to the state, the resource bars' arithmetic,
// dominant shares per role, the share chart's path, the task table's window, routes and DAG layout.
import t from 'tap';
import { layoutDag } from '../../master/ui/src/dag-layout.js';
import { clusterTotals, dominantShare, roleRows, segments, usedByRole } from '../../master/ui/src/resource-math.js';
import { parseRoute } from '../../master/ui/src/routes.js';
import { chartSpan, sharePath, ShareHistory } from '../../master/ui/src/share-history.js';
import { applyFrame, parseFrame, streamUrl, type StreamFrame } from '../../master/ui/src/stream-frames.js';
import { filterTasks, visibleRows } from '../../master/ui/src/task-table.js';
import type { AgentView, FrameworkView, Res, TaskView } from '../../master/ui/src/types.js';

const res = (r: Partial<Res>): Res => ({ cpus: 0, memMb: 0, diskMb: 0, gpus: 0, ports: [], ...r });
const agent = (id: string, total: Partial<Res>, used: Partial<Res>, offered: Partial<Res>, connected = true): AgentView => ({
  id, hostname: id, address: '127.0.0.1', connected, runtime: 'process', draining: false, attributes: {}, total: res(total), used: res(used), offered: res(offered),
  reserved: {}, state: 'ACTIVE', drainingUntilMs: null, usage: null, tasks: 0, registeredAtMs: 0,
});
const framework = (id: string, roles: string[], allocated: Record<string, Partial<Res>>): FrameworkView => ({
  id, name: id, roles, connected: true, suppressedRoles: [], tasks: 0, offers: 0, maxOffers: 0, allocated: Object.fromEntries(Object.entries(allocated).map(([k, v]) => [k, res(v)])), registeredAtMs: 0,
});

t.test('frames: a snapshot, patches in order, old patches ignored, a patch before a snapshot is an error', async (t) => {
  const snap = parseFrame(JSON.stringify({ stream: 's1', version: 3, snapshot: { tasks: [{ id: 'a', state: 'STAGING' }] } })) as StreamFrame;
  let step = applyFrame(undefined, undefined, snap);
  t.equal(step.kind, 'applied');
  if (step.kind !== 'applied') return;
  t.same(step.position, { stream: 's1', version: 3 });
  const patch: StreamFrame = { stream: 's1', version: 4, patch: [{ op: 'replace', path: '/tasks/0/state', value: 'RUNNING' }, { op: 'add', path: '/tasks/-', value: { id: 'b', state: 'STAGING' } }] };
  const { doc } = step;
  step = applyFrame(doc, step.position, patch);
  t.equal(step.kind, 'applied');
  t.same(doc, { tasks: [{ id: 'a', state: 'RUNNING' }, { id: 'b', state: 'STAGING' }] });
  t.same(applyFrame(doc, { stream: 's1', version: 4 }, patch), { kind: 'ignored' }, 'a patch already applied (after a resume) is skipped');
  t.match(applyFrame(undefined, undefined, patch), { kind: 'error', message: /before any snapshot/ });
  t.match(applyFrame(doc, { stream: 's1', version: 4 }, { stream: 's1', version: 5, patch: [{ op: 'replace', path: '/missing/deep/x', value: 1 }] }), { kind: 'error', message: /patch 5 does not apply/ });
  t.match(parseFrame('{'), /not JSON/);
  t.match(parseFrame('{"stream":"s","version":1}'), /neither snapshot nor patch/);
  t.match(parseFrame('{"version":1,"patch":[]}'), /without stream and version/);
});

t.test('the stream URL resumes from the last position', async (t) => {
  t.equal(streamUrl('http://127.0.0.1:5050', undefined), 'ws://127.0.0.1:5050/api/v1/stream');
  t.equal(streamUrl('https://m.example:8443', { stream: 'abc', version: 17 }), 'wss://m.example:8443/api/v1/stream?stream=abc&since=17');
  t.equal(streamUrl('http://m:5050', { stream: 'b', version: 3 }, '/ui/proxy/batch/api/v1/stream', 'job=%2Fetl%2Fload&include=runs'),
    'ws://m:5050/ui/proxy/batch/api/v1/stream?job=%2Fetl%2Fload&include=runs&stream=b&since=3', "a framework's stream through the proxy keeps its query");
});

t.test('bars: used, offered and free of a total', async (t) => {
  t.same(segments(4, 1, 1), { total: 4, used: 1, offered: 1, free: 2, usedFrac: 0.25, offeredFrac: 0.25, freeFrac: 0.5 });
  const over = segments(2, 3, 1);
  t.equal(over.usedFrac, 1, 'over-commitment fills the bar');
  t.equal(over.offeredFrac, 0, 'and leaves no room for offers');
  t.equal(over.free, 0);
  t.same(segments(0, 0, 0), { total: 0, used: 0, offered: 0, free: 0, usedFrac: 0, offeredFrac: 0, freeFrac: 0 });
  t.equal(segments(1, 0.1, 0.2).free, 0.7, 'free is rounded like resources (no 0.7000000000000001)');
});

t.test('cluster totals count connected agents only; roles get dominant shares, fair shares and quota shares', async (t) => {
  const agents = [agent('a1', { cpus: 4, memMb: 4096 }, { cpus: 1 }, { cpus: 2, memMb: 1024 }), agent('a2', { cpus: 4, memMb: 4096 }, {}, {}), agent('gone', { cpus: 100 }, {}, {}, false)];
  t.same(clusterTotals(agents), { total: res({ cpus: 8, memMb: 8192 }), used: res({ cpus: 1 }), offered: res({ cpus: 2, memMb: 1024 }) });
  const frameworks = [framework('f1', ['web'], { web: { cpus: 1, memMb: 512 } }), framework('f2', ['web', 'batch'], { web: { cpus: 1 }, batch: { memMb: 4096 } })];
  t.same(usedByRole(frameworks).get('web'), res({ cpus: 2, memMb: 512 }));
  t.same(dominantShare(res({ cpus: 2, memMb: 512 }), res({ cpus: 8, memMb: 8192 })), { share: 0.25, resource: 'cpus' });
  t.same(dominantShare(undefined, res({ cpus: 1 })), { share: 0, resource: '' });
  const rows = roleRows({ agents, frameworks }, [{ name: 'web', weight: 3, quotaGuarantee: res({ cpus: 4 }), allocated: res({}) }, { name: 'idle', weight: 1, allocated: res({}) }]);
  t.same(rows.map((r) => r.name), ['batch', 'idle', 'web']);
  const web = rows.find((r) => r.name === 'web')!;
  t.equal(web.dominant.share, 0.25);
  t.equal(web.fairShare, 3 / 5, 'weight 3 of 5 (batch and idle weigh 1)');
  t.equal(web.guaranteeShare, 0.5);
  t.equal(web.limitShare, null);
  t.same(rows.find((r) => r.name === 'batch')!.dominant, { share: 0.5, resource: 'memMb' });
});

t.test('share history: one sample per gap, bounded, drawn inside its box', async (t) => {
  const h = new ShareHistory(3, 1_000);
  h.add(0, new Map([['web', 0.1]]));
  h.add(500, new Map([['web', 0.2]]));
  t.same(h.series('web'), [{ atMs: 0, share: 0.2 }], 'a sample within the gap replaces the last');
  for (const at of [1_000, 2_000, 3_000]) h.add(at, new Map([['web', at / 10_000]]));
  t.same(h.series('web').map((s) => s.atMs), [1_000, 2_000, 3_000], 'the oldest go past the limit');
  t.equal(sharePath(h.series('web'), { width: 100, height: 50, fromMs: 1_000, toMs: 3_000, maxShare: 0.5 }), 'M0,40 L50,30 L100,20');
  t.equal(sharePath([{ atMs: 0, share: 2 }], { width: 10, height: 10, fromMs: 0, toMs: 10, maxShare: 1 }), 'M0,0 L10,0', 'one sample is a flat line, clamped to the top');
  t.equal(sharePath([], { width: 10, height: 10, fromMs: 0, toMs: 10, maxShare: 1 }), '');
  t.same(chartSpan([], 100_000), { fromMs: 70_000, toMs: 100_000 }, 'at least 30 s');
  t.same(chartSpan([{ atMs: 40_000, share: 0 }], 100_000), { fromMs: 40_000, toMs: 100_000 }, 'from the first sample');
  t.same(chartSpan([{ atMs: 0, share: 0 }], 1_000_000), { fromMs: 760_000, toMs: 1_000_000 }, 'at most 4 minutes');
});

t.test('task table: filters and the rows a viewport shows', async (t) => {
  const task = (id: string, state: string, agentId = 'a1'): TaskView => ({
    id, name: id, frameworkId: 'f1', agentId, state, reason: '', message: '', role: '*', resources: res({}), image: '', command: '', launchedAtMs: 0, updatedAtMs: 0, exitCode: 0, health: '', usage: null,
  });
  const tasks = [task('web-1', 'RUNNING'), task('web-2', 'STAGING'), task('db-1', 'RUNNING', 'a2')];
  t.same(filterTasks(tasks, { text: 'WEB', state: '' }).map((x) => x.id), ['web-1', 'web-2']);
  t.same(filterTasks(tasks, { text: '', state: 'RUNNING' }).map((x) => x.id), ['web-1', 'db-1']);
  t.same(filterTasks(tasks, { text: 'a2', state: 'RUNNING' }).map((x) => x.id), ['db-1']);
  t.same(visibleRows(10_000, { scrollTop: 0, heightPx: 600, rowPx: 30, overscan: 10 }), { start: 0, end: 31 });
  t.same(visibleRows(10_000, { scrollTop: 3_000, heightPx: 600, rowPx: 30, overscan: 10 }), { start: 90, end: 131 });
  t.same(visibleRows(50, { scrollTop: 99_999, heightPx: 600, rowPx: 30, overscan: 10 }), { start: 39, end: 50 }, 'scrolled past the end');
  t.same(visibleRows(0, { scrollTop: 0, heightPx: 600, rowPx: 30 }), { start: 0, end: 0 });
});

t.test('routes', async (t) => {
  t.same(parseRoute('/'), { view: 'overview' });
  t.same(parseRoute('/tasks', '?q=web'), { view: 'tasks', query: 'web' });
  t.same(parseRoute('/tasks/a%20b'), { view: 'task', id: 'a b' });
  t.same(parseRoute('/services/team%2Fweb'), { view: 'service', id: 'team/web' });
  t.same(parseRoute('/jobs/%2Fnightly'), { view: 'job', id: '/nightly' });
  t.same(parseRoute('/nowhere'), { view: 'unknown', path: '/nowhere' });
});

t.test('DAG layout: columns by longest path from a root, cycles cut', async (t) => {
  const layout = layoutDag([{ id: 'a', dependsOn: [] }, { id: 'b', dependsOn: ['a'] }, { id: 'c', dependsOn: ['a', 'b'] }, { id: 'd', dependsOn: [] }, { id: 'e', dependsOn: ['missing'] }]);
  t.same(layout.nodes, [{ id: 'a', column: 0, row: 0 }, { id: 'b', column: 1, row: 0 }, { id: 'c', column: 2, row: 0 }, { id: 'd', column: 0, row: 1 }, { id: 'e', column: 0, row: 2 }]);
  t.same(layout.edges, [{ from: 'a', to: 'b' }, { from: 'a', to: 'c' }, { from: 'b', to: 'c' }]);
  t.equal(layout.columns, 3);
  t.equal(layout.rows, 3);
  const cycle = layoutDag([{ id: 'x', dependsOn: ['y'] }, { id: 'y', dependsOn: ['x'] }]);
  t.equal(cycle.nodes.length, 2, 'a cycle still lays out');
});
