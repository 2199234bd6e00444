// The agent's session with the master: recover from the checkpoint, connect, register, hand task
// commands to the TaskRunner, and report every task's states reliably (through the
// StatusUpdateManager) across reconnects, agent restarts, master failovers and leader redirects.
// Usage reports and log streams ride on the same session.
import { setMaxListeners } from 'node:events';
import os from 'node:os';
import type { Logger } from 'pino';
import { CloseCode, MasterSession, TaskReason, type AgentCall, type AgentEvent, type Channel, type SessionConnection } from '../protocol/index.js';
import { toWireTaskStatus, type StatusUpdate } from '../protocol/domain/index.js';
import { decodeAgentEvent } from './agent-events.js';
import { AgentMetrics } from './agent-metrics.js';
import { readBootId } from './boot-id.js';
import { Checkpoint, type AgentCheckpoint } from './checkpoint.js';
import { LogServer } from './log-server.js';
import { registrationCalls } from './registration-frames.js';
import type { ContainerRuntime } from './runtime/runtime.js';
import { StatusUpdateManager } from './status-update-manager.js';
import { TaskRunner, type AgentTaskView } from './task-runner.js';
import { UsageReporter } from './usage-reporter.js';
import { AGENT_DEFAULTS, AgentState, MOVES, sessionOptionsOf, type AgentOptions, type StopOptions } from './agent-options.js';

export type { AgentTaskView } from './task-runner.js';
export { AgentState, type AgentOptions, type StopOptions } from './agent-options.js';

export const AGENT_VERSION = '0.1.0';

