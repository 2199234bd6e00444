// A compact pool of hollow agents for the scale bench: each is one real WebSocket to the master's
// agent endpoint, with the real handshake, heartbeats, registration, epochs, RunTask, KillTask
// and acknowledgements, but none of the full agent's machinery (no checkpoint, no task runner,
// no runtime, no per-task timers or promises). A task "runs" the moment its RunTask arrives: the
// pool answers RUNNING at once and keeps one small entry per task, and re-sends an update the
// master has not acknowledged, so the master sees what a real hollow agent would send it. With a
// task duration, a task FINISHES that long after it started (one sweep ends every task due). This
// keeps the load generator far cheaper per task than the master; the full agent is measured on
// its own at small scale (the scale bench's `--harness full`).
import {
  CloseCode,
  HelloKind,
  newUuid,
  resources,
  StatusSource,
  TaskState,
  connect,
  type AgentEvent,
  type Channel,
  type TaskStatus,
} from '../protocol/index.js';

const AGENT_PATH = '/api/v1/agent';
const CLIENT = 'berth-hollow-pool/0.1';
/** Connections opened at once, so the master is not hit by thousands of handshakes together. */
const CONNECT_CONCURRENCY = 200;

export interface HollowPoolOptions {
  masterUrl: string;
  /** Agents of this pool are named hollow-<offset + i>. */
  offset: number;
  count: number;
  cpus: number;
  memMb: number;
  /** Agent hollow-<offset + i>'s own size, by that number; the others have cpus and memMb. */
  sizes?: readonly { cpus: number; memMb: number }[];
  /** How long an update may wait for its acknowledgement before it is sent again. */
  resendMs: number;
  /** How long every task runs before it finishes; none = until killed. */
  taskDurationMs?: number;
}

/** How often the pool ends the tasks whose duration is up. */
const END_SWEEP_MS = 10;

interface PoolTask {
  frameworkId: string;
  /** The update in flight; undefined once acknowledged. */
  pending: TaskStatus | undefined;
  sentAtMs: number;
  /** Set once the task ended; it is forgotten when that update is acknowledged. */
  endedState?: TaskState;
}

interface PoolAgent {
  hostname: string;
  channel: Channel;
  agentId: string;
  epoch: number;
  tasks: Map<string, PoolTask>;
}

/** A running task and when its duration is up. */
interface PoolEnding {
  agent: PoolAgent;
  taskId: string;
  task: PoolTask;
  endAtMs: number;
}

/** What the pool has done, for the bench's checks. */
export interface PoolCounters {
  runTasks: number;
  updatesSent: number;
  resent: number;
  acknowledged: number;
  kills: number;
  staleEvents: number;
  disconnects: number;
  firstDisconnect: string;
}

export class HollowPool {
  readonly counters: PoolCounters = { runTasks: 0, updatesSent: 0, resent: 0, acknowledged: 0, kills: 0, staleEvents: 0, disconnects: 0, firstDisconnect: '' };
  #o: HollowPoolOptions;
  #agents: PoolAgent[] = [];
  #resendTimer: NodeJS.Timeout | undefined;
  #endTimer: NodeJS.Timeout | undefined;
  /** Running tasks in the order they started (so in the order they end: one duration for all). */
  #ending: PoolEnding[] = [];
  #endHead = 0;
  #stopping = false;

  constructor(options: HollowPoolOptions) {
    this.#o = options;
  }

  get size(): number {
    return this.#agents.length;
  }

