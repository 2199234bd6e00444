// A worker thread running a slice of the hollow agents (full agents, or the compact pool), so the
// bench harness can use every core; it reports its own event-loop busyness and lag, since a
// saturated worker makes a run invalid too, and its own CPU time.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { Agent } from '../agent/index.js';
import { AGENT_RES, startAgents, threadCpuSeconds, type HollowAgentOptions } from './cluster-kit.js';
import { HollowPool } from './hollow-pool.js';

interface Setup {
  count: number;
  offset: number;
  masterUrl: string;
  root: string;
  agentOptions: HollowAgentOptions;
}

const setup = workerData as Setup;
const port = parentPort;
if (!port) throw new Error('hollow-worker runs as a worker thread');
let agents: Agent[] = [];
let pool: HollowPool | undefined;
let lag = monitorEventLoopDelay({ resolution: 10 });
let elu0 = performance.eventLoopUtilization();

port.on('message', (msg: { type: string }) => {
  void (async () => {
    if (msg.type === 'measure') {
      lag = monitorEventLoopDelay({ resolution: 10 });
      lag.enable();
      elu0 = performance.eventLoopUtilization();
      port.postMessage({ type: 'measuring' });
    } else if (msg.type === 'report') {
      lag.disable();
      port.postMessage({
        type: 'report',
        elu: performance.eventLoopUtilization(elu0).utilization,
        lagP99Ms: lag.percentile(99) / 1e6,
        disconnects: pool?.counters.disconnects ?? 0,
        resent: pool?.counters.resent ?? 0,
      });
    } else if (msg.type === 'cpu') {
      port.postMessage({ type: 'cpu', seconds: threadCpuSeconds() });
    } else if (msg.type === 'stop') {
      await pool?.stop();
      await Promise.all(agents.map((a) => a.stop({ killTasks: false }).catch(() => undefined)));
      port.postMessage({ type: 'stopped' });
    }
  })();
});

if (setup.agentOptions.compact) {
  if (setup.agentOptions.durationEnv) throw new Error('the compact hollow pool runs tasks that all run one duration (or until killed)');
  const { taskDurationMs, sizes } = setup.agentOptions;
  pool = new HollowPool({
    masterUrl: setup.masterUrl, offset: setup.offset, count: setup.count, cpus: AGENT_RES.cpus, memMb: AGENT_RES.memMb, resendMs: 10_000,
    ...(taskDurationMs === undefined ? {} : { taskDurationMs }),
    ...(sizes ? { sizes } : {}),
  });
  await pool.start();
} else {
  agents = await startAgents(setup.count, setup.masterUrl, setup.root, setup.agentOptions, setup.offset);
}
port.postMessage({ type: 'ready' });
