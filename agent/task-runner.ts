// The agent's tasks: launch through the runtime, watch for the end, kill, health checks, and the
// status update of every change. Each update is checkpointed before it is queued for the master
// (so a restarted agent re-sends it with the same uuid), and each task is checkpointed before it
// is launched (so a restarted agent looks for its container). recover() takes tasks back from a
// checkpoint after an agent restart.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { canTransition, checkId, isTerminal, stateName, TaskReason, TaskState, type TaskReport } from '../protocol/index.js';
import { decodeError, toWireTaskReport, type StatusUpdate } from '../protocol/domain/index.js';
import type { KillCommand, RunCommand } from './agent-events.js';
import type { AgentCheckpoint, Checkpoint, CheckpointedTask, FinishedTask } from './checkpoint.js';
import { FinishedTasks } from './finished-tasks.js';
import { Health, HealthChecker, scheduleOf, type HealthChange } from './health/health-checker.js';
import { probeOf } from './health/probe-of.js';
import { launchSpecOf } from './launch-spec.js';
import { ContainerPolicyError } from './runtime/policy.js';
import type { ContainerRuntime, ExitInfo } from './runtime/runtime.js';
import { taskEnvironment } from './runtime/task-env.js';
import type { StatusUpdateManager } from './status-update-manager.js';
import { recoverTask, removeOrphans, type RecoverySteps } from './task-recovery.js';
import { endingOf, newEntry, statusOf, type StatusExtra, type TaskEntry } from './task-entry.js';

export interface TaskRunnerOptions {
  runtime: ContainerRuntime;
  updates: StatusUpdateManager;
  /**
   * The agent's checkpoint: save() resolves once a snapshot taken after the call is on disk;
   * saveSoon() writes with the next write or a little later, for changes a crash may lose.
   */
  checkpoint: Pick<Checkpoint, 'save' | 'saveSoon'>;
  agentId: () => string;
  workDir: string;
  /** Aborted when the agent stops: waits end, tasks keep running. */
  signal: AbortSignal;
  defaultKillGracePeriodMs: number;
  finishedRetentionMs: number;
  finishedMaxTasks: number;
  log: Logger;
}

/** What the agent knows of one task (for operators and tests). */
export interface AgentTaskView {
  taskId: string;
  frameworkId: string;
  state: TaskState;
  containerId: string;
  /** 0 unknown, 1 healthy, 2 unhealthy. */
  health: number;
}

export class TaskRunner {
  #o: TaskRunnerOptions;
  #runtime: ContainerRuntime;
  #log: Logger;
  #tasks = new Map<string, TaskEntry>();
  /** Updates made but not yet checkpointed, so not yet queued for the master. */
  #staged: StatusUpdate[] = [];
  #finished: FinishedTasks;
  #draining = false;
  /** Tallies for metrics: containers started, launches that failed, health check results. */
  readonly counts = { launched: 0, launchFailures: 0, healthChecksPassed: 0, healthChecksFailed: 0 };