export class Agent {
  /** Its Prometheus metrics, served at GET /metrics when options.metricsPort is set. */
  readonly metrics: AgentMetrics;
  #options: AgentOptions;
  #runtime: ContainerRuntime;
  #log: Logger;
  #updates: StatusUpdateManager;
  #runner: TaskRunner;
  #checkpoint: Checkpoint;
  #usage: UsageReporter;
  #logs: LogServer;
  #state: AgentState = AgentState.IDLE;
  #agentId: string;
  /** The id this work dir had before a host reboot, until a registration has told the master. */
  #previousAgentId = '';
  #bootId: string | undefined;
  #epoch = 0;
  #session: MasterSession;
  #channel: Channel | undefined;
  // One signal ends every task's wait() at stop, so it has a listener per running task.
  #abort = (() => {
    const controller = new AbortController();
    setMaxListeners(0, controller.signal);
    return controller;
  })();
  #loop: Promise<void> | undefined;
  #recovered: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  #registeredWaiters: { resolve: (id: string) => void; reject: (err: Error) => void }[] = [];
  /** Why the agent failed, for whenRegistered() callers that come late. */
  #failure: Error | undefined;

  constructor(options: AgentOptions) {
    this.#options = options;
    this.#runtime = options.runtime;
    this.#log = options.log.child({ component: 'agent' });
    this.#agentId = options.agentId ?? '';
    this.#bootId = options.bootId;
    this.#session = new MasterSession(sessionOptionsOf(options, this.#log));
    this.#updates = new StatusUpdateManager({
      send: (status) => this.#sendCall({ update: { status: toWireTaskStatus(status) } }),
      ...(options.statusRetry?.initialMs === undefined ? {} : { initialMs: options.statusRetry.initialMs }),
      ...(options.statusRetry?.maxMs === undefined ? {} : { maxMs: options.statusRetry.maxMs }),
      ...(options.timers ? { timers: options.timers } : {}),
      log: this.#log,
    });
    this.#checkpoint = new Checkpoint(options.workDir, () => this.#snapshot(), this.#log, options.checkpointWrites);
    this.#runner = new TaskRunner({
      runtime: this.#runtime,
      updates: this.#updates,
      checkpoint: this.#checkpoint,
      agentId: () => this.#agentId,
      workDir: options.workDir,
      signal: this.#abort.signal,
      defaultKillGracePeriodMs: options.defaultKillGracePeriodMs ?? 3_000,
      finishedRetentionMs: options.finishedRetentionMs ?? 10 * 60_000,
      finishedMaxTasks: options.finishedMaxTasks ?? 100,
      log: this.#log,
    });
    this.#usage = new UsageReporter({
      runtime: this.#runtime,
      tasks: () => this.#runner.running(),
      send: (usage) => this.#sendCall({ usage }),
      online: () => this.#state === AgentState.REGISTERED,
      intervalMs: options.usageIntervalMs ?? 5_000,
      advertisedMemMb: options.resources.memMb,
      memFraction: options.memoryPressureFraction ?? 0.9,
      hostFloorBytes: (options.hostMemoryFloorMb ?? 256) * 1024 * 1024,
      ...(options.hostSample ? { host: options.hostSample } : {}),
      log: this.#log,
    });
    this.#logs = new LogServer({
      runtime: this.#runtime,
      containerOf: (taskId) => this.#runner.logSource(taskId),
      send: (logLines) => this.#sendCall({ logLines }),
      log: this.#log,
    });
    this.metrics = new AgentMetrics({ runner: this.#runner, updates: this.#updates, usage: this.#usage, registered: () => this.#state === AgentState.REGISTERED }, { port: options.metricsPort, host: options.metricsHost, tls: options.metricsTls }, this.#log);
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
    return this.#runner.views();
  }

  /** Finished tasks whose containers are kept for their logs. */
  finishedTasks(): { taskId: string; containerId: string; finishedAtMs: number }[] {
    return this.#runner.finishedTasks().map((f) => ({ taskId: f.taskId, containerId: f.containerId, finishedAtMs: f.finishedAtMs }));
  }

  /** Log streams being served now. */
  get activeLogStreams(): number {
    return this.#logs.active;
  }

  /** The id this work dir had before a host reboot, while the master has not been told. */
  get previousAgentId(): string {
    return this.#previousAgentId;
  }

  /** Writes the checkpoint now (resolves once a snapshot taken after the call is on disk). */
  checkpoint(): Promise<void> {
    return this.#checkpoint.save();
  }

  /** Status updates not yet acknowledged by the master. */
  pendingUpdates(): StatusUpdate[] {
    return this.#updates.pending();
  }

  /** Starts the session loop; it runs until stop() or a final refusal. */
  start(): void {
    if (this.#loop) return;
    this.metrics.listen();
    this.#loop = this.#run().catch((err: unknown) => {
      this.#log.error({ err }, 'agent session loop failed');
      this.#failRegisteredWaiters(err as Error);
    });
  }

  /** Resolves with the agent id once registered (at once when it is), rejects if the agent stops or fails first. */
  whenRegistered(): Promise<string> {
    if (this.#state === AgentState.REGISTERED) return Promise.resolve(this.#agentId);
    if (this.#state === AgentState.STOPPED || this.#state === AgentState.FAILED) {
      return Promise.reject(this.#failure ?? new Error(`agent is ${this.#state}`));
    }
    return new Promise((resolve, reject) => this.#registeredWaiters.push({ resolve, reject }));
  }

  /** Leaves the master. Resolves when no connection, timer or watcher of the agent is left. */
  stop(options: StopOptions = {}): Promise<void> {
    this.#stopping ??= this.#stop(options);
    return this.#stopping;
  }

  async #stop(options: StopOptions): Promise<void> {
    this.#log.info({ killTasks: options.killTasks ?? false }, 'agent stopping');
    // Recovery must be over before tasks are killed or left, so none is missed.
    await this.#recovered?.catch(() => undefined);
    if (options.killTasks) {
      await this.#runner.killAll(options.reason ?? TaskReason.AGENT_SHUTDOWN);
      if (this.#state === AgentState.REGISTERED && this.#updates.size > 0) {
        const flush = AbortSignal.timeout(options.flushTimeoutMs ?? 2_000);
        await this.#updates.whenEmpty(flush);
      }
      // Leaving for good: nobody will read the finished tasks' logs through this agent again.
      await this.#runner.removeFinished();
    }
    this.#transition(AgentState.STOPPING);
    this.#abort.abort();
    this.#usage.stop();
    this.#logs.cancelAll();
    this.#runner.stop();
    const closed = this.#session.close(CloseCode.NORMAL, 'agent stopping');
    this.#updates.stop();
    await this.#loop;
    await closed;
    await this.#checkpoint.save();
    await this.metrics.close();
    this.#transition(AgentState.STOPPED);
    this.#failRegisteredWaiters(new Error('agent stopped'));
  }

  // ---------------------------------------------------------------------------------------------
  // Checkpoint and recovery

  #snapshot(): AgentCheckpoint {
    return {
      agentId: this.#agentId,
      previousAgentId: this.#previousAgentId,
      bootId: this.#bootId ?? '',
      tasks: this.#runner.checkpointTasks(),
      pending: [...this.#updates.pending(), ...this.#runner.staged()],
      finished: this.#runner.finishedTasks(),
    };
  }

  /** Loads the work dir's checkpoint and takes back what it holds (same boot), or starts afresh (reboot). */
  async #recover(): Promise<void> {
    this.#bootId ??= await readBootId();
    const cp = await Checkpoint.load(this.#options.workDir);
    if (!cp) {
      await this.#checkpoint.save();
      return;
    }
    if (cp.bootId !== this.#bootId) {
      // The host rebooted: its containers are gone, and the master must learn that the old id is
      // gone too. Nothing of the old boot is touched.
      this.#previousAgentId = cp.agentId || cp.previousAgentId;
      this.#agentId = '';
      this.#log.warn({ previousAgentId: this.#previousAgentId, checkpointBootId: cp.bootId, bootId: this.#bootId }, 'host rebooted since the checkpoint; starting as a new agent');
      await this.#checkpoint.save();
      return;
    }
    this.#agentId = cp.agentId;
    this.#previousAgentId = cp.previousAgentId;
    this.#log.info({ agentId: cp.agentId, tasks: cp.tasks.length, pendingUpdates: cp.pending.length }, 'recovering from the checkpoint');
    await this.#runner.recover(cp);
    await this.#checkpoint.save();
  }

  // ---------------------------------------------------------------------------------------------
  // Session

  async #run(): Promise<void> {
    this.#recovered = this.#recover();
    try {
      await this.#recovered;
    } catch (err) {
      // An unusable checkpoint: running on could lose or double tasks, so a person must act.
      this.#log.error({ err }, 'agent cannot recover its checkpoint; not connecting');
      this.#transition(AgentState.FAILED);
      this.#failure = err as Error;
      this.#failRegisteredWaiters(err as Error);
      return;
    }
    this.#usage.start();
    this.#transition(AgentState.CONNECTING);
    const end = await this.#session.run((connection) => this.#serve(connection));
    if (end.type === 'gave-up') {
      // A final close code (REPLACED: another agent process took this id), or no master at the URL.
      this.#log.error({ code: end.code, reason: end.reason, err: end.error }, 'agent stopped connecting to the masters');
      this.#transition(AgentState.FAILED);
      this.#failure = end.error;
      this.#failRegisteredWaiters(end.error);
    }
  }

  /** Serves one connection: register, then handle events until it closes (the session reconnects). */
  #serve({ channel, url, ready, welcome }: SessionConnection): void {
    this.#channel = channel;
    this.#transition(AgentState.REGISTERING);
    const timer = setTimeout(() => {
      this.#log.warn({ url }, 'master did not answer the registration; reconnecting');
      channel.close(CloseCode.GOING_AWAY, 'no Registered answer');
    }, this.#options.registerTimeoutMs ?? 10_000);
    channel.onClose((code, reason) => {
      clearTimeout(timer);
      this.#updates.offline();
      // Log streams answer requests of this connection only.
      this.#logs.cancelAll();
      if (this.#channel === channel) this.#channel = undefined;
      if (code === CloseCode.AGENT_REMOVED) {
        // The master no longer knows this id; come back as a new agent.
        this.#log.warn({ agentId: this.#agentId, reason }, 'master removed this agent; registering anew');
        this.#agentId = '';
      }
      this.#transition(AgentState.CONNECTING);
    });
    channel.onMessage((envelope) => {
      const event = envelope.agentEvent;
      if (!event) {
        if (envelope.error) this.#log.warn({ code: envelope.error.code, message: envelope.error.message }, 'master sent an error');
        else this.#log.warn('ignoring a frame that is not an agent event');
        return;
      }
      if (event.registered) clearTimeout(timer);
      this.#onEvent(event);
      if (event.registered && this.#state === AgentState.REGISTERED) ready();
    });
    for (const call of registrationCalls(this.#registration(), welcome.registerTasksPerFrame ?? 0)) channel.send({ agentCall: call });
  }

  #registration(): NonNullable<AgentCall['register']> {
    const o = this.#options;
    return {
      agent: {
        hostname: o.hostname ?? os.hostname(),
        resources: o.resources,
        attributes: o.attributes ?? {},
        reservations: (o.reservations ?? []).map((r) => ({ role: r.role, resources: r.resources, dynamic: false })),
        bootId: this.#bootId ?? '',
        runtime: this.#runtime.name,
        version: o.version ?? AGENT_VERSION, address: o.advertiseAddress ?? AGENT_DEFAULTS.advertiseAddress,
      },
      agentId: this.#agentId,
      tasks: this.#runner.reports(),
      previousAgentId: this.#previousAgentId,
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
    const command = decodeAgentEvent(event);
    switch (command.kind) {
      case 'registered': return this.#onRegistered(command.agentId);
      case 'run': return void this.#runner.run(command.run).catch((err: unknown) => this.#log.error({ err }, 'running a task failed'));
      case 'kill': return this.#runner.kill(command.kill);
      case 'acknowledge': return this.#runner.acknowledge(command.taskId, command.uuid);
      case 'read-logs': return this.#logs.read(command.read);
      case 'cancel-logs': return this.#logs.cancel(command.requestId);
      case 'shutdown':
        this.#log.info({ reason: command.reason }, 'master asked this agent to shut down');
        return void this.stop({ killTasks: true, reason: TaskReason.AGENT_SHUTDOWN });
      case 'error': return this.#log.warn({ code: command.code, message: command.message, field: command.field }, 'master sent an error');
      case 'ignored': return this.#log.debug({ why: command.why }, 'ignoring an agent event');
    }
  }

  #onRegistered(agentId: string): void {
    if (agentId === '') {
      this.#log.warn('master registered this agent without an id; ignoring');
      return;
    }
    if (this.#agentId !== '' && this.#agentId !== agentId) {
      this.#log.warn({ previous: this.#agentId, agentId }, 'master gave this agent a new id');
    }
    const changed = this.#agentId !== agentId || this.#previousAgentId !== '';
    this.#agentId = agentId;
    // The master has been told of the reboot; the old id is not reported again.
    this.#previousAgentId = '';
    if (changed) void this.#checkpoint.save();
    if (this.#state === AgentState.REGISTERING) this.#transition(AgentState.REGISTERED);
    this.#log.info({ agentId, tasks: this.#runner.views().length, pendingUpdates: this.#updates.size }, 'registered with master');
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
}
