// The agent's session with the master: connect, register, run and kill tasks through a runtime,
// and report every task's states reliably (through the StatusUpdateManager) across reconnects,
// master failovers and leader redirects.
import { setMaxListeners } from 'node:events';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import {
  backoff,
  canTransition,
  ChannelError,
  checkId,
  CloseCode,
  connect,
  FINAL_CLOSE_CODES,
  HelloKind,
  isTerminal,
  newUuid,
  sleep,
  stateName,
  StatusSource,
  TaskState,
  type AgentCall,
  type AgentEvent,
  type Channel,
  type pb,
  type Res,
  type TaskInfo,
  type TaskReport,
  type TaskStatus,
  type Welcome,
  TaskReason,
} from '../protocol/index.js';
import { readBootId } from './boot-id.js';
import { launchSpecOf } from './launch-spec.js';
import { ContainerPolicyError } from './runtime/policy.js';
import type { ContainerRuntime, ExitInfo } from './runtime/runtime.js';
import { StatusUpdateManager, type PendingStatus, type Timers } from './status-update-manager.js';


export const AGENT_VERSION = '0.1.0';
const CLIENT = `berth-agent/0.1`;
const AGENT_PATH = '/api/v1/agent';

export interface AgentOptions {
  /** The master's base URL, for example ws://127.0.0.1:5050 (the agent path is added). */
  masterUrl: string;
  runtime: ContainerRuntime;
  log: Logger;
  /** What this agent advertises (see detectResources()). */
  resources: Res;
  /** Sandboxes live under <workDir>/sandboxes/<taskId>. */
  workDir: string;
  hostname?: string;
  attributes?: Record<string, string>;
  /** The id this agent had before a restart, to re-register under it. */
  agentId?: string;
  /** Read from the host when not given. */
  bootId?: string;
  version?: string;
  /** Used when neither the kill nor the task names a grace period. */
  defaultKillGracePeriodMs?: number;
  /** Re-send backoff of unacknowledged status updates. */
  statusRetry?: { initialMs?: number; maxMs?: number };
  /** Reconnect backoff. */
  reconnect?: { initialMs?: number; maxMs?: number };
  /** How long the master has to answer a registration before the agent reconnects. */
  registerTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  heartbeatTimeoutMs?: number;
  handshakeTimeoutMs?: number;
  /** Timers for status re-sends (tests inject fakes). */
  timers?: Timers;
}

export interface StopOptions {
  /** Kill every task (with its grace period) and report it before leaving. Default false: tasks keep running. */
  killTasks?: boolean;
  /** The reason put on the TASK_KILLED updates. */
  reason?: string;
  /** How long to wait for the master to acknowledge the last updates. */
  flushTimeoutMs?: number;
}

/** The session's state. */
export const AgentState = {
  IDLE: 'idle',
  CONNECTING: 'connecting',
  REGISTERING: 'registering',
  REGISTERED: 'registered',
  STOPPING: 'stopping',
  STOPPED: 'stopped',
  /** The master refused this agent for good (a final close code); it does not reconnect. */
  FAILED: 'failed',
} as const;
export type AgentState = (typeof AgentState)[keyof typeof AgentState];

const MOVES: Record<AgentState, readonly AgentState[]> = {
  idle: ['connecting', 'stopping'],
  connecting: ['registering', 'connecting', 'stopping', 'failed'],
  registering: ['registered', 'connecting', 'stopping', 'failed'],
  registered: ['connecting', 'stopping', 'failed'],
  stopping: ['stopped'],
  stopped: [],
  failed: ['stopping'],
};

/** What the agent knows of one task (for operators and tests). */
export interface AgentTaskView {
  taskId: string;
  frameworkId: string;
  state: TaskState;
  containerId: string;
}

interface TaskEntry {
  task: TaskInfo;
  frameworkId: string;
  state: TaskState;
  latest: TaskStatus;
  containerId: string;
  /** Set once a kill was asked for; the terminal update becomes TASK_KILLED with this reason. */
  kill?: { reason: string; gracePeriodMs: number };
  /** Resolves once the task's terminal update is queued. */
  ended: Promise<void>;
  markEnded: () => void;
}

