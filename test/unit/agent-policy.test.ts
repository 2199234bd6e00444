import t from 'tap';
import { checkContainerPolicy, ContainerPolicyError, DEFAULT_POLICY, enforceContainerPolicy } from '../../agent/index.js';
import type { ContainerRequest } from '../../agent/index.js';

const request = (r: Partial<ContainerRequest>): ContainerRequest => ({ privileged: false, volumes: [], capAdd: [], ...r });
const mount = (hostPath: string, containerPath = '/data') => ({ hostPath, containerPath, readOnly: false });

t.test('nothing requested is allowed', async (t) => {
  t.same(checkContainerPolicy(undefined), []);
  t.same(checkContainerPolicy(request({})), []);
});

t.test('privileged is refused unless the operator allows it', async (t) => {
  const [refusal] = checkContainerPolicy(request({ privileged: true }));
  t.equal(refusal?.field, 'container.privileged');
  t.match(refusal?.message, /container\.privileged/);
  t.same(checkContainerPolicy(request({ privileged: true }), { ...DEFAULT_POLICY, allowPrivileged: true }), []);
});

t.test('sensitive host paths, paths under them and paths holding them are refused', async (t) => {
  for (const p of ['/', '/etc', '/etc/', '/etc/passwd', '/proc', '/sys/fs', '/dev', '/var/run/docker.sock', '/run/docker.sock',
    '/root/.ssh', '/boot', '/var/run', '/var', '/run', '/var/lib/docker/volumes', '/tmp/../etc', '//etc']) {
    const refusals = checkContainerPolicy(request({ volumes: [mount(p)] }));
    t.equal(refusals[0]?.field, 'container.volumes[0].hostPath', p);
    t.ok(refusals[0]?.message.includes(`"${p}"`), 'the message names the path');
  }
});

t.test('ordinary host paths are allowed', async (t) => {
  for (const p of ['/srv/data', '/tmp/cache', '/var/lib/myapp', '/data', '/mnt/scratch', '/home/alice/data']) {
    t.same(checkContainerPolicy(request({ volumes: [mount(p)] })), [], p);
  }
});

t.test('relative paths and a container path of / are refused', async (t) => {
  t.equal(checkContainerPolicy(request({ volumes: [mount('data')] }))[0]?.field, 'container.volumes[0].hostPath');
  t.equal(checkContainerPolicy(request({ volumes: [mount('/srv', '/')] }))[0]?.field, 'container.volumes[0].containerPath');
  t.equal(checkContainerPolicy(request({ volumes: [mount('/srv', 'x')] }))[0]?.field, 'container.volumes[0].containerPath');
});

t.test('an operator may allow one sensitive path exactly', async (t) => {
  const policy = { ...DEFAULT_POLICY, allowedHostPaths: ['/var/run/docker.sock'] };
  t.same(checkContainerPolicy(request({ volumes: [mount('/var/run/docker.sock')] }), policy), []);
  t.equal(checkContainerPolicy(request({ volumes: [mount('/var/run')] }), policy).length, 1, 'not its parent');
});

t.test('cap_add is refused unless the capability is allowed', async (t) => {
  const refusals = checkContainerPolicy(request({ capAdd: ['NET_ADMIN', 'SYS_TIME'] }), { ...DEFAULT_POLICY, allowedCapabilities: ['CAP_SYS_TIME'] });
  t.same(refusals.map((r) => r.field), ['container.capAdd[0]']);
  t.match(refusals[0]?.message, /NET_ADMIN/);
  t.same(checkContainerPolicy(request({ capAdd: ['net_admin'] }), { ...DEFAULT_POLICY, allowedCapabilities: ['ALL'] }), []);
});

t.test('every refusal is listed; enforce throws the first as a typed error', async (t) => {
  const r = request({ privileged: true, volumes: [mount('/etc')], capAdd: ['SYS_ADMIN'] });
  t.same(checkContainerPolicy(r).map((x) => x.field), ['container.privileged', 'container.volumes[0].hostPath', 'container.capAdd[0]']);
  t.throws(() => enforceContainerPolicy(r), ContainerPolicyError);
  try {
    enforceContainerPolicy(r);
  } catch (err) {
    t.equal((err as ContainerPolicyError).field, 'container.privileged');
  }
  t.doesNotThrow(() => enforceContainerPolicy(request({})));
});
