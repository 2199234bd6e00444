// Master options are compiled once: defaults filled in, every field checked, every problem in one error.
import t from 'tap';
import { BerthError, ErrorCode } from '../../protocol/index.js';
import { DrfAllocator, MASTER_DEFAULTS, MemoryStore, compileMasterOptions, masterOptionProblems, masterRule, type MasterOptions } from '../../master/index.js';
import { testLogger } from '../helpers/log.js';

async function base(): Promise<MasterOptions> {
  return { masterId: 'm1', url: 'ws://127.0.0.1:5050', store: await MemoryStore.open(), log: testLogger() };
}

t.test('defaults fill what is not given (undefined counts as not given)', async (t) => {
  const o = compileMasterOptions({ ...(await base()), leaseMs: undefined, offerTimeoutMs: 0 });
  t.equal(o.leaseMs, MASTER_DEFAULTS.leaseMs);
  t.equal(o.offerTimeoutMs, 0, '0 is a value, not a gap');
  t.same(o.minOffer, MASTER_DEFAULTS.minOffer);
  t.ok(o.allocator instanceof DrfAllocator);
  t.equal(o.roles.size, 0);
});

t.test('every bad field is named, all in one error', async (t) => {
  const bad = { ...(await base()), masterId: '', url: 'http://x', leaseMs: -1, unreachableRateFraction: 2, completedTasksKept: 1.5, heartbeatIntervalMs: Number.NaN, minOffer: { cpus: -1, memMb: 32 } };
  let caught: unknown;
  try {
    compileMasterOptions(bad);
  } catch (err) {
    caught = err;
  }
  t.ok(caught instanceof BerthError);
  const e = caught as BerthError;
  t.equal(e.code, ErrorCode.INVALID_CALL);
  t.same(e.field.split(',').sort(), ['completedTasksKept', 'heartbeatIntervalMs', 'leaseMs', 'masterId', 'minOffer.cpus', 'unreachableRateFraction', 'url']);
  t.match(e.message, /leaseMs must be > 0, got -1/);
  t.match(e.message, /unreachableRateFraction must be > 0 and <= 1, got 2/);
  t.match(e.message, /completedTasksKept must be an integer >= 0/);
});

t.test('a store and a logger are required', async (t) => {
  const o = await base();
  t.throws(() => compileMasterOptions({ ...o, store: {} as MasterOptions['store'], log: {} as MasterOptions['log'] }), { name: 'BerthError', field: 'store,log' } as unknown as Error);
});

t.test('roles given as options are checked too', async (t) => {
  const o = await base();
  t.throws(() => compileMasterOptions({ ...o, roles: new Map([['eng', { weight: 0 }], ['Bad Role', { weight: 1 }]]) }), { name: 'BerthError', field: 'roles.eng.weight,roles.Bad Role' } as unknown as Error);
  t.equal(compileMasterOptions({ ...o, roles: new Map([['eng/ml', { weight: 2 }]]) }).roles.get('eng/ml')?.weight, 2);
});

t.test('masterOptionProblems checks what is given, field by field, without the fields built later', async (t) => {
  t.same(masterOptionProblems({}), [], 'no store, logger, id or url yet: nothing to say');
  t.same(masterOptionProblems({ leaseMs: 0, roles: new Map([['eng', { weight: -1 }]]) }), [
    { field: 'roles.eng.weight', rule: 'must be > 0', got: '-1' },
    { field: 'leaseMs', rule: 'must be > 0', got: '0' },
  ]);
  t.equal(masterRule('offerTimeoutMs'), '>= 0');
  t.equal(masterRule('completedTasksKept'), '>= 0, whole');
});
