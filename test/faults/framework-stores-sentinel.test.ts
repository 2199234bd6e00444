// The services and batch frameworks' own stores behind Redis Sentinel: opened with the same
// redis-sentinel:// URL the master takes, they follow the primary the sentinels name. What was
// written before the primary died (and reached the replica) is read back from the promoted
// replica, and writes go on there. Their writes are not WAITed for (docs/operations.md says so),
// so the test lets replication catch up before the kill rather than claim more than the stores do.
import t from 'tap';
import { RedisBatchStore } from '../../frameworks/batch/store/index.js';
import { RedisServicesStore } from '../../frameworks/services/store/index.js';
import { redisUrlProblem } from '../../protocol/index.js';
import { until } from '../helpers/poll.js';
import { uniquePrefix } from '../helpers/redis.js';
import { redisCommand, startSentinelGroup } from '../helpers/redis-sentinel.js';

/** Resolves once the replica has everything the primary holds. */
async function replicated(primaryPort: number): Promise<void> {
  await until('the replica has caught up', async () => {
    const info = (await redisCommand(primaryPort, ['INFO', 'replication'])) as string;
    const own = Number(/master_repl_offset:(\d+)/.exec(info)?.[1]);
    const replica = Number(/slave0:.*offset=(\d+)/.exec(info)?.[1]);
    return own > 0 && replica === own ? true : undefined;
  }, 10_000, 50);
}

const event = (id: string) => ({ id, atMs: 1, who: 'test', action: 'service.apply', subject: `service/${id}`, details: {}, result: 'ok' as const });

void t.test('the frameworks\' stores follow a Sentinel failover', async (t) => {
  const group = await startSentinelGroup(t);
  if (!group) return;
  t.equal(redisUrlProblem('--redis', group.url), undefined, 'a sentinel URL is a valid --redis for the frameworks');

  const services = await RedisServicesStore.connect(group.url, uniquePrefix('svc-sentinel'));
  t.teardown(() => services.close());
  const batch = await RedisBatchStore.open({ url: group.url, keyPrefix: uniquePrefix('batch-sentinel'), commandTimeoutMs: 2_000 });
  t.teardown(() => batch.close());

  await services.apply({ frameworkId: 'fw-services' });
  await services.appendAudit(event('before'));
  await batch.apply({ frameworkId: 'fw-batch' });
  await batch.appendAudit(event('before'));
  await replicated(group.primary.port);

  await group.primary.kill();
  await group.promoted();

  // The first commands after the failover may meet the dead primary; the client rediscovers.
  await until('the services store answers from the new primary', async () => (await services.frameworkId().catch(() => undefined)) ?? undefined, 30_000, 200);
  t.equal(await services.frameworkId(), 'fw-services', 'services: the framework id written before the failover is there');
  t.same((await services.audit(10)).map((e) => e.id), ['before'], 'services: the audit event written before the failover is there');
  t.equal(await batch.frameworkId(), 'fw-batch', 'batch: the framework id written before the failover is there');

  await services.apply({ frameworkId: 'fw-services-2' });
  await services.appendAudit(event('after'));
  await batch.apply({ frameworkId: 'fw-batch-2' });
  t.equal(await services.frameworkId(), 'fw-services-2', 'services: writes go on against the promoted replica');
  t.same((await services.audit(10)).map((e) => e.id), ['before', 'after'], 'services: the audit log goes on');
  t.equal(await batch.frameworkId(), 'fw-batch-2', 'batch: writes go on against the promoted replica');
});

void t.test('a --redis that is neither form names the rule', async (t) => {
  t.match(redisUrlProblem('--redis', 'redis-sentinel://127.0.0.1:99999/x'), /--redis must be .*redis-sentinel:\/\/.*got 'redis-sentinel:\/\/127\.0\.0\.1:99999\/x' \(sentinel "127\.0\.0\.1:99999" must be host:port with a port 1-65535/);
  t.match(redisUrlProblem('--redis', 'redis-sentinel://u:secret@127.0.0.1:26379'), /got 'redis-sentinel:\/\/\*\*\*@127\.0\.0\.1:26379'/, 'a password is not echoed');
  t.equal(redisUrlProblem('--redis', 'rediss://127.0.0.1:6380'), undefined);
});
