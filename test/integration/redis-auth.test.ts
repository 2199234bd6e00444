// Redis ACL users: the store authenticates with the user and password in its URL; a wrong password
// fails open() with a clear error (not a hang), and the URL in it has its credentials hidden.
import t from 'tap';
import { RedisStore } from '../../master/store/index.js';
import { startRedis, uniquePrefix } from '../helpers/redis.js';
import { elect } from './store-contract.js';

void t.test('an ACL user and password in the URL', async (t) => {
  const redis = await startRedis(t, { configText: 'user default off\nuser berth on >s3cret ~* &* +@all\n' });
  if (!redis) return;
  const store = await RedisStore.open({ url: `redis://berth:s3cret@127.0.0.1:${redis.port}`, keyPrefix: uniquePrefix('auth'), connectTimeoutMs: 2_000 });
  t.teardown(() => store.close());
  const { epoch } = await elect(t, store, 'm1');
  t.ok(epoch > 0, 'elected through the authenticated connection');

  const err = await RedisStore.open({ url: `redis://berth:wrong@127.0.0.1:${redis.port}`, keyPrefix: uniquePrefix('auth'), connectTimeoutMs: 1_000 }).catch((e: unknown) => e as Error);
  t.type(err, Error, 'a wrong password fails open()');
  t.notMatch(String((err as Error).message), /wrong/, 'the password is not in the message');
  t.match(String((err as Error).message), /WRONGPASS|invalid username-password/, `says why: ${(err as Error).message}`);
});
