// The ServicesStore contract: one suite every implementation passes (MemoryServicesStore,
// RedisServicesStore). Each test gets a fresh, empty store from the factory.
import type { Test } from 'tap';
import { frameworkAuditContract } from './framework-audit-contract.js';
import { applySpec, newServiceState, parseServiceDocument, type InstanceRecord, type ServiceSpec, type ServicesStore } from '../../frameworks/services/index.js';

export interface ServicesStoreHandle {
  store: ServicesStore;
  /** Opens the same state again as a restarted process would; undefined when nothing survives. */
  reopen?: (() => Promise<ServicesStore>) | undefined;
}

/** A fresh, empty store; `auditLimit` bounds its audit log. */
export type ServicesStoreFactory = (t: Test, auditLimit?: number) => Promise<ServicesStoreHandle>;

export function sampleSpec(id = '/team/web', instances = 2): ServiceSpec {
  const parsed = parseServiceDocument({ id, instances, container: { image: 'busybox:latest', command: 'httpd -f -p $PORT0' }, resources: { cpus: 0.1, memMb: 16, ports: [{ name: 'http' }] } });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.services[0]!;
}

export function sampleInstance(taskId: string, serviceId = '/team/web'): InstanceRecord {
  return { taskId, serviceId, version: 1, agentId: 'a1', hostname: 'host1', ports: { http: 31000 }, launchedAtMs: 1_000 };
}

export function servicesStoreContract(t: Test, open: ServicesStoreFactory): void {
  frameworkAuditContract(t, open);
  void t.test('starts empty', async (t) => {
    const { store } = await open(t);
    t.equal(await store.frameworkId(), undefined);
    t.same(await store.listServices(), []);
    t.same(await store.listInstances(), []);
    t.equal(await store.getService('/nope'), undefined);
  });

  void t.test('keeps the framework id and service states; a newer state replaces the older', async (t) => {
    const { store } = await open(t);
    const v1 = newServiceState(sampleSpec(), 10);
    await store.apply({ frameworkId: 'fw-1', services: [v1, newServiceState(sampleSpec('/team/db', 1), 10)] });
    t.equal(await store.frameworkId(), 'fw-1');
    t.same(await store.getService('/team/web'), JSON.parse(JSON.stringify(v1)));
    const v2 = applySpec(v1, sampleSpec('/team/web', 5), 20);
    await store.apply({ services: [v2] });
    const got = await store.getService('/team/web');
    t.equal(got?.targetVersion, 2);
    t.equal(got?.versions.length, 2);
    t.equal(got?.history[0]?.phase, 'superseded', 'the history travels with the state');
    t.same((await store.listServices()).map((s) => s.id).sort(), ['/team/db', '/team/web']);
    t.equal(await store.frameworkId(), 'fw-1', 'a change without a framework id leaves it');
  });

  void t.test('instance records are written with the state and removed by task id', async (t) => {
    const { store } = await open(t);
    await store.apply({ services: [newServiceState(sampleSpec(), 1)], instances: [sampleInstance('web.v1.a'), sampleInstance('web.v1.b')] });
    t.same((await store.listInstances()).map((i) => i.taskId).sort(), ['web.v1.a', 'web.v1.b']);
    t.same((await store.listInstances()).find((i) => i.taskId === 'web.v1.a'), sampleInstance('web.v1.a'));
    await store.apply({ instances: [sampleInstance('web.v1.c')], removeInstances: ['web.v1.a'] });
    t.same((await store.listInstances()).map((i) => i.taskId).sort(), ['web.v1.b', 'web.v1.c']);
  });

  void t.test('removing a service deletes its state only', async (t) => {
    const { store } = await open(t);
    await store.apply({ services: [newServiceState(sampleSpec(), 1)], instances: [sampleInstance('web.v1.a')] });
    await store.apply({ removeServices: ['/team/web'] });
    t.equal(await store.getService('/team/web'), undefined);
    t.equal((await store.listInstances()).length, 1, 'its instances stay recorded until they end');
  });

  void t.test('values read back are copies: changing them changes nothing stored', async (t) => {
    const { store } = await open(t);
    await store.apply({ services: [newServiceState(sampleSpec(), 1)], instances: [sampleInstance('web.v1.a')] });
    const s = (await store.getService('/team/web'))!;
    s.targetVersion = 99;
    (await store.listInstances())[0]!.version = 7;
    t.equal((await store.getService('/team/web'))?.targetVersion, 1);
    t.equal((await store.listInstances())[0]?.version, 1);
  });

  void t.test('state survives a reopen where the implementation keeps it', async (t) => {
    const handle = await open(t);
    if (!handle.reopen) {
      t.plan(0, 'nothing survives this implementation by design');
      return;
    }
    await handle.store.apply({ frameworkId: 'fw-9', services: [newServiceState(sampleSpec(), 1)], instances: [sampleInstance('web.v1.a')] });
    await handle.store.close();
    const again = await handle.reopen();
    t.equal(await again.frameworkId(), 'fw-9');
    t.equal((await again.getService('/team/web'))?.id, '/team/web');
    t.same((await again.listInstances()).map((i) => i.taskId), ['web.v1.a']);
  });
}
