// The store's URL forms: one server (redis://, rediss://) or the primary Redis Sentinel names
// (redis-sentinel://), and the --redis / --redis-min-replicas flags that take them.
import t from 'tap';
import { masterCommand } from '../../cli/commands/master.js';
import { parseFlags, Problems, UsageError } from '../../cli/flags.js';
import { masterFlags } from '../../cli/master-flags.js';
import { parseRedisTarget, redactUrl } from '../../master/store/index.js';
import { ErrorCode } from '../../protocol/index.js';

t.test('server and sentinel URLs', async (t) => {
  t.same(parseRedisTarget('redis://127.0.0.1:6379'), { kind: 'server', url: 'redis://127.0.0.1:6379' });
  t.same(parseRedisTarget('rediss://berth:s3cret@127.0.0.1:6380/2'), { kind: 'server', url: 'rediss://berth:s3cret@127.0.0.1:6380/2' });
  t.same(parseRedisTarget('redis-sentinel://127.0.0.1:26379,127.0.0.1:26380/main'), {
    kind: 'sentinel', masterName: 'main', sentinels: [{ host: '127.0.0.1', port: 26379 }, { host: '127.0.0.1', port: 26380 }], username: undefined, password: undefined, tls: false,
  });
  t.same(parseRedisTarget('rediss-sentinel://berth:p%40ss@127.0.0.1:26379/main'), {
    kind: 'sentinel', masterName: 'main', sentinels: [{ host: '127.0.0.1', port: 26379 }], username: 'berth', password: 'p@ss', tls: true,
  });
  for (const bad of ['http://127.0.0.1', 'redis-sentinel://127.0.0.1/main', 'redis-sentinel://127.0.0.1:0/main', 'redis-sentinel://127.0.0.1:26379', 'redis-sentinel://h:99999/m', '']) {
    t.throws(() => parseRedisTarget(bad), { code: ErrorCode.BAD_REQUEST, field: 'url' }, `refused: '${bad}'`);
  }
  t.equal(redactUrl('redis-sentinel://berth:s3cret@127.0.0.1:26379/main'), 'redis-sentinel://***@127.0.0.1:26379/main');
});

t.test('--redis takes either form, --redis-min-replicas a small whole number; problems name the flag', async (t) => {
  const parse = (argv: string[]): { flags?: ReturnType<typeof masterFlags>; message: string } => {
    const problems = new Problems('master');
    const flags = masterFlags(parseFlags(masterCommand, argv).flags, problems);
    try {
      problems.throwIfAny();
      return { flags, message: '' };
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      return { message: err.message };
    }
  };
  const ok = parse(['--redis', 'redis-sentinel://127.0.0.1:26379/main', '--redis-min-replicas', '1']);
  t.equal(ok.message, '');
  t.equal(ok.flags?.redis, 'redis-sentinel://127.0.0.1:26379/main');
  t.equal(ok.flags?.redisMinReplicas, 1);
  t.equal(parse(['--redis', 'redis://127.0.0.1:6379']).flags?.redisMinReplicas, 0, 'no replicas awaited by default');
  t.match(parse(['--redis', 'mongodb://x']).message, /--redis must be a redis:\/\/ or rediss:\/\/ URL .*redis-sentinel:\/\/.*got 'mongodb:\/\/x'/);
  t.match(parse(['--redis-min-replicas', '17']).message, /--redis-min-replicas must be a whole number from 0 to 16, got '17'/);
});
