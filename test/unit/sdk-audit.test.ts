// FrameworkAudit and its input rules, without a server: who and limit are checked with the field
// they name; big details are kept as their size; events are written in order, one per success.
import t from 'tap';
import { auditReadLimit, auditUser, FrameworkAudit, MemoryAuditLog } from '../../frameworks/sdk/index.js';

void t.test('who: the header, anonymous without one, refused when not printable ASCII up to 128', async (t) => {
  t.equal(auditUser(undefined), 'anonymous');
  t.equal(auditUser('alice'), 'alice');
  t.equal(auditUser(['a', 'b']), 'a,b');
  t.equal(auditUser('x'.repeat(128)), 'x'.repeat(128));
  for (const bad of ['', ' lead', 'x'.repeat(129), 'tab\there', 'caf\u00e9']) t.match(auditUser(bad), { field: 'x-berth-user', message: /printable ASCII/ }, JSON.stringify(bad));
});

void t.test('limit: 100 when absent, a whole number from 1 to 10000 else', async (t) => {
  t.equal(auditReadLimit(null), 100);
  t.equal(auditReadLimit('1'), 1);
  t.equal(auditReadLimit('10000'), 10_000);
  for (const bad of ['', '0', '10001', '2.0', '1e3', ' 5']) t.match(auditReadLimit(bad), { field: 'limit' }, JSON.stringify(bad));
});

void t.test('record: one event per success, the failure kind chosen by the caller, details bounded', async (t) => {
  const log = new MemoryAuditLog();
  const audit = new FrameworkAudit(log, () => 42);
  const value = await audit.record({ who: 'alice', what: { action: 'job.submit', subject: 'job/*' }, refused: () => true, done: (ids: string[]) => ids.map((id) => ({ action: 'job.submit', subject: `job${id}` })) }, async () => ['/a', '/b']);
  t.same(value, ['/a', '/b']);
  const refusal = Object.assign(new Error('no job /x'), { code: 'NOT_FOUND' });
  await t.rejects(audit.record({ who: 'bob', what: { action: 'job.run', subject: 'job/x', details: { params: { p: 'x'.repeat(5000) } } }, refused: (e) => e === refusal }, () => Promise.reject(refusal)), refusal);
  await t.rejects(audit.record({ who: 'bob', what: { action: 'run.cancel', subject: 'run/r' }, refused: () => false }, () => Promise.reject(new TypeError('boom'))));
  const events = await log.audit(10);
  t.same(events.map((e) => [e.who, e.subject, e.result, e.atMs, e.error]), [
    ['alice', 'job/a', 'ok', 42, undefined],
    ['alice', 'job/b', 'ok', 42, undefined],
    ['bob', 'job/x', 'refused', 42, { code: 'NOT_FOUND', message: 'no job /x' }],
    ['bob', 'run/r', 'failed', 42, { code: 'INTERNAL', message: 'boom' }],
  ]);
  t.match(events[2]!.details, { truncated: true, bytes: Number });
  t.not(events[0]!.id, events[1]!.id);
});

void t.test('a retention limit below 1 is refused', async (t) => {
  t.throws(() => new MemoryAuditLog(0), { code: 'INVALID_CALL', field: 'auditLimit' });
  t.throws(() => new MemoryAuditLog(1.5), { code: 'INVALID_CALL', field: 'auditLimit' });
});