  constructor(options: TaskRunnerOptions) {
    this.#o = options;
    this.#runtime = options.runtime;
    this.#log = options.log;
    this.#finished = new FinishedTasks({
      retentionMs: options.finishedRetentionMs,
      maxTasks: options.finishedMaxTasks,
      remove: (f) => this.#removeFinished(f),
      changed: () => void this.#o.checkpoint.save(),
      log: this.#log,
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Views

  views(): AgentTaskView[] {
    return [...this.#tasks.values()].map((e) => ({
      taskId: e.task.taskId,
      frameworkId: e.frameworkId,
      state: e.state,
      containerId: e.containerId,
      health: e.health,
    }));
  }

  /** Every task still known, as the registration reports them. */
  reports(): TaskReport[] {
    return [...this.#tasks.values()].map((e) => toWireTaskReport({ task: e.task, frameworkId: e.frameworkId, status: e.latest }));
  }

  /** Tasks with a live container, for usage samples. */
  running(): { taskId: string; containerId: string }[] {
    return [...this.#tasks.values()].filter((e) => e.containerId !== '' && !isTerminal(e.state)).map((e) => ({ taskId: e.task.taskId, containerId: e.containerId }));
  }

  /** The container whose logs answer for taskId: a known task's, or a retained finished one's. */
  logSource(taskId: string): { containerId: string } | { error: string } {
    const entry = this.#tasks.get(taskId);
    if (entry?.containerId) return { containerId: entry.containerId };
    if (entry) return { error: `task ${taskId} has no container yet (${stateName(entry.state)})` };
    const finished = this.#finished.get(taskId);
    if (finished?.containerId) return { containerId: finished.containerId };
    return { error: `agent ${this.#o.agentId()} has no task ${taskId} (unknown, or finished and removed)` };
  }

  finishedTasks(): FinishedTask[] {
    return this.#finished.list();
  }

  /** The checkpoint's view of the tasks and of the updates not yet queued. */
  checkpointTasks(): CheckpointedTask[] {
    return [...this.#tasks.values()].map((e) => ({
      task: e.task,
      frameworkId: e.frameworkId,
      containerId: e.containerId,
      state: e.state,
      latest: e.latest,
      launchedBy: e.launchedBy,
      ...(e.kill ? { kill: e.kill } : {}),
    }));
  }

  staged(): StatusUpdate[] {
    return [...this.#staged];
  }

  // ---------------------------------------------------------------------------------------------
  // Commands from the master

  async run({ task, frameworkId, problems }: RunCommand): Promise<void> {
    const { taskId } = task;
    const idProblem = checkId(taskId, 'run_task.task.task_id');
    if (idProblem !== null) {
      this.#log.warn({ taskId, frameworkId, problem: idProblem }, 'ignoring a malformed runTask');
      return;
    }
    if (this.#tasks.has(taskId)) {
      this.#log.debug({ taskId }, 'ignoring runTask for a task this agent already has');
      return;
    }
    // The master enforces the launch rules; the agent runs what it is sent and the runtime refuses
    // what it cannot run, so a problem here is worth a warning, not a second verdict.
    const invalid = decodeError(problems);
    if (invalid) this.#log.warn({ taskId, frameworkId, problem: invalid.message }, 'running a task the launch rules would refuse');
    // Not an update the master gets (no uuid), only what a registration reports before STARTING
    // (or RUNNING, for a runtime that does not report STARTING).
    const staging = { ...statusOf(this.#o.agentId(), taskId, frameworkId, TaskState.TASK_STAGING, ''), uuid: '' };
    const entry = newEntry(task, frameworkId, TaskState.TASK_STAGING, staging, '', this.#o.agentId());
    this.#tasks.set(taskId, entry);
    if (this.#draining) {
      void this.#update(entry, TaskState.TASK_DROPPED, { reason: TaskReason.AGENT_SHUTDOWN, message: 'the agent is shutting down' });
      return;
    }
    // Checkpointed (with the task) before the runtime is asked, so a restarted agent looks for it.
    if (this.#runtime.reportsStarting) await this.#update(entry, TaskState.TASK_STARTING);
    else await this.#o.checkpoint.save();
    await this.#launch(entry);
  }

  kill(kill: KillCommand): void {
    const { taskId } = kill;
    const entry = this.#tasks.get(taskId);
    if (!entry) {
      this.#log.info({ taskId }, 'kill for a task this agent does not have');
      void this.#stage(statusOf(this.#o.agentId(), taskId, kill.frameworkId, TaskState.TASK_LOST, '', {
        reason: TaskReason.TASK_UNKNOWN,
        message: `agent ${this.#o.agentId()} has no task ${taskId}`,
      }));
      return;
    }
    void this.#kill(entry, kill.reason || TaskReason.KILLED_BY_FRAMEWORK, kill.gracePeriodMs);
  }

  acknowledge(taskId: string, uuid: string): void {
    const acked = this.#o.updates.acknowledge(taskId, uuid);
    if (!acked) return;
    this.#o.checkpoint.saveSoon();
    if (!isTerminal(acked.state)) return;
    const entry = this.#tasks.get(taskId);
    if (!entry || !isTerminal(entry.state) || this.#o.updates.has(taskId)) return;
    this.#retire(entry);
  }

  /** No new task starts; live ones are killed. Resolves when each one's end is queued. */
  async killAll(reason: string): Promise<void> {
    this.#draining = true;
    const live = [...this.#tasks.values()].filter((e) => !isTerminal(e.state));
    await Promise.all(live.map((e) => this.#kill(e, reason, 0)));
    await Promise.all(live.map((e) => e.ended));
  }

  /** Removes the kept finished tasks' containers and sandboxes now. */
  removeFinished(): Promise<void> {
    return this.#finished.removeAll();
  }

  /** Stops health checks and retention timers; tasks keep running. */
  stop(): void {
    this.#draining = true;
    for (const e of this.#tasks.values()) e.checker?.stop();
    this.#finished.stop();
  }

  // ---------------------------------------------------------------------------------------------
  // Recovery

  /** Takes back the tasks of a checkpoint written by an earlier agent process on this boot. */
  async recover(cp: AgentCheckpoint): Promise<void> {
    for (const p of cp.pending) this.#o.updates.add(p);
    for (const f of cp.finished) {
      // The process runtime needs the sandbox to read a finished task's logs again.
      await this.#runtime.adopt({ id: f.containerId, taskId: f.taskId, frameworkId: f.frameworkId, agentId: cp.agentId, sandboxDir: f.sandboxDir }).catch(() => undefined);
      this.#finished.add(f);
    }
    const entries = cp.tasks.map((c) => {
      const entry = newEntry(c.task, c.frameworkId, c.state, c.latest, c.containerId, c.launchedBy ?? cp.agentId);
      entry.kill = c.kill;
      this.#tasks.set(c.task.taskId, entry);
      return entry;
    });
    const steps: RecoverySteps = {
      runtime: this.#runtime,
      log: this.#log,
      unacknowledged: (taskId) => this.#o.updates.has(taskId),
      known: (taskId) => this.#tasks.has(taskId) || this.#finished.get(taskId) !== undefined,
      sandbox: (taskId) => this.#sandbox(taskId),
      update: (entry, state, extra) => this.#update(entry, state, extra),
      launch: (entry) => this.#launch(entry),
      ended: (entry, exit) => this.#ended(entry, exit),
      watch: (entry) => this.#watch(entry),
      startHealth: (entry) => this.#startHealth(entry),
      retire: (entry) => this.#retire(entry),
    };
    await Promise.all(entries.map((e) => recoverTask(e, steps)));
    await removeOrphans(cp.agentId, steps);
    this.#log.info({ tasks: entries.length, pendingUpdates: cp.pending.length, finished: cp.finished.length }, 'tasks recovered from the checkpoint');
  }

  // ---------------------------------------------------------------------------------------------
  // Task life

  #sandbox(taskId: string): string {
    return path.join(this.#o.workDir, 'sandboxes', taskId);
  }

  async #launch(entry: TaskEntry): Promise<void> {
    const task = entry.task;
    const taskId = task.taskId;
    const sandboxDir = this.#sandbox(taskId);
    const spec = launchSpecOf(task, { frameworkId: entry.frameworkId, agentId: entry.launchedBy, sandboxDir });
    if (task.container.image && this.#runtime.name !== 'docker') {
      this.#log.debug({ taskId, image: task.container.image, runtime: this.#runtime.name }, 'runtime has no images; running the command on the host');
    }
    let containerId: string;
    try {
      // Hollow tasks run nothing, so they need no sandbox (at benchmark scale the mkdirs add up).
      if (this.#runtime.name !== 'hollow') await mkdir(sandboxDir, { recursive: true });
      containerId = (await this.#runtime.launch(spec)).id;
      this.counts.launched++;
    } catch (err) {
      this.counts.launchFailures++;
      const message = (err as Error).message;
      if (entry.kill) await this.#update(entry, TaskState.TASK_KILLED, { reason: entry.kill.reason, message: 'killed while launching' });
      else if (err instanceof ContainerPolicyError) await this.#update(entry, TaskState.TASK_ERROR, { reason: TaskReason.CONTAINER_POLICY, message });
      else await this.#update(entry, TaskState.TASK_FAILED, { reason: TaskReason.CONTAINER_LAUNCH_FAILED, message });
      this.#log.warn({ taskId, err: message }, 'task launch failed');
      return;
    }
    entry.containerId = containerId;
    if (entry.kill) {
      // A kill arrived while the container was being created: it goes at once.
      void this.#runtime.kill(containerId, entry.kill.gracePeriodMs).catch((err: unknown) => this.#log.warn({ taskId, err }, 'kill failed'));
    } else {
      // The RUNNING update's checkpoint carries the container id.
      await this.#update(entry, TaskState.TASK_RUNNING);
      this.#startHealth(entry);
    }
    await this.#watch(entry);
  }

  async #watch(entry: TaskEntry): Promise<void> {
    let exit: ExitInfo;
    try {
      exit = await this.#runtime.wait(entry.containerId, this.#o.signal);
    } catch (err) {
      // The agent stopped and leaves the task running: nothing to report.
      if (this.#o.signal.aborted) return;
      exit = { exitCode: null, oomKilled: false, message: `lost track of the container: ${(err as Error).message}` };
    }
    await this.#ended(entry, exit);
  }

  async #ended(entry: TaskEntry, exit: ExitInfo): Promise<void> {
    entry.checker?.stop();
    const { state, extra } = endingOf(entry, exit);
    await this.#update(entry, state, extra);
  }

  /** Asks for the task's end; the terminal TASK_KILLED comes from the wait in #watch. */
  async #kill(entry: TaskEntry, reason: string, gracePeriodMs: number): Promise<void> {
    const taskId = entry.task.taskId;
    if (isTerminal(entry.state) || entry.kill) {
      this.#log.debug({ taskId, state: stateName(entry.state) }, 'kill ignored: the task is already ending');
      return;
    }
    const graceMs = gracePeriodMs || entry.task.killGracePeriodMs || this.#o.defaultKillGracePeriodMs;
    entry.kill = { reason, gracePeriodMs: graceMs };
    entry.checker?.stop();
    await this.#update(entry, TaskState.TASK_KILLING, { reason });
    if (entry.containerId === '') return; // still launching; #launch kills it once it exists
    try {
      await this.#runtime.kill(entry.containerId, graceMs);
    } catch (err) {
      this.#log.warn({ taskId, err }, 'kill failed');
    }
  }

  /** The master has the task's end: forget it, keeping its container a while for its logs. */
  #retire(entry: TaskEntry): void {
    const taskId = entry.task.taskId;
    this.#tasks.delete(taskId);
    this.#log.debug({ taskId }, 'task retired');
    this.#finished.add({ taskId, frameworkId: entry.frameworkId, containerId: entry.containerId, sandboxDir: this.#sandbox(taskId), finishedAtMs: Date.now() });
    // Lost in a crash, the task is still in the checkpoint with its end: recovery retires it again.
    this.#o.checkpoint.saveSoon();
  }

  async #removeFinished(f: FinishedTask): Promise<void> {
    if (f.containerId !== '') await this.#runtime.remove(f.containerId);
    await rm(f.sandboxDir, { recursive: true, force: true });
  }

  #startHealth(entry: TaskEntry): void {
    const check = entry.task.healthCheck;
    if (!check || entry.checker) return;
    const spec = launchSpecOf(entry.task, { frameworkId: entry.frameworkId, agentId: entry.launchedBy, sandboxDir: this.#sandbox(entry.task.taskId) });
    const probe = probeOf(check, { runtime: this.#runtime, containerId: entry.containerId, ports: spec.ports, env: taskEnvironment(spec) });
    if (!probe) return;
    entry.checker = new HealthChecker({
      probe,
      schedule: scheduleOf(check),
      initial: entry.health,
      onChange: (change) => void this.#healthChanged(entry, change),
      onResult: (ok) => void (ok ? this.counts.healthChecksPassed++ : this.counts.healthChecksFailed++),
    });
    entry.checker.start();
  }

  async #healthChanged(entry: TaskEntry, change: HealthChange): Promise<void> {
    if (entry.state !== TaskState.TASK_RUNNING || entry.kill) return;
    const taskId = entry.task.taskId;
    const healthy = change.health === Health.HEALTHY;
    this.#log.info({ taskId, healthy, message: change.message }, 'task health changed');
    const message = healthy ? `healthy: ${change.message}` : `unhealthy after ${change.failures} consecutive failed checks: ${change.message}`;
    entry.health = change.health;
    await this.#update(entry, TaskState.TASK_RUNNING, { reason: TaskReason.HEALTH_CHECK, message, health: change.health });
  }

  // ---------------------------------------------------------------------------------------------
  // Status updates

  /** Records the move and queues its update once checkpointed; resolves when it is queued. */
  #update(entry: TaskEntry, state: TaskState, extra: StatusExtra = {}): Promise<void> {
    const taskId = entry.task.taskId;
    if (!canTransition(entry.state, state)) {
      this.#log.warn({ taskId, from: stateName(entry.state), to: stateName(state) }, 'ignoring an illegal task state change');
      return Promise.resolve();
    }
    const status = statusOf(this.#o.agentId(), taskId, entry.frameworkId, state, entry.containerId, extra);
    this.#log.debug({ taskId, from: stateName(entry.state), to: stateName(state), reason: extra.reason }, 'task state');
    entry.state = state;
    entry.latest = status;
    const queued = this.#stage(status);
    if (isTerminal(state)) void queued.then(entry.markEnded);
    return queued;
  }

  /** Queues status for the master after the checkpoint that holds it is written. */
  async #stage(status: StatusUpdate): Promise<void> {
    this.#staged.push(status);
    await this.#o.checkpoint.save();
    this.#staged = this.#staged.filter((s) => s !== status);
    this.#o.updates.add(status);
  }
}
