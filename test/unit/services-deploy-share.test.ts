// A role's dominant share before and after a deployment, for the plan's preview.
import t from 'tap';
import { dominantShare, dominantShareChange } from '../../frameworks/services/index.js';

const totals = { cpus: 100, memMb: 1000, diskMb: 0 };

t.test('the dominant share is the largest share of any resource the cluster has', async (t) => {
  t.same(dominantShare({ cpus: 10, memMb: 300, diskMb: 50 }, totals), { share: 0.3, resource: 'memMb' });
  t.same(dominantShare({ cpus: 0, memMb: 0, diskMb: 0 }, totals), { share: 0, resource: undefined });
});

t.test('before and after: 10 more instances of 2 cpus and 10 MB turn cpus dominant', async (t) => {
  const r = dominantShareChange({ cpus: 10, memMb: 150, diskMb: 0 }, { cpus: 20, memMb: 100, diskMb: 0 }, totals);
  t.same(r.before, { share: 0.15, resource: 'memMb' });
  t.same(r.after, { share: 0.3, resource: 'cpus' });
  const release = dominantShareChange({ cpus: 10, memMb: 150, diskMb: 0 }, { cpus: -20, memMb: -150, diskMb: 0 }, totals);
  t.same(release.after, { share: 0, resource: undefined }, 'releasing more than held stops at nothing');
});
