// The kernel-log OOM witness: records from the kernels we meet, read from a plain file standing in
// for /dev/kmsg (whose reads return one record each; a file's may cut one in two).
import t from 'tap';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KernelOomLog, oomContainerId } from '../../agent/runtime/kernel-oom-log.js';

const A = 'c69f7a94675a6d3dbfa965e17b8597a352bf408bf623e1834911dc2fe0d1880b';
const B = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

// As read off a 6.x kernel with the cgroupfs driver, cgroup v1.
const CGROUPFS = `6,440,165552705,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=${A},mems_allowed=0,oom_memcg=/docker/${A},task_memcg=/docker/${A},task=dd,pid=3826,uid=0`;
// The systemd driver names the scope; the id is inside it.
const SYSTEMD = `6,512,99,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/system.slice/docker-${B}.scope,task_memcg=/system.slice/docker-${B}.scope,task=python3,pid=77,uid=0`;
// Kernels before 4.19.
const OLD = `3,120,5,-;Task in /docker/${B} killed as a result of limit of /docker/${B}`;

t.test('finds the container id in an OOM-kill record', async (t) => {
  t.equal(oomContainerId(CGROUPFS), A);
  t.equal(oomContainerId(SYSTEMD), B);
  t.equal(oomContainerId(OLD), B);
});

t.test('ignores records that are not OOM kills', async (t) => {
  t.equal(oomContainerId(`6,390,165552126,-;memory: usage 16384kB, limit 16384kB, failcnt 0`), undefined);
  t.equal(oomContainerId(`6,393,1,-;Memory cgroup stats for /docker/${A}:`), undefined);
  t.equal(oomContainerId(`4,341,6,-;oom_control is deprecated and will be removed.`), undefined);
  // An OOM kill outside any container (the host's own memory ran out).
  t.equal(oomContainerId('6,9,1,-;oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/,task=java,pid=5,uid=0'), undefined);
});

t.test('answers from every record written before the question', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'berth-kmsg-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'kmsg');
  // Long filler lines so that records straddle the reader's 8 KiB reads.
  const filler = Array.from({ length: 40 }, (_, i) => `6,${i},1,-;${'x'.repeat(300 + i)}`).join('\n');
  await writeFile(file, `${filler}\n${CGROUPFS}\n${filler}\n`);
  const log = new KernelOomLog(file);
  t.teardown(() => log.close());
  t.equal(await log.killedIn(A), true, 'the container in the record');
  t.equal(await log.killedIn(B), false, 'another container');
  await appendFile(file, `${SYSTEMD}\n`);
  t.equal(await log.killedIn(B), true, 'a record written after the first question');
  const both = await Promise.all([log.killedIn(A), log.killedIn(B)]);
  t.same(both, [true, true], 'questions asked at once are answered in turn');
});

t.test('cannot tell without a kernel log', async (t) => {
  const log = new KernelOomLog('/nonexistent/kmsg');
  t.equal(await log.killedIn(A), undefined);
  await log.close();
});
