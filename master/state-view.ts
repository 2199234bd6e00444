// The operator's view of the master's state, as plain JSON (GET /api/v1/state, berth state).
import { resources, stateName, type Res } from '../protocol/index.js';
import type { Leadership } from './leader-lease.js';
import type { OfferBook } from './offer-book.js';
import { usedOn, type FrameworkEntry, type Registry } from './registry.js';
import type { LeaderInfo } from './store/cluster-store.js';
import type { TaskRecord } from './store/records.js';

export interface StateViewInput {
  masterId: string;
  url: string;
  leadership: Leadership;
  epoch: number;
  leader: LeaderInfo | null;
  registry: Registry;
  offers: OfferBook;
  counters: Record<string, number>;
}

export function stateView(input: StateViewInput): MasterState {
  const taskView = (t: TaskRecord): TaskView => ({
      id: t.taskId,
      name: t.info.name,
      frameworkId: t.frameworkId,
      agentId: t.agentId,
      state: stateName(t.status.state),
      reason: t.status.reason,
      message: t.status.message,
      role: t.role,
      resources: resources.normalize(t.info.resources),
      image: t.info.container.image,
      command: t.info.command.value,
      launchedAtMs: t.launchedAtMs,
      updatedAtMs: t.status.timestampMs,
      exitCode: t.status.exitCode,
      health: HEALTH[t.status.health] ?? '',
      usage: input.registry.agents.get(t.agentId)?.usage?.tasks.get(t.taskId) ?? null,
    });
    return {
      masterId: input.masterId,
      url: input.url,
      leadership: input.leadership,
      epoch: input.epoch,
      leader: input.leader,
      agents: [...input.registry.agents.values()].map((a) => ({
        id: a.record.id,
        hostname: a.record.info.hostname,
        address: a.record.info.address,
        connected: Boolean(a.channel),
        runtime: a.record.info.runtime,
        draining: Boolean(a.record.draining),
        attributes: a.record.info.attributes,
        total: a.total,
        used: usedOn(a),
        offered: input.offers.heldOnAgent(a.record.id),
        reserved: Object.fromEntries(a.reserved),
        state: a.record.state,
        drainingUntilMs: a.record.draining?.deadlineMs ?? null,
        usage: a.usage
          ? { atMs: a.usage.atMs, cpuPercent: a.usage.cpuPercent, memBytes: a.usage.memBytes, underPressure: a.usage.underPressure, pressureReason: a.usage.pressureReason }
          : null,
        tasks: a.tasks.size,
        registeredAtMs: a.record.registeredAtMs,
      })),
      frameworks: [...input.registry.frameworks.values()].map((f) => frameworkView(f, input.offers)),
      tasks: [...input.registry.tasks.values()].map(taskView),
      completedTasks: [...input.registry.completed.values()].slice(-100).map(taskView),
      offers: input.offers.size,
      counters: input.counters,
    };
}

export interface TaskView {
  id: string;
  name: string;
  frameworkId: string;
  agentId: string;
  state: string;
  reason: string;
  message: string;
  role: string;
  resources: Res;
  image: string;
  command: string;
  launchedAtMs: number;
  updatedAtMs: number;
  exitCode: number;
  /** '', 'healthy' or 'unhealthy' (tasks with a health check). */
  health: string;
  usage: { cpuPercent: number; memBytes: number } | null;
}

const HEALTH = ['', 'healthy', 'unhealthy'];

export interface MasterState {
  masterId: string;
  url: string;
  leadership: Leadership;
  epoch: number;
  leader: { masterId: string; url: string; epoch: number } | null;
  agents: {
    id: string;
    hostname: string;
    /** Where clients reach its tasks (the agent's --advertise-address; its hostname for an older agent). */
    address: string;
    connected: boolean;
    runtime: string;
    draining: boolean;
    attributes: Record<string, string>;
    total: Res;
    used: Res;
    offered: Res;
    reserved: Record<string, Res>;
    state: string;
    drainingUntilMs: number | null;
    usage: { atMs: number; cpuPercent: number; memBytes: number; underPressure: boolean; pressureReason: string } | null;
    tasks: number;
    registeredAtMs: number;
  }[];
  frameworks: FrameworkView[];
  tasks: TaskView[];
  completedTasks: TaskView[];
  offers: number;
  counters: Record<string, number>;
}

/** One framework as the state and GET /api/v1/frameworks show it. */
export interface FrameworkView {
  id: string;
  name: string;
  roles: string[];
  connected: boolean;
  suppressedRoles: string[];
  tasks: number;
  offers: number;
  /** Its offer limit (FrameworkInfo.max_offers); 0: none. */
  maxOffers: number;
  allocated: Record<string, Res>;
  registeredAtMs: number;
}

export function frameworkView(f: FrameworkEntry, offers: OfferBook): FrameworkView {
  return {
    id: f.record.id,
    name: f.record.info.name,
    roles: f.record.info.roles,
    connected: Boolean(f.channel),
    suppressedRoles: [...f.suppressed],
    tasks: f.tasks.size,
    offers: offers.countOf(f.record.id),
    maxOffers: f.record.info.maxOffers ?? 0,
    allocated: Object.fromEntries(f.allocated),
    registeredAtMs: f.record.registeredAtMs,
  };
}

export interface MetricsView {
  tasksByState: Map<string, number>;
  agentsConnected: number;
  agentsDisconnected: number;
  usage: { agentId: string; cpuPercent: number; memBytes: number; underPressure: boolean }[];
  /** The resources of connected agents: what the allocator divides. */
  clusterTotal: Res;
}

/** What the metrics need, counted from the registry without building the state view. */
export function metricsView(registry: Registry): MetricsView {
  const tasksByState = new Map<string, number>();
  for (const t of registry.tasks.values()) {
    const name = stateName(t.status.state);
    tasksByState.set(name, (tasksByState.get(name) ?? 0) + 1);
  }
  const { agentsConnected } = summary(registry);
  const usage = [];
  let clusterTotal = resources.empty();
  for (const a of registry.agents.values()) {
    if (a.channel) clusterTotal = resources.add(clusterTotal, a.total);
    if (a.usage) usage.push({ agentId: a.record.id, cpuPercent: a.usage.cpuPercent, memBytes: a.usage.memBytes, underPressure: a.usage.underPressure });
  }
  return { tasksByState, agentsConnected, agentsDisconnected: registry.agents.size - agentsConnected, usage, clusterTotal };
}

/** Cheap counts for health checks (no per-task work). */
export function summary(registry: Registry): { agents: number; agentsConnected: number; frameworks: number; tasks: number } {
  let agentsConnected = 0;
  for (const a of registry.agents.values()) if (a.channel) agentsConnected++;
  return { agents: registry.agents.size, agentsConnected, frameworks: registry.frameworks.size, tasks: registry.tasks.size };
}
