// The audit part of the services and batch store contracts: events come back newest n, oldest
// first, with every field; the store keeps only its newest `auditLimit`; an event is durable once
// appendAudit resolved, when the store keeps state.
import type { Test } from 'tap';
import type { FrameworkAuditEvent, FrameworkAuditStore } from '../../frameworks/sdk/index.js';

export interface AuditStoreHandle {
  store: FrameworkAuditStore & { close(): Promise<void> };
  reopen?: (() => Promise<FrameworkAuditStore>) | undefined;
}

/** A fresh store; with `auditLimit`, one that keeps only that many audit events. */
export type AuditStoreFactory = (t: Test, auditLimit?: number) => Promise<AuditStoreHandle>;

export function frameworkAuditEvent(i: number, overrides: Partial<FrameworkAuditEvent> = {}): FrameworkAuditEvent {
  return {
    id: `audit-${i}`,
    atMs: 1_700_000_000_000 + i,
    who: i % 2 === 0 ? 'alice' : 'anonymous',
    action: 'service.scale',
    subject: `service/team/web-${i}`,
    details: { instances: i, note: { nested: [i] } },
    result: 'ok',
    ...overrides,
  };
}

export function frameworkAuditContract(t: Test, open: AuditStoreFactory): void {
  void t.test('audit events come back newest n, oldest first, every field kept', async (t) => {
    const { store } = await open(t);
    t.same(await store.audit(10), []);
    const refused = frameworkAuditEvent(3, { result: 'refused', error: { code: 'NOT_FOUND', message: 'no service /team/web-3' } });
    const events = [frameworkAuditEvent(1), frameworkAuditEvent(2), refused, frameworkAuditEvent(4)];
    for (const e of events) await store.appendAudit(e);
    t.same(await store.audit(100), events);
    t.same(await store.audit(2), events.slice(-2));
    t.same(await store.audit(0), []);
  });

  void t.test('the audit log keeps only the newest events past its limit', async (t) => {
    const { store } = await open(t, 3);
    for (let i = 0; i < 7; i++) await store.appendAudit(frameworkAuditEvent(i));
    t.same((await store.audit(100)).map((e) => e.id), ['audit-4', 'audit-5', 'audit-6']);
  });

  void t.test('an audit event survives a restart once appendAudit resolved', async (t) => {
    const h = await open(t);
    await h.store.appendAudit(frameworkAuditEvent(1, { result: 'failed', error: { code: 'STORE_UNAVAILABLE', message: 'down' } }));
    t.same((await h.store.audit(10)).map((e) => e.id), ['audit-1']);
    if (!h.reopen) return;
    await h.store.close();
    const reopened = await h.reopen();
    t.same((await reopened.audit(10)).map((e) => [e.id, e.result]), [['audit-1', 'failed']]);
  });
}
