// Agent options are compiled once: defaults filled in, every field checked, every problem in one error.
import t, { type Test } from 'tap';
import { AGENT_DEFAULTS, ProcessRuntime, agentOptionProblems, compileAgentOptions, type AgentOptions } from '../../agent/index.js';
import { BerthError, ErrorCode, resources } from '../../protocol/index.js';
import { testLogger } from '../helpers/log.js';

const res = (cpus: number, memMb: number): ReturnType<typeof resources.empty> => ({ ...resources.empty(), cpus, memMb });

function base(t: Test): AgentOptions {
  return { masterUrl: 'ws://127.0.0.1:5050', runtime: new ProcessRuntime(), log: testLogger(), resources: res(2, 1024), workDir: t.testdir() };
}

t.test('defaults fill what is not given', async (t) => {
  const o = compileAgentOptions(base(t));
  t.equal(o.defaultKillGracePeriodMs, AGENT_DEFAULTS.defaultKillGracePeriodMs);
  t.equal(o.finishedRetentionMs, AGENT_DEFAULTS.finishedRetentionMs);
  t.equal(o.finishedMaxTasks, AGENT_DEFAULTS.finishedMaxTasks);
  t.same(o.reconnect, AGENT_DEFAULTS.reconnect);
  t.same(o.reservations, []);
  t.equal(compileAgentOptions({ ...base(t), defaultKillGracePeriodMs: 0 }).defaultKillGracePeriodMs, 0, '0 is a value, not a gap');
});

t.test('every bad field is named, all in one error', async (t) => {
  const bad: AgentOptions = {
    ...base(t),
    masterUrl: 'ftp://x:1,ws://ok:2',
    resources: res(0, 0),
    reservations: [{ role: 'Eng', resources: { ...res(4, 0), ports: [{ begin: 1, end: 2 }] } }],
    finishedMaxTasks: 1.5,
    memoryPressureFraction: 2,
    reconnect: { initialMs: 100, maxMs: 10 },
  };
  let caught: unknown;
  try {
    compileAgentOptions(bad);
  } catch (err) {
    caught = err;
  }
  t.ok(caught instanceof BerthError);
  const e = caught as BerthError;
  t.equal(e.code, ErrorCode.INVALID_CALL);
  t.same(e.field.split(',').sort(), ['finishedMaxTasks', 'masterUrl', 'memoryPressureFraction', 'reconnect.maxMs', 'reservations', 'reservations[0].resources.ports', 'reservations[0].role', 'resources.cpus', 'resources.memMb'].sort());
  t.match(e.message, /resources\.cpus must be greater than 0, got 0/);
  t.match(e.message, /memoryPressureFraction must be a number > 0 and <= 1, got 2/);
  t.match(e.message, /finishedMaxTasks must be a whole number >= 0, got 1\.5/);
});

t.test('masterUrl, runtime and log are required by compile, not by the flag check', async (t) => {
  const { runtime: _r, log: _l, masterUrl: _m, ...rest } = base(t);
  t.same(agentOptionProblems(rest), [], 'the CLI checks before it builds a runtime and a logger');
  t.throws(() => compileAgentOptions(rest as AgentOptions), { name: 'BerthError', field: 'masterUrl,runtime,log' } as unknown as Error);
});

t.test('the metrics listener options: a port from 0 to 65535, a non-empty host', async (t) => {
  t.same(agentOptionProblems({ ...base(t), metricsPort: 0, metricsHost: '127.0.0.1' }), []);
  t.same(agentOptionProblems({ ...base(t), metricsPort: 9100 }), [], 'no host: the default');
  const fields = (o: Partial<AgentOptions>): string[] => agentOptionProblems({ ...base(t), ...o }).map((p) => p.field);
  for (const metricsPort of [-1, 65_536, 1.5, Number.NaN]) t.same(fields({ metricsPort }), ['metricsPort'], `metricsPort ${metricsPort}`);
  t.same(fields({ metricsHost: ' ' }), ['metricsHost']);
});

t.test('the advertised address: 127.0.0.1 by default, a host name or an IP address', async (t) => {
  t.equal(compileAgentOptions(base(t)).advertiseAddress, '127.0.0.1');
  for (const advertiseAddress of ['10.1.2.3', 'node-7.rack1.example', '::1', 'fe80::1']) t.same(agentOptionProblems({ ...base(t), advertiseAddress }), [], advertiseAddress);
  for (const advertiseAddress of ['', 'http://10.1.2.3', '10.1.2.3:80', 'a b', '-x']) {
    t.match(agentOptionProblems({ ...base(t), advertiseAddress }), [{ field: 'advertiseAddress', rule: /host name or IP address/ }], JSON.stringify(advertiseAddress));
  }
});
