// Prometheus metrics for one master, in a registry of its own (several masters may share a process in tests).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import { dominantShare } from './allocator/dominant-share.js';
import type { ChannelCounters } from '../protocol/index.js';
import type { Master } from './master.js';

export function masterMetrics(master: Master, channels: ChannelCounters, options: { processMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'berth_master_' });
  const counter = (name: string, help: string, read: () => number): void => {
    // Counters are read from the master's own tallies at scrape time.
    new Counter({ name, help, registers: [registry], collect() { this.reset(); this.inc(read()); } });
  };
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
  };
  counter('berth_master_allocation_runs_total', 'Allocation runs.', () => master.counters.allocationRuns);
  counter('berth_master_allocation_seconds_total', 'Time spent in the allocator.', () => master.counters.allocationMs / 1000);
  counter('berth_master_allocation_changed_runs_total', 'Allocation runs that visited only the agents changed since the run before (the others visited every agent).', () => master.allocationStats.changedRuns);
  counter('berth_master_allocation_agents_visited_total', 'Agents the allocation runs visited.', () => master.allocationStats.agentsVisited);
  counter('berth_master_offers_made_total', 'Offers sent to frameworks.', () => master.counters.offersMade);
  counter('berth_master_offers_declined_total', 'Offers frameworks declined.', () => master.counters.offersDeclined);
  counter('berth_master_offers_rescinded_total', 'Offers the master took back (agent gone or draining, resources needed elsewhere).', () => master.counters.offersRescinded);
  counter('berth_master_task_launches_total', 'Tasks launched.', () => master.counters.launches);
  counter('berth_master_status_updates_total', 'Status updates received from agents.', () => master.counters.statusUpdates);
  counter('berth_master_duplicate_status_updates_total', 'Re-sent status updates recognised and not applied again.', () => master.counters.duplicateUpdates);
  counter('berth_master_malformed_frames_total', 'Frames that could not be decoded (the connection was closed).', () => channels.malformedFrames);
  counter('berth_master_oversize_frames_total', 'Frames over the payload limit.', () => channels.oversizeFrames);
  counter('berth_master_heartbeat_timeouts_total', 'Connections closed for missed heartbeats.', () => channels.heartbeatTimeouts);
  counter('berth_master_handshake_failures_total', 'Connections refused at the handshake.', () => channels.handshakeFailures);
  gauge('berth_master_epoch', 'The leader epoch this master holds (0 when not leading).', () => (master.leadership === 'leading' ? master.epoch : 0));
  gauge('berth_master_leading', '1 when this master leads.', () => (master.leadership === 'leading' ? 1 : 0));
  // One count from the registry per scrape, taken by the first of these gauges to be written out
  // (collect runs just before a metric is serialised, in registration order); the state view
  // would cost an object per task.
  let view: ReturnType<Master['metricsView']> = master.metricsView();
  new Gauge({
    name: 'berth_master_tasks',
    help: 'Live tasks by state.',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      view = master.metricsView();
      this.reset();
      for (const [state, n] of view.tasksByState) this.set({ state }, n);
    },
  });
  new Gauge({
    name: 'berth_master_agents',
    help: 'Agents by connection.',
    labelNames: ['connected'],
    registers: [registry],
    collect() {
      this.set({ connected: 'true' }, view.agentsConnected);
      this.set({ connected: 'false' }, view.agentsDisconnected);
    },
  });
  // One series per agent: thousands at scale, built without prom-client's per-label bookkeeping
  // and each written out in a turn of the event loop of its own (below).
  const turns = { last: Promise.resolve() };
  perAgentGauge(registry, turns, 'berth_master_agent_cpu_percent', 'CPU use each agent last reported.', () => view.usage.map((u) => ({ labels: { agent_id: u.agentId }, value: u.cpuPercent })));
  perAgentGauge(registry, turns, 'berth_master_agent_memory_bytes', 'Memory use each agent last reported.', () => view.usage.map((u) => ({ labels: { agent_id: u.agentId }, value: u.memBytes })));
  new Gauge({
    name: 'berth_master_role_dominant_share',
    help: "Each role's dominant share: the largest fraction of any resource of the connected agents its frameworks hold.",
    labelNames: ['role'],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of master.roles()) this.set({ role: r.name }, dominantShare(r.allocated, view.clusterTotal));
    },
  });
  new Gauge({
    name: 'berth_master_role_weight',
    help: "Each role's weight (its fair share is in proportion to it).",
    labelNames: ['role'],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of master.roles()) this.set({ role: r.name }, r.weight);
    },
  });
  const latency = new Histogram({
    name: 'berth_master_status_update_seconds',
    help: 'Time from an agent status update arriving to it being persisted, acknowledged and forwarded to its framework.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  master.statusUpdateObservers.add((ms) => latency.observe(ms / 1000));
  gauge('berth_master_agents_under_pressure', 'Agents that report resource pressure.', () => view.usage.filter((u) => u.underPressure).length);
  return registry;
}

/**
 * A gauge with a series per agent, read at scrape time. Through Gauge.set, 5,000 agents' two
 * gauges held the master for about 70 ms per scrape (label hashing, then formatting, all in one
 * turn); here the values go straight to the registry's formatter, and each such gauge is written
 * in a later turn of the event loop, so agents and frameworks are served in between.
 */
function perAgentGauge(registry: Registry, turns: { last: Promise<void> }, name: string, help: string, read: () => { labels: { agent_id: string }; value: number }[]): void {
  const metric = {
    name,
    help,
    type: 'gauge',
    aggregator: 'sum',
    get: async () => {
      // After the gauge before it, and then a turn of the event loop.
      const turn = turns.last.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
      turns.last = turn;
      await turn;
      return { name, help, type: 'gauge', aggregator: 'sum', values: read() };
    },
    reset: () => undefined,
  };
  registry.registerMetric(metric as unknown as Metric);
}
