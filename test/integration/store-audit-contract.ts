// The audit part of the ClusterStore contract (run from storeContract): events are kept in order,
// with every field, bounded by the store's limit, across a restart when the store keeps state.
import type { Test } from 'tap';
import type { AuditEvent, ClusterStore } from '../../master/store/index.js';

export interface AuditHandle {
  store: ClusterStore;
  reopen?: (() => Promise<ClusterStore>) | undefined;
  /** A fresh store whose audit log keeps the newest `limit` events. */
  withAuditLimit(limit: number): Promise<ClusterStore>;
}

export function auditEvent(i: number, overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id: `audit-${i}`,
    atMs: 1_700_000_000_000 + i,
    who: i % 2 === 0 ? 'alice' : 'anonymous',
    action: 'agent.drain',
    subject: `agent/a-${i}`,
    details: { deadlineMs: 1_700_000_060_000 + i, note: { nested: [i] } },
    result: 'ok',
    ...overrides,
  };
}

export function auditContract(test: (name: string, body: (t: Test, h: AuditHandle) => Promise<void>) => void): void {
  test('audit events come back newest n, oldest first, every field kept', async (t, { store }) => {
    const failed = auditEvent(3, { action: 'task.kill', subject: 'task/t-9', result: 'failed', error: { code: 'TASK_UNKNOWN', message: 'task t-9 is unknown' } });
    const events = [auditEvent(1), auditEvent(2), failed, auditEvent(4)];
    for (const e of events) await store.appendAudit(e);
    t.same(await store.audit(100), events);
    t.same(await store.audit(2), events.slice(-2));
    t.same(await store.audit(0), []);
    t.same(await store.audit(-1), []);
  });

  test('the audit log keeps only the newest events past its limit', async (t, h) => {
    const store = await h.withAuditLimit(3);
    for (let i = 0; i < 7; i++) await store.appendAudit(auditEvent(i));
    t.same((await store.audit(100)).map((e) => e.id), ['audit-4', 'audit-5', 'audit-6']);
  });

  test('audit events need no leader and survive a restart', async (t, h) => {
    await h.store.appendAudit(auditEvent(1, { result: 'failed', error: { code: 'NOT_LEADER', message: 'this master is not the leader' } }));
    if (!h.reopen) return;
    await h.store.close();
    const reopened = await h.reopen();
    t.same((await reopened.audit(10)).map((e) => e.id), ['audit-1'], 'the event was durable when appendAudit resolved');
  });
}
