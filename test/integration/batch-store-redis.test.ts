// The BatchStore contract against RedisBatchStore on a real redis-server (a missing server fails
// the run under CI=true), plus what only Redis has: the key prefix and failures.
import { createClient } from 'redis';
import t from 'tap';
import { ErrorCode } from '../../protocol/index.js';
import { RedisBatchStore } from '../../frameworks/batch/store/index.js';
import { startRedis, uniquePrefix } from '../helpers/redis.js';
import { batchStoreContract, sampleRun } from './batch-store-contract.js';

void t.test('on a redis-server', async (t) => {
  const server = await startRedis(t);
  if (!server) return;

  void t.test('RedisBatchStore contract', async (t) => {
    batchStoreContract(t, async (t, auditLimit) => {
      const keyPrefix = uniquePrefix('batch');
      const opened: RedisBatchStore[] = [];
      const open = async () => {
        const s = await RedisBatchStore.open({ url: server.url, keyPrefix, ...(auditLimit === undefined ? {} : { auditMaxLen: auditLimit }) });
        opened.push(s);
        return s;
      };
      t.teardown(async () => {
        for (const s of opened) await s.close();
      });
      return { store: await open(), reopen: open };
    });
  });

  void t.test('every key is under the prefix', async (t) => {
    const keyPrefix = uniquePrefix('batch-keys');
    const store = await RedisBatchStore.open({ url: server.url, keyPrefix });
    t.teardown(() => store.close());
    await store.apply({ frameworkId: 'fw', runs: [sampleRun('r1')], events: [{ runId: 'r1', events: [{ type: 'tick', atMs: 1 }] }] });
    const raw = createClient({ url: server.url });
    raw.on('error', () => undefined);
    await raw.connect();
    t.teardown(() => raw.close());
    const keys = await raw.keys(`${keyPrefix}*`);
    t.ok(keys.length >= 3);
    t.ok(keys.every((k) => k.startsWith(keyPrefix)));
  });

  void t.test('a write while redis is away fails with STORE_UNAVAILABLE and writes nothing later', async (t) => {
    const keyPrefix = uniquePrefix('batch-down');
    const store = await RedisBatchStore.open({ url: server.url, keyPrefix, commandTimeoutMs: 1_000 });
    t.teardown(() => store.close());
    await server.stop();
    await t.rejects(store.apply({ runs: [sampleRun('r1')] }), { code: ErrorCode.STORE_UNAVAILABLE });
    await server.restart();
    const back = await RedisBatchStore.open({ url: server.url, keyPrefix });
    t.teardown(() => back.close());
    t.equal(await back.getRun('r1'), undefined);
  });
});

void t.test('open fails with STORE_UNAVAILABLE when nothing listens', async (t) => {
  await t.rejects(RedisBatchStore.open({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 500 }), { code: ErrorCode.STORE_UNAVAILABLE });
});

void t.test('open refuses an audit limit below 1, naming it', async (t) => {
  await t.rejects(RedisBatchStore.open({ url: 'redis://127.0.0.1:1', auditMaxLen: 0 }), { code: ErrorCode.INVALID_CALL, field: 'auditMaxLen' });
});