/** Pulls the leader's URL out of a NOT_LEADER close reason ("leader is ws://host:port"). */
export function leaderFromReason(reason: string): string | undefined {
  const m = /wss?:\/\/[^\s"']+/.exec(reason);
  if (!m) return undefined;
  return m[0].replace(/\/+$/, '').replace(new RegExp(`${AGENT_PATH}$`), '');
}

export class Agent {
  #options: AgentOptions;
  #runtime: ContainerRuntime;
  #log: Logger;
  #updates: StatusUpdateManager;
  #tasks = new Map<string, TaskEntry>();
  #state: AgentState = AgentState.IDLE;
  #agentId: string;
  #bootId: string | undefined;
  #epoch = 0;
  #channel: Channel | undefined;
  // One signal ends every task's wait() at stop, so it has a listener per running task.
  #abort = (() => {
    const controller = new AbortController();
    setMaxListeners(0, controller.signal);
    return controller;
  })();
  #draining = false;
  #loop: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  #registeredWaiters: { resolve: (id: string) => void; reject: (err: Error) => void }[] = [];

  constructor(options: AgentOptions) {
    this.#options = options;
    this.#runtime = options.runtime;
    this.#log = options.log.child({ component: 'agent' });
    this.#agentId = options.agentId ?? '';
    this.#bootId = options.bootId;
    this.#updates = new StatusUpdateManager({
      send: (status) => this.#sendCall({ update: { status } }),
      ...(options.statusRetry?.initialMs === undefined ? {} : { initialMs: options.statusRetry.initialMs }),
      ...(options.statusRetry?.maxMs === undefined ? {} : { maxMs: options.statusRetry.maxMs }),
      ...(options.timers ? { timers: options.timers } : {}),
      log: this.#log,
    });
  }

  get state(): AgentState {
    return this.#state;
  }

  /** '' until the first registration. */
  get agentId(): string {
    return this.#agentId;
  }

  /** The highest master epoch seen. */
  get epoch(): number {
    return this.#epoch;
  }

  get runtime(): ContainerRuntime {
    return this.#runtime;
  }

  tasks(): AgentTaskView[] {
    return [...this.#tasks.values()].map((e) => ({
      taskId: e.task.taskId ?? '',
      frameworkId: e.frameworkId,
      state: e.state,
      containerId: e.containerId,
    }));
  }

  /** Status updates not yet acknowledged by the master. */
  pendingUpdates(): TaskStatus[] {
    return this.#updates.pending();
  }

  /** Starts the session loop; it runs until stop() or a final refusal. */
  start(): void {
    if (this.#loop) return;
    this.#loop = this.#run().catch((err: unknown) => {
      this.#log.error({ err }, 'agent session loop failed');
      this.#failRegisteredWaiters(err as Error);
    });
  }

  /** Resolves with the agent id once registered (at once when it is), rejects if the agent stops or fails first. */
  whenRegistered(): Promise<string> {
    if (this.#state === AgentState.REGISTERED) return Promise.resolve(this.#agentId);
    if (this.#state === AgentState.STOPPED || this.#state === AgentState.FAILED) {
      return Promise.reject(new Error(`agent is ${this.#state}`));
    }
    return new Promise((resolve, reject) => this.#registeredWaiters.push({ resolve, reject }));
  }

  /** Leaves the master. Resolves when no connection, timer or watcher of the agent is left. */
  stop(options: StopOptions = {}): Promise<void> {
    this.#stopping ??= this.#stop(options);
    return this.#stopping;
  }

  async #stop(options: StopOptions): Promise<void> {
    this.#draining = true;
    this.#log.info({ killTasks: options.killTasks ?? false }, 'agent stopping');
    if (options.killTasks) {
      const reason = options.reason ?? TaskReason.AGENT_SHUTDOWN;
      const live = [...this.#tasks.values()].filter((e) => !isTerminal(e.state));
      await Promise.all(live.map((e) => this.#kill(e, reason, 0)));
      await Promise.all(live.map((e) => e.ended));
      if (this.#state === AgentState.REGISTERED && this.#updates.size > 0) {
        const flush = AbortSignal.timeout(options.flushTimeoutMs ?? 2_000);
        await this.#updates.whenEmpty(flush);
      }
    }
    this.#transition(AgentState.STOPPING);
    this.#abort.abort();
    this.#channel?.close(CloseCode.NORMAL, 'agent stopping');
    this.#updates.stop();
    await this.#loop;
    this.#transition(AgentState.STOPPED);
    this.#failRegisteredWaiters(new Error('agent stopped'));
  }

  // ---------------------------------------------------------------------------------------------
  // Session

  async #run(): Promise<void> {
    const configured = this.#options.masterUrl.replace(/\/+$/, '');
    const delay = backoff({ initialMs: this.#options.reconnect?.initialMs ?? 500, maxMs: this.#options.reconnect?.maxMs ?? 10_000 });
    this.#bootId ??= await readBootId();
    let url = configured;
    let attempt = 0;
    let redirects = 0;
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      this.#transition(AgentState.CONNECTING);
      let code: number;
      let reason: string;
      let registered = false;
      try {
        const { channel, welcome } = await connect(`${url}${AGENT_PATH}`, {
          kind: HelloKind.AGENT,
          client: CLIENT,
          signal,
          ...this.#channelOptions(),
        });
        if (signal.aborted) {
          channel.close(CloseCode.NORMAL, 'agent stopping');
          break;
        }
        const closed = await this.#session(channel, welcome, url);
        ({ code, reason, registered } = closed);
      } catch (err) {
        if (!(err instanceof ChannelError)) throw err;
        code = err.closeCode;
        reason = err.reason;
      }
      if (signal.aborted) break;
      if (registered) {
        attempt = 0;
        redirects = 0;
      }
      if (FINAL_CLOSE_CODES.has(code)) {
        this.#log.error({ code, reason, url }, 'master refused this agent for good; not reconnecting');
        this.#transition(AgentState.FAILED);
        this.#failRegisteredWaiters(new Error(`master refused the agent (${code}): ${reason}`));
        return;
      }
      if (code === CloseCode.AGENT_REMOVED) {
        // The master no longer knows this id; come back as a new agent.
        this.#log.warn({ agentId: this.#agentId, reason }, 'master removed this agent; registering anew');
        this.#agentId = '';
      }
      const leader = code === CloseCode.NOT_LEADER ? leaderFromReason(reason) : undefined;
      if (leader) {
        this.#log.info({ from: url, to: leader }, 'following the leading master');
        url = leader;
        // The first redirect is followed at once; masters that keep pointing elsewhere get a backoff.
        if (redirects++ === 0) continue;
      } else {
        redirects = 0;
        // A followed leader that went away is looked for again through the configured address.
        url = configured;
      }
      const waitMs = delay(attempt++);
      this.#log.warn({ code, reason, url, waitMs }, 'disconnected from master; reconnecting');
      await sleep(waitMs, signal);
    }
  }

  #channelOptions(): { heartbeatIntervalMs?: number; heartbeatTimeoutMs?: number; handshakeTimeoutMs?: number } {
    const o = this.#options;
    return {
      ...(o.heartbeatIntervalMs === undefined ? {} : { heartbeatIntervalMs: o.heartbeatIntervalMs }),
      ...(o.heartbeatTimeoutMs === undefined ? {} : { heartbeatTimeoutMs: o.heartbeatTimeoutMs }),
      ...(o.handshakeTimeoutMs === undefined ? {} : { handshakeTimeoutMs: o.handshakeTimeoutMs }),
    };
  }

  /** Runs one connection: register, then handle events until it closes. */
  #session(channel: Channel, welcome: Welcome, url: string): Promise<{ code: number; reason: string; registered: boolean }> {
    this.#channel = channel;
    this.#transition(AgentState.REGISTERING);
    this.#log.info({ url, masterId: welcome.masterId, epoch: welcome.epoch }, 'connected to master');
    let registered = false;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#log.warn({ url }, 'master did not answer the registration; reconnecting');
        channel.close(CloseCode.GOING_AWAY, 'no Registered answer');
      }, this.#options.registerTimeoutMs ?? 10_000);
      channel.onClose((code, reason) => {
        clearTimeout(timer);
        this.#updates.offline();
        if (this.#channel === channel) this.#channel = undefined;
        resolve({ code, reason, registered });
      });
      channel.onMessage((envelope) => {
        const event = envelope.agentEvent;
        if (!event) {
          if (envelope.error) this.#log.warn({ code: envelope.error.code, message: envelope.error.message }, 'master sent an error');
          else this.#log.warn('ignoring a frame that is not an agent event');
          return;
        }
        if (event.registered) {
          clearTimeout(timer);
          registered = true;
        }
        this.#onEvent(event);
      });
      channel.send({ agentCall: { register: this.#registration() } });
    });
  }

  #registration(): NonNullable<AgentCall['register']> {
    const o = this.#options;
    const tasks: TaskReport[] = [...this.#tasks.values()].map((e) => ({ task: e.task, frameworkId: e.frameworkId, status: e.latest }));
    return {
      agent: {
        hostname: o.hostname ?? os.hostname(),
        resources: o.resources,
        attributes: o.attributes ?? {},
        bootId: this.#bootId ?? '',
        runtime: this.#runtime.name,
        version: o.version ?? AGENT_VERSION,
      },
      agentId: this.#agentId,
      tasks,
      pendingUpdates: this.#updates.pending(),
    };
  }

  #sendCall(call: AgentCall): boolean {
    if (this.#state !== AgentState.REGISTERED && !call.register) return false;
    return this.#channel?.send({ agentCall: call }) ?? false;
  }

  #onEvent(event: AgentEvent): void {
    const epoch = event.epoch ?? 0;
    if (epoch < this.#epoch) {
      this.#log.warn({ epoch, highestEpoch: this.#epoch, event: Object.keys(event).filter((k) => k !== 'epoch') }, 'ignoring an event from an older master epoch');
      return;
    }
    this.#epoch = epoch;
    if (event.registered) this.#onRegistered(event.registered.agentId ?? '');
    else if (event.runTask) void this.#runTask(event.runTask).catch((err: unknown) => this.#log.error({ err }, 'running a task failed'));
    else if (event.killTask) this.#onKillTask(event.killTask);
    else if (event.acknowledge) this.#onAcknowledge(event.acknowledge.taskId ?? '', event.acknowledge.uuid ?? '');
    else if (event.shutdown) {
      this.#log.info({ reason: event.shutdown.reason }, 'master asked this agent to shut down');
      void this.stop({ killTasks: true, reason: TaskReason.AGENT_SHUTDOWN });
    } else if (event.error) this.#log.warn({ code: event.error.code, message: event.error.message, field: event.error.field }, 'master sent an error');
  }

  #onRegistered(agentId: string): void {
    if (agentId === '') {
      this.#log.warn('master registered this agent without an id; ignoring');
      return;
    }
    if (this.#agentId !== '' && this.#agentId !== agentId) {
      this.#log.warn({ previous: this.#agentId, agentId }, 'master gave this agent a new id');
    }
    this.#agentId = agentId;
    if (this.#state === AgentState.REGISTERING) this.#transition(AgentState.REGISTERED);
    this.#log.info({ agentId, tasks: this.#tasks.size, pendingUpdates: this.#updates.size }, 'registered with master');
    this.#updates.online();
    const waiters = this.#registeredWaiters;
    this.#registeredWaiters = [];
    for (const w of waiters) w.resolve(agentId);
  }

  #transition(to: AgentState): void {
    const from = this.#state;
    if (from === to && to !== AgentState.CONNECTING) return;
    if (!MOVES[from].includes(to)) {
      this.#log.debug({ from, to }, 'ignoring an illegal agent state change');
      return;
    }
    this.#state = to;
    this.#log.debug({ from, to }, 'agent state');
  }

  #failRegisteredWaiters(err: Error): void {
    const waiters = this.#registeredWaiters;
    this.#registeredWaiters = [];
    for (const w of waiters) w.reject(err);
  }

  // ---------------------------------------------------------------------------------------------
  // Tasks

  async #runTask(run: pb.AgentEvent.IRunTask): Promise<void> {
    const task = run.task;
    const taskId = task?.taskId ?? '';
    const frameworkId = run.frameworkId ?? '';
    if (!task || checkId(taskId, 'task.taskId') !== null) {
      this.#log.warn({ taskId, frameworkId, problem: checkId(taskId, 'task.taskId') ?? 'no task' }, 'ignoring a malformed runTask');
      return;
    }
    if (this.#tasks.has(taskId)) {
      this.#log.debug({ taskId }, 'ignoring runTask for a task this agent already has');
      return;
    }
    let markEnded: () => void = () => undefined;
    const ended = new Promise<void>((resolve) => (markEnded = resolve));
    const entry: TaskEntry = {
      task,
      frameworkId,
      state: TaskState.TASK_STAGING,
      latest: { taskId, state: TaskState.TASK_STAGING, frameworkId },
      containerId: '',
      ended,
      markEnded,
    };
    this.#tasks.set(taskId, entry);
    if (this.#draining) {
      this.#update(entry, TaskState.TASK_DROPPED, { reason: TaskReason.AGENT_SHUTDOWN, message: 'the agent is shutting down' });
      return;
    }
    this.#update(entry, TaskState.TASK_STARTING);

    const sandboxDir = path.join(this.#options.workDir, 'sandboxes', taskId);
    const spec = launchSpecOf(task, { frameworkId, agentId: this.#agentId, sandboxDir });
    if (task.container?.image && this.#runtime.name !== 'docker') {
      this.#log.debug({ taskId, image: task.container.image, runtime: this.#runtime.name }, 'runtime has no images; running the command on the host');
    }
    let containerId: string;
    try {
      await mkdir(sandboxDir, { recursive: true });
      containerId = (await this.#runtime.launch(spec)).id;
    } catch (err) {
      const message = (err as Error).message;
      if (entry.kill) this.#update(entry, TaskState.TASK_KILLED, { reason: entry.kill.reason, message: 'killed while launching' });
      else if (err instanceof ContainerPolicyError) this.#update(entry, TaskState.TASK_ERROR, { reason: TaskReason.CONTAINER_POLICY, message });
      else this.#update(entry, TaskState.TASK_FAILED, { reason: TaskReason.CONTAINER_LAUNCH_FAILED, message });
      this.#log.warn({ taskId, err: message }, 'task launch failed');
      return;
    }
    entry.containerId = containerId;
    if (entry.kill) {
      // A kill arrived while the container was being created: it goes at once.
      void this.#runtime.kill(containerId, entry.kill.gracePeriodMs).catch((err: unknown) => this.#log.warn({ taskId, err }, 'kill failed'));
    } else {
      this.#update(entry, TaskState.TASK_RUNNING);
    }
    let exit: ExitInfo;
    try {
      exit = await this.#runtime.wait(containerId, this.#abort.signal);
    } catch (err) {
      // The agent stopped and leaves the task running: nothing to report.
      if (this.#abort.signal.aborted) return;
      exit = { exitCode: null, oomKilled: false, message: `lost track of the container: ${(err as Error).message}` };
    }
    this.#ended(entry, exit);
  }

  #ended(entry: TaskEntry, exit: ExitInfo): void {
    const exitCode = exit.exitCode ?? -1;
    const how = exit.exitCode !== null ? `exited with code ${exit.exitCode}` : exit.signal ? `killed by ${exit.signal}` : (exit.message ?? 'ended');
    if (entry.kill) this.#update(entry, TaskState.TASK_KILLED, { reason: entry.kill.reason, message: how, exitCode });
    else if (exit.exitCode === 0) this.#update(entry, TaskState.TASK_FINISHED, { reason: TaskReason.CONTAINER_EXITED, message: how, exitCode });
    else if (exit.oomKilled) this.#update(entry, TaskState.TASK_FAILED, { reason: TaskReason.OOM, message: `${how}: out of memory`, exitCode });
    else this.#update(entry, TaskState.TASK_FAILED, { reason: TaskReason.CONTAINER_EXITED, message: how, exitCode });
  }

  #onKillTask(kill: pb.AgentEvent.IKillTask): void {
    const taskId = kill.taskId ?? '';
    const entry = this.#tasks.get(taskId);
    if (!entry) {
      this.#log.info({ taskId }, 'kill for a task this agent does not have');
      this.#updates.add(this.#status(taskId, kill.frameworkId ?? '', TaskState.TASK_LOST, {
        reason: TaskReason.TASK_UNKNOWN,
        message: `agent ${this.#agentId} has no task ${taskId}`,
      }));
      return;
    }
    void this.#kill(entry, kill.reason || TaskReason.KILLED_BY_FRAMEWORK, kill.gracePeriodMs ?? 0);
  }

  /** Asks for the task's end; the terminal TASK_KILLED comes from the wait in #runTask. */
  async #kill(entry: TaskEntry, reason: string, gracePeriodMs: number): Promise<void> {
    const taskId = entry.task.taskId ?? '';
    if (isTerminal(entry.state) || entry.kill) {
      this.#log.debug({ taskId, state: stateName(entry.state) }, 'kill ignored: the task is already ending');
      return;
    }
    const graceMs = gracePeriodMs || entry.task.killGracePeriodMs || (this.#options.defaultKillGracePeriodMs ?? 3_000);
    entry.kill = { reason, gracePeriodMs: graceMs };
    this.#update(entry, TaskState.TASK_KILLING, { reason });
    if (entry.containerId === '') return; // still launching; #runTask kills it once it exists
    try {
      await this.#runtime.kill(entry.containerId, graceMs);
    } catch (err) {
      this.#log.warn({ taskId, err }, 'kill failed');
    }
  }

  #onAcknowledge(taskId: string, uuid: string): void {
    const acked = this.#updates.acknowledge(taskId, uuid);
    if (!acked || !isTerminal(acked.state ?? TaskState.TASK_UNKNOWN)) return;
    const entry = this.#tasks.get(taskId);
    if (!entry || !isTerminal(entry.state) || this.#updates.has(taskId)) return;
    // The master has the task's end: forget it and free what its container holds.
    this.#tasks.delete(taskId);
    this.#log.debug({ taskId }, 'task forgotten');
    if (entry.containerId !== '') {
      void this.#runtime.remove(entry.containerId).catch((err: unknown) => this.#log.warn({ taskId, err }, 'could not remove the container'));
    }
  }

  #update(entry: TaskEntry, state: TaskState, extra: { reason?: string; message?: string; exitCode?: number } = {}): void {
    const taskId = entry.task.taskId ?? '';
    if (!canTransition(entry.state, state)) {
      this.#log.warn({ taskId, from: stateName(entry.state), to: stateName(state) }, 'ignoring an illegal task state change');
      return;
    }
    const status = this.#status(taskId, entry.frameworkId, state, { ...extra, containerId: entry.containerId });
    this.#log.debug({ taskId, from: stateName(entry.state), to: stateName(state), reason: extra.reason }, 'task state');
    entry.state = state;
    entry.latest = status;
    this.#updates.add(status);
    if (isTerminal(state)) entry.markEnded();
  }

  #status(
    taskId: string,
    frameworkId: string,
    state: TaskState,
    extra: { reason?: string; message?: string; exitCode?: number; containerId?: string },
  ): PendingStatus {
    return {
      taskId,
      state,
      reason: extra.reason ?? '',
      message: extra.message ?? '',
      agentId: this.#agentId,
      frameworkId,
      uuid: newUuid(),
      timestampMs: Date.now(),
      source: StatusSource.AGENT,
      exitCode: extra.exitCode ?? -1,
      containerId: extra.containerId ?? '',
    };
  }
}
