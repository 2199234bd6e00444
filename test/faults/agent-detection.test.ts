// How fast a master notices a silent agent, and the grace a new leader gives agents that have not
// re-registered yet. Found from outside: a silent agent was marked unreachable seconds after the
// documented bound (the master pinged at its default interval whatever --heartbeat-interval said,
// and checked the timeout only at ping ticks); and a new leader marked agents that had not come
// back unreachable right at the end of --failover-reregister-timeout, without the
// --agent-reregister-timeout grace a live leader gives an agent whose connection dropped.
import t from 'tap';
import { TaskReason, TaskState as S } from '../../protocol/index.js';
import { testAgent, testFramework } from '../helpers/cluster.js';
import { getState } from '../helpers/master.js';
import { DETECTION_BOUND_MS, FAST, faultMaster, fastLivenessArgs, proxiedAgent, runSleepers, stateOf } from '../helpers/partition-cluster.js';
import { until } from '../helpers/poll.js';
import { leaderOf, spawnMaster } from '../helpers/processes.js';
import { startRedis } from '../helpers/redis.js';
import { FaultProxy } from '../helpers/fault-proxy.js';

/** Timers and the event loop of a busy 2-core machine; far below the interval a tick used to add. */
const SLACK_MS = 1_000;

void t.test('a silent agent is marked unreachable within 3 x --heartbeat-interval + --agent-reregister-timeout', async (t) => {
  const master = await faultMaster(t);
  const fw = await testFramework(t, master.url, { name: 'unaware', partitionAware: false });
  const { agentId, proxy } = await proxiedAgent(t, master.port, 0);
  await runSleepers(fw, agentId, ['silent-1']);

  const cutAtMs = Date.now();
  proxy.blackhole();
  const lost = await fw.next('silent-1 LOST', stateOf('silent-1', S.TASK_LOST), 0, 30_000);
  const tookMs = lost.timestampMs - cutAtMs;
  t.equal(lost.reason, TaskReason.AGENT_UNREACHABLE, 'lost because its agent went unreachable');
  t.ok(tookMs <= DETECTION_BOUND_MS + SLACK_MS, `marked ${tookMs} ms after the cut; the bound is ${DETECTION_BOUND_MS} ms`);
  // The last thing the master heard came at most one interval before the cut.
  t.ok(tookMs >= DETECTION_BOUND_MS - FAST.heartbeatMs - 100, `not before the heartbeat timeout and the grace ran out (${tookMs} ms)`);
  t.equal((await getState(master.http)).agents.find((a) => a.id === agentId)?.state, 'unreachable', 'the master lists the agent unreachable');
});

void t.test('a new leader gives an agent that has not re-registered the same grace a live leader gives', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const windowMs = 1_500;
  const graceMs = 2_000;
  const args = [...fastLivenessArgs({ reregisterMs: graceMs, failoverReregisterMs: windowMs }), '--redis', redis.url, '--lease', '1s'];
  const first = await spawnMaster(t, args);
  await leaderOf([first]);
  const fw = await testFramework(t, first.url, { name: 'unaware', partitionAware: false });
  // The agent reaches only the first master, so it never re-registers with the second.
  const proxy = await FaultProxy.start(t, first.port);
  const agent = await testAgent(t, `ws://127.0.0.1:${proxy.port}`, 'process', { hostname: 'stays-away' });
  await runSleepers(fw, agent.agentId, ['kept-1']);
  proxy.blackhole();
  first.proc.kill('SIGKILL');

  const second = await spawnMaster(t, args);
  const { master } = await leaderOf([second], 15_000);
  const leadingAtMs = Date.now();
  const marked = await until('the agent marked unreachable by the new leader', async () => {
    const state = await getState(master.http);
    return state.agents.find((a) => a.id === agent.agentId)?.state === 'unreachable' ? Date.now() : undefined;
  }, 30_000, 25);
  const tookMs = marked - leadingAtMs;
  t.ok(tookMs >= windowMs + graceMs - 500, `the window (${windowMs} ms) and then the grace (${graceMs} ms) before the mark: ${tookMs} ms`);
  t.ok(tookMs <= windowMs + graceMs + SLACK_MS, `and not much later (${tookMs} ms)`);
});
