// The ServicesStore contract against RedisServicesStore on a real redis-server (a missing server
// fails the run under CI=true), plus what only Redis has: the key prefix and failures.
import { createClient } from 'redis';
import t from 'tap';
import { ErrorCode } from '../../protocol/index.js';
import { RedisServicesStore, newServiceState } from '../../frameworks/services/index.js';
import { startRedis, uniquePrefix } from '../helpers/redis.js';
import { sampleInstance, sampleSpec, servicesStoreContract } from './services-store-contract.js';

void t.test('on a redis-server', async (t) => {
  const server = await startRedis(t);
  if (!server) return;

  void t.test('RedisServicesStore contract', async (t) => {
    servicesStoreContract(t, async (t, auditLimit) => {
      const prefix = uniquePrefix('services');
      const opened: RedisServicesStore[] = [];
      const open = async () => {
        const s = await RedisServicesStore.connect(server.url, prefix, undefined, auditLimit === undefined ? {} : { auditMaxLen: auditLimit });
        opened.push(s);
        return s;
      };
      t.teardown(async () => {
        for (const s of opened) await s.close();
      });
      return { store: await open(), reopen: open };
    });
  });

  void t.test('every key is under the prefix, and another prefix sees nothing of it', async (t) => {
    const prefix = uniquePrefix('services-keys');
    const store = await RedisServicesStore.connect(server.url, prefix);
    t.teardown(() => store.close());
    await store.apply({ frameworkId: 'fw', services: [newServiceState(sampleSpec(), 1)], instances: [sampleInstance('web.v1.a')] });
    const raw = createClient({ url: server.url });
    raw.on('error', () => undefined);
    await raw.connect();
    t.teardown(() => raw.close());
    const keys = await raw.keys(`${prefix}*`);
    t.equal(keys.length, 3);
    t.ok(keys.every((k) => k.startsWith(prefix)));
    const other = await RedisServicesStore.connect(server.url, uniquePrefix('services-other'));
    t.teardown(() => other.close());
    t.same(await other.listServices(), []);
    t.equal(await other.frameworkId(), undefined);
  });

  void t.test('a write while redis is away fails with STORE_UNAVAILABLE and writes nothing later', async (t) => {
    const prefix = uniquePrefix('services-down');
    const store = await RedisServicesStore.connect(server.url, prefix);
    t.teardown(() => store.close());
    await server.stop();
    await t.rejects(store.apply({ instances: [sampleInstance('web.v1.a')] }), { code: ErrorCode.STORE_UNAVAILABLE });
    await server.restart();
    const back = await RedisServicesStore.connect(server.url, prefix);
    t.teardown(() => back.close());
    t.same(await back.listInstances(), []);
  });
});

void t.test('connect fails with STORE_UNAVAILABLE when nothing listens', async (t) => {
  await t.rejects(RedisServicesStore.connect('redis://127.0.0.1:1'), { code: ErrorCode.STORE_UNAVAILABLE });
});

void t.test('connect refuses an audit limit below 1, naming it', async (t) => {
  await t.rejects(RedisServicesStore.connect('redis://127.0.0.1:1', 'p:', undefined, { auditMaxLen: 0 }), { code: ErrorCode.INVALID_CALL, field: 'auditMaxLen' });
});

void t.test('connect refuses an empty prefix, naming it', async (t) => {
  await t.rejects(RedisServicesStore.connect('redis://127.0.0.1:1', ''), { code: ErrorCode.INVALID_CALL, field: 'prefix' });
});
