// How berth services prints the planner's steps and JSON Patch operations as text.
import t from 'tap';
import { endpointsText, patchLine, stepLine } from '../../cli/services/render.js';

t.test('every kind of step has a line', async (t) => {
  const now = Date.UTC(2026, 11, 1, 12);
  t.equal(stepLine({ kind: 'launch', version: 4, count: 1, placementHints: { placements: [], avoidAgentIds: [], pending: [] } }, now), 'launch 1 instance of version 4');
  t.equal(stepLine({ kind: 'kill', instanceIds: ['a', 'b'], reason: 'replaced by version 4' }, now), 'kill 2 instances (a, b): replaced by version 4');
  t.equal(stepLine({ kind: 'wait', until: { atMs: now + 90_000 }, why: 'restart backoff' }, now), 'wait 1m30s (until 2026-12-01 12:01:30): restart backoff');
  t.equal(stepLine({ kind: 'wait', until: { event: 'dependencies' }, why: '/team/db is deploying' }, now), 'wait for dependencies: /team/db is deploying');
  t.equal(stepLine({ kind: 'rollback', toVersion: 3, why: 'deadline passed' }, now), 'roll back to version 3: deadline passed');
  t.equal(stepLine({ kind: 'done' }, now), 'done');
});

t.test('patch operations print as op path value', async (t) => {
  t.equal(patchLine({ op: 'replace', path: '/container/image', value: 'busybox:1.36' }), 'replace /container/image "busybox:1.36"');
  t.equal(patchLine({ op: 'add', path: '/constraints/0', value: { field: 'hostname', operator: 'UNIQUE' } }), 'add /constraints/0 {"field":"hostname","operator":"UNIQUE"}');
  t.equal(patchLine({ op: 'remove', path: '/labels/tier' }), 'remove /labels/tier');
  t.equal(patchLine({ op: 'move', from: '/a', path: '/b' }), 'move /a /b');
  t.equal(patchLine({ op: 'replace', path: '', value: 1 }), 'replace / 1');
});

t.test('endpoints print in rotation first, then draining with how long they have drained', async (t) => {
  const now = Date.UTC(2026, 11, 1, 12);
  const e = (id: string, host: string) => ({ id, host, hostname: `h-${id}`, agentId: `a-${id}`, ports: { http: 31000, admin: 31001 }, version: 3 });
  const text = endpointsText({
    id: '/team/web', dnsName: 'web.team.services.berth', algorithm: 'round-robin', servicePorts: { http: 10080 }, killGracePeriodSeconds: 10,
    endpoints: [e('w1', '10.0.0.1')], draining: [{ ...e('w2', '10.0.0.2'), drainingSinceMs: now - 1_500 }],
  }, now);
  t.match(text, /^\/team\/web {2}web\.team\.services\.berth\n {2}algorithm {6}round-robin\n {2}service ports {2}http=10080\n/);
  t.match(text, /ENDPOINTS \(1 in rotation, 1 draining\)/);
  const rows = text.split('\n').filter((l) => /^ {2}w\d/.test(l));
  t.match(rows, [/^ {2}w1 +10\.0\.0\.1 +http=31000 admin=31001 +3 +h-w1 \(a-w1\) +in rotation$/, /^ {2}w2 +10\.0\.0\.2 .* draining 2s$/]);
  const none = endpointsText({ id: '/a', dnsName: 'a.services.berth', algorithm: 'least-connections', servicePorts: {}, killGracePeriodSeconds: 0, endpoints: [], draining: [] }, now);
  t.match(none, /service ports {2}none/);
  t.match(none, /ENDPOINTS \(0 in rotation\)\n {2}\(none\)/);
});