  /** Tasks the pool's agents run now. */
  get running(): number {
    let n = 0;
    for (const a of this.#agents) n += a.tasks.size;
    return n;
  }

  /** Connects and registers every agent, CONNECT_CONCURRENCY at a time. */
  async start(): Promise<void> {
    const { offset, count } = this.#o;
    for (let start = offset; start < offset + count; start += CONNECT_CONCURRENCY) {
      const batch: Promise<PoolAgent>[] = [];
      for (let i = start; i < Math.min(offset + count, start + CONNECT_CONCURRENCY); i++) batch.push(this.#register(`hollow-${i}`, this.#o.sizes?.[i] ?? this.#o));
      this.#agents.push(...(await Promise.all(batch)));
    }
    const every = Math.max(100, Math.floor(this.#o.resendMs / 2));
    this.#resendTimer = setInterval(() => this.#resend(), every);
    this.#resendTimer.unref();
    if (this.#o.taskDurationMs !== undefined) {
      this.#endTimer = setInterval(() => this.#endDue(), END_SWEEP_MS);
      this.#endTimer.unref();
    }
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#resendTimer);
    clearInterval(this.#endTimer);
    await Promise.all(this.#agents.map((a) => new Promise<void>((resolve) => {
      a.channel.onClose(() => resolve());
      a.channel.close(CloseCode.NORMAL, 'hollow pool stopping');
    })));
  }

  async #register(hostname: string, size: { cpus: number; memMb: number }): Promise<PoolAgent> {
    // Slow heartbeats and patient handshakes, as the full hollow agents have: a busy master is not
    // mistaken for a dead one.
    const { channel } = await connect(`${this.#o.masterUrl}${AGENT_PATH}`, {
      kind: HelloKind.AGENT,
      client: CLIENT,
      heartbeatIntervalMs: 30_000,
      heartbeatTimeoutMs: 120_000,
      handshakeTimeoutMs: 60_000,
    });
    const agent: PoolAgent = { hostname, channel, agentId: '', epoch: 0, tasks: new Map() };
    const registered = new Promise<void>((resolve, reject) => {
      channel.onClose((code, reason) => {
        if (this.#stopping) return;
        this.counters.disconnects++;
        this.counters.firstDisconnect ||= `${hostname}: ${code} ${reason}`;
        reject(new Error(`${hostname}: the master closed the connection before registering it (${code} ${reason})`));
      });
      channel.onMessage((envelope) => {
        const event = envelope.agentEvent;
        if (!event) return;
        if (event.registered && agent.agentId === '') {
          agent.agentId = event.registered.agentId ?? '';
          resolve();
        }
        this.#onEvent(agent, event);
      });
    });
    channel.send({
      agentCall: {
        register: {
          agent: {
            hostname,
            resources: resources.normalize({ cpus: size.cpus, memMb: size.memMb, diskMb: 0, ports: [] }),
            attributes: {},
            reservations: [],
            bootId: 'bench',
            runtime: 'hollow',
            version: '0.1.0',
            address: '127.0.0.1',
          },
          agentId: '',
          tasks: [],
          previousAgentId: '',
        },
      },
    });
    await registered;
    return agent;
  }

  #onEvent(agent: PoolAgent, event: AgentEvent): void {
    const epoch = event.epoch ?? 0;
    if (epoch < agent.epoch) {
      this.counters.staleEvents++;
      return;
    }
    agent.epoch = epoch;
    if (event.runTask) {
      const taskId = event.runTask.task?.taskId ?? '';
      const frameworkId = event.runTask.frameworkId ?? '';
      this.counters.runTasks++;
      // A RunTask for a task already held is the master re-sending it: answer with its state again.
      const known = agent.tasks.get(taskId);
      const task = known ?? { frameworkId, pending: undefined, sentAtMs: 0 };
      agent.tasks.set(taskId, task);
      if (known?.endedState) return this.#update(agent, taskId, task, known.endedState, '');
      this.#update(agent, taskId, task, TaskState.TASK_RUNNING, '');
      if (!known && this.#o.taskDurationMs !== undefined) this.#ending.push({ agent, taskId, task, endAtMs: Date.now() + this.#o.taskDurationMs });
    } else if (event.acknowledge) {
      const taskId = event.acknowledge.taskId ?? '';
      const task = agent.tasks.get(taskId);
      const uuid = event.acknowledge.uuid ?? '';
      if (!task || task.pending?.uuid !== uuid) return;
      this.counters.acknowledged++;
      task.pending = undefined;
      if (task.endedState) agent.tasks.delete(taskId);
    } else if (event.killTask) {
      const taskId = event.killTask.taskId ?? '';
      const task = agent.tasks.get(taskId);
      this.counters.kills++;
      if (!task || task.endedState) return;
      task.endedState = TaskState.TASK_KILLED;
      this.#update(agent, taskId, task, TaskState.TASK_KILLED, event.killTask.reason ?? '');
    } else if (event.shutdown) {
      agent.channel.close(CloseCode.NORMAL, 'shutdown by the master');
    }
  }

  /** Finishes every task whose duration is up (one list in start order, read from its head). */
  #endDue(): void {
    const now = Date.now();
    while (this.#endHead < this.#ending.length) {
      const next = this.#ending[this.#endHead] as PoolEnding;
      if (next.endAtMs > now) break;
      this.#endHead++;
      const { agent, taskId, task } = next;
      if (task.endedState || agent.tasks.get(taskId) !== task || !agent.channel.open) continue;
      task.endedState = TaskState.TASK_FINISHED;
      this.#update(agent, taskId, task, TaskState.TASK_FINISHED, '');
    }
    if (this.#endHead > 1_024 && this.#endHead * 2 > this.#ending.length) {
      this.#ending = this.#ending.slice(this.#endHead);
      this.#endHead = 0;
    }
  }

  #update(agent: PoolAgent, taskId: string, task: PoolTask, state: TaskState, reason: string): void {
    const status: TaskStatus = {
      taskId,
      state,
      reason,
      message: '',
      agentId: agent.agentId,
      frameworkId: task.frameworkId,
      uuid: newUuid(),
      timestampMs: Date.now(),
      source: StatusSource.AGENT,
      exitCode: state === TaskState.TASK_FINISHED ? 0 : -1,
      containerId: `hollow-${agent.agentId}-${taskId}`,
      health: 0,
    };
    task.pending = status;
    task.sentAtMs = status.timestampMs as number;
    this.counters.updatesSent++;
    agent.channel.send({ agentCall: { update: { status } } });
  }

  /** Sends again every update whose acknowledgement is overdue (one sweep for the whole pool). */
  #resend(): void {
    const now = Date.now();
    for (const agent of this.#agents) {
      if (!agent.channel.open) continue;
      for (const task of agent.tasks.values()) {
        if (!task.pending || now - task.sentAtMs < this.#o.resendMs) continue;
        task.sentAtMs = now;
        this.counters.resent++;
        agent.channel.send({ agentCall: { update: { status: task.pending } } });
      }
    }
  }
}
