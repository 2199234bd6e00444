// The agent's tasks: launch through the runtime, watch for the end, kill, health checks, and the
// status update of every change. Each update is checkpointed before it is queued for the master
// (so a restarted agent re-sends it with the same uuid), and each task is checkpointed before it
// is launched (so a restarted agent looks for its container). recover() takes tasks back from a
// checkpoint after an agent restart.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import {
  canTransition,
  checkId,
  isTerminal,
  newUuid,
  stateName,
  StatusSource,
  TaskReason,
  TaskState,
  type pb,
  type TaskInfo,
  type TaskReport,
  type TaskStatus,
} from '../protocol/index.js';
import type { AgentCheckpoint, CheckpointedTask, FinishedTask } from './checkpoint.js';
import { FinishedTasks } from './finished-tasks.js';
import { Health, HealthChecker, scheduleOf, type HealthChange } from './health/health-checker.js';
import { probeOf } from './health/probe-of.js';
import { launchSpecOf } from './launch-spec.js';
import { ContainerPolicyError } from './runtime/policy.js';
import type { ContainerRuntime, ContainerSummary, ExitInfo } from './runtime/runtime.js';
import { taskEnvironment } from './runtime/task-env.js';
import type { PendingStatus, StatusUpdateManager } from './status-update-manager.js';

export interface TaskRunnerOptions {
  runtime: ContainerRuntime;
  updates: StatusUpdateManager;
  /** Writes the agent's checkpoint; resolves once a snapshot taken after the call is on disk. */
  save: () => Promise<void>;
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

interface TaskEntry {
  task: TaskInfo;
  frameworkId: string;
  state: TaskState;
  latest: TaskStatus;
  containerId: string;
  /** The agent id the task was launched under (its container's label). */
  launchedBy: string;
  kill?: { reason: string; gracePeriodMs: number } | undefined;
  checker?: HealthChecker | undefined;
  health: Health;
  /** Resolves once the task's terminal update is checkpointed and queued. */
  ended: Promise<void>;
  markEnded: () => void;
}

interface StatusExtra {
  reason?: string;
  message?: string;
  exitCode?: number;
  health?: Health;
}

export class TaskRunner {
  #o: TaskRunnerOptions;
  #runtime: ContainerRuntime;
  #log: Logger;
  #tasks = new Map<string, TaskEntry>();
  /** Updates made but not yet checkpointed, so not yet queued for the master. */
  #staged: PendingStatus[] = [];
  #finished: FinishedTasks;
  #draining = false;

  constructor(options: TaskRunnerOptions) {
    this.#o = options;
    this.#runtime = options.runtime;
    this.#log = options.log;
    this.#finished = new FinishedTasks({
      retentionMs: options.finishedRetentionMs,
      maxTasks: options.finishedMaxTasks,
      remove: (f) => this.#removeFinished(f),
      changed: () => void this.#o.save(),
      log: this.#log,
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Views

  views(): AgentTaskView[] {
    return [...this.#tasks.values()].map((e) => ({
      taskId: e.task.taskId ?? '',
      frameworkId: e.frameworkId,
      state: e.state,
      containerId: e.containerId,
      health: e.health,
    }));
  }

  /** Every task still known, as the registration reports them. */
  reports(): TaskReport[] {
    return [...this.#tasks.values()].map((e) => ({ task: e.task, frameworkId: e.frameworkId, status: e.latest }));
  }

  /** Tasks with a live container, for usage samples. */
  running(): { taskId: string; containerId: string }[] {
    return [...this.#tasks.values()].filter((e) => e.containerId !== '' && !isTerminal(e.state)).map((e) => ({ taskId: e.task.taskId ?? '', containerId: e.containerId }));
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

  staged(): PendingStatus[] {
    return [...this.#staged];
  }

  // ---------------------------------------------------------------------------------------------
  // Commands from the master

  async run(run: pb.AgentEvent.IRunTask): Promise<void> {
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
    const entry = this.#entry(task, frameworkId, TaskState.TASK_STAGING, { taskId, state: TaskState.TASK_STAGING, frameworkId }, '', this.#o.agentId());
    this.#tasks.set(taskId, entry);
    if (this.#draining) {
      void this.#update(entry, TaskState.TASK_DROPPED, { reason: TaskReason.AGENT_SHUTDOWN, message: 'the agent is shutting down' });
      return;
    }
    // Checkpointed (with the task) before the runtime is asked, so a restarted agent looks for it.
    await this.#update(entry, TaskState.TASK_STARTING);
    await this.#launch(entry);
  }

  kill(kill: pb.AgentEvent.IKillTask): void {
    const taskId = kill.taskId ?? '';
    const entry = this.#tasks.get(taskId);
    if (!entry) {
      this.#log.info({ taskId }, 'kill for a task this agent does not have');
      void this.#stage(this.#status(taskId, kill.frameworkId ?? '', TaskState.TASK_LOST, '', {
        reason: TaskReason.TASK_UNKNOWN,
        message: `agent ${this.#o.agentId()} has no task ${taskId}`,
      }));
      return;
    }
    void this.#kill(entry, kill.reason || TaskReason.KILLED_BY_FRAMEWORK, kill.gracePeriodMs ?? 0);
  }

  acknowledge(taskId: string, uuid: string): void {
    const acked = this.#o.updates.acknowledge(taskId, uuid);
    if (!acked) return;
    void this.#o.save();
    if (!isTerminal(acked.state ?? TaskState.TASK_UNKNOWN)) return;
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
      const entry = this.#entry(c.task, c.frameworkId, c.state, c.latest, c.containerId, c.launchedBy ?? cp.agentId);
      entry.kill = c.kill;
      entry.health = (c.latest.health ?? 0) as Health;
      this.#tasks.set(c.task.taskId ?? '', entry);
      return entry;
    });
    await Promise.all(entries.map((e) => this.#recoverTask(e)));
    await this.#removeOrphans(cp.agentId);
    this.#log.info({ tasks: entries.length, pendingUpdates: cp.pending.length, finished: cp.finished.length }, 'tasks recovered from the checkpoint');
  }

  async #recoverTask(entry: TaskEntry): Promise<void> {
    const taskId = entry.task.taskId ?? '';
    if (isTerminal(entry.state)) {
      // Its end was acknowledged just before the agent went down, before the checkpoint said so.
      if (!this.#o.updates.has(taskId)) this.#retire(entry);
      return;
    }
    let found: ContainerSummary | undefined;
    try {
      found = await this.#runtime.adopt({ id: entry.containerId, taskId, frameworkId: entry.frameworkId, agentId: entry.launchedBy, sandboxDir: this.#sandbox(taskId) });
    } catch (err) {
      this.#log.error({ taskId, err }, 'could not ask the runtime for a task container');
      await this.#update(entry, TaskState.TASK_LOST, { reason: TaskReason.CONTAINER_VANISHED, message: `the agent restarted and could not find the container: ${(err as Error).message}` });
      return;
    }
    if (!found) {
      if (entry.kill) {
        await this.#update(entry, TaskState.TASK_KILLED, { reason: entry.kill.reason, message: 'killed before it was launched (the agent restarted)' });
      } else if (entry.state === TaskState.TASK_STAGING || entry.state === TaskState.TASK_STARTING) {
        // The agent went down before the runtime created anything: launch it now (launch is
        // idempotent by task, so a launch that did get through is adopted, not doubled).
        this.#log.info({ taskId }, 'task was not launched before the agent restarted; launching it');
        void this.#launch(entry).catch((err: unknown) => this.#log.error({ taskId, err }, 'relaunch failed'));
      } else {
        const what = entry.containerId === '' ? 'its container' : `container ${entry.containerId}`;
        await this.#update(entry, TaskState.TASK_FAILED, { reason: TaskReason.CONTAINER_VANISHED, message: `${what} was gone when the agent restarted` });
      }
      return;
    }
    entry.containerId = found.id;
    if (!found.running) {
      this.#log.info({ taskId, containerId: found.id }, 'task ended while the agent was down');
      await this.#ended(entry, found.exit ?? { exitCode: null, oomKilled: false, exitUnknown: true, message: 'ended while the agent was down' });
      return;
    }
    this.#log.info({ taskId, containerId: found.id }, 'task container re-adopted');
    if (entry.kill) {
      void this.#runtime.kill(found.id, entry.kill.gracePeriodMs).catch((err: unknown) => this.#log.warn({ taskId, err }, 'kill failed'));
    } else if (entry.state !== TaskState.TASK_RUNNING) {
      await this.#update(entry, TaskState.TASK_RUNNING);
    }
    if (entry.state === TaskState.TASK_RUNNING) this.#startHealth(entry);
    void this.#watch(entry);
  }

  /** Containers of this agent that no task or retained finished task knows: an earlier agent lost them. */
  async #removeOrphans(agentId: string): Promise<void> {
    let found: ContainerSummary[];
    try {
      found = await this.#runtime.list(agentId);
    } catch (err) {
      this.#log.warn({ err }, 'could not list containers to look for orphans');
      return;
    }
    for (const c of found) {
      if (this.#tasks.has(c.taskId) || this.#finished.get(c.taskId)) continue;
      this.#log.warn({ taskId: c.taskId, containerId: c.id }, 'removing a container no task of this agent knows');
      await this.#runtime.remove(c.id).catch((err: unknown) => this.#log.warn({ containerId: c.id, err }, 'could not remove an orphan container'));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Task life

  #entry(task: TaskInfo, frameworkId: string, state: TaskState, latest: TaskStatus, containerId: string, launchedBy: string): TaskEntry {
    let markEnded: () => void = () => undefined;
    const ended = new Promise<void>((resolve) => (markEnded = resolve));
    return { task, frameworkId, state, latest, containerId, launchedBy, health: Health.UNKNOWN, ended, markEnded };
  }

  #sandbox(taskId: string): string {
    return path.join(this.#o.workDir, 'sandboxes', taskId);
  }

  async #launch(entry: TaskEntry): Promise<void> {
    const task = entry.task;
    const taskId = task.taskId ?? '';
    const sandboxDir = this.#sandbox(taskId);
    const spec = launchSpecOf(task, { frameworkId: entry.frameworkId, agentId: entry.launchedBy, sandboxDir });
    if (task.container?.image && this.#runtime.name !== 'docker') {
      this.#log.debug({ taskId, image: task.container.image, runtime: this.#runtime.name }, 'runtime has no images; running the command on the host');
    }
    let containerId: string;
    try {
      // Hollow tasks run nothing, so they need no sandbox (at benchmark scale the mkdirs add up).
      if (this.#runtime.name !== 'hollow') await mkdir(sandboxDir, { recursive: true });
      containerId = (await this.#runtime.launch(spec)).id;
    } catch (err) {
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
    const exitCode = exit.exitCode ?? -1;
    const how = exit.exitCode !== null ? `exited with code ${exit.exitCode}` : exit.signal ? `killed by ${exit.signal}` : (exit.message ?? 'ended');
    const S = TaskState;
    if (entry.kill) await this.#update(entry, S.TASK_KILLED, { reason: entry.kill.reason, message: how, exitCode });
    else if (exit.exitCode === 0) await this.#update(entry, S.TASK_FINISHED, { reason: TaskReason.CONTAINER_EXITED, message: how, exitCode });
    else if (exit.oomKilled) await this.#update(entry, S.TASK_FAILED, { reason: TaskReason.OOM, message: `${how}: out of memory (limit ${entry.task.resources?.memMb ?? 0} MB)`, exitCode });
    else if (exit.vanished) await this.#update(entry, S.TASK_FAILED, { reason: TaskReason.CONTAINER_VANISHED, message: how, exitCode });
    else if (exit.exitUnknown) await this.#update(entry, S.TASK_FAILED, { reason: TaskReason.EXIT_CODE_UNKNOWN, message: how, exitCode });
    else await this.#update(entry, S.TASK_FAILED, { reason: TaskReason.CONTAINER_EXITED, message: how, exitCode });
  }

  /** Asks for the task's end; the terminal TASK_KILLED comes from the wait in #watch. */
  async #kill(entry: TaskEntry, reason: string, gracePeriodMs: number): Promise<void> {
    const taskId = entry.task.taskId ?? '';
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
    const taskId = entry.task.taskId ?? '';
    this.#tasks.delete(taskId);
    this.#log.debug({ taskId }, 'task retired');
    this.#finished.add({ taskId, frameworkId: entry.frameworkId, containerId: entry.containerId, sandboxDir: this.#sandbox(taskId), finishedAtMs: Date.now() });
    void this.#o.save();
  }

  async #removeFinished(f: FinishedTask): Promise<void> {
    if (f.containerId !== '') await this.#runtime.remove(f.containerId);
    await rm(f.sandboxDir, { recursive: true, force: true });
  }

  #startHealth(entry: TaskEntry): void {
    const check = entry.task.healthCheck;
    if (!check || entry.checker) return;
    const spec = launchSpecOf(entry.task, { frameworkId: entry.frameworkId, agentId: entry.launchedBy, sandboxDir: this.#sandbox(entry.task.taskId ?? '') });
    const probe = probeOf(check, { runtime: this.#runtime, containerId: entry.containerId, ports: spec.ports, env: taskEnvironment(spec) });
    if (!probe) return;
    entry.checker = new HealthChecker({
      probe,
      schedule: scheduleOf(check),
      initial: entry.health,
      onChange: (change) => void this.#healthChanged(entry, change),
    });
    entry.checker.start();
  }

  async #healthChanged(entry: TaskEntry, change: HealthChange): Promise<void> {
    if (entry.state !== TaskState.TASK_RUNNING || entry.kill) return;
    const taskId = entry.task.taskId ?? '';
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
    const taskId = entry.task.taskId ?? '';
    if (!canTransition(entry.state, state)) {
      this.#log.warn({ taskId, from: stateName(entry.state), to: stateName(state) }, 'ignoring an illegal task state change');
      return Promise.resolve();
    }
    const status = this.#status(taskId, entry.frameworkId, state, entry.containerId, extra);
    this.#log.debug({ taskId, from: stateName(entry.state), to: stateName(state), reason: extra.reason }, 'task state');
    entry.state = state;
    entry.latest = status;
    const queued = this.#stage(status);
    if (isTerminal(state)) void queued.then(entry.markEnded);
    return queued;
  }

  /** Queues status for the master after the checkpoint that holds it is written. */
  async #stage(status: PendingStatus): Promise<void> {
    this.#staged.push(status);
    await this.#o.save();
    this.#staged = this.#staged.filter((s) => s !== status);
    this.#o.updates.add(status);
  }

  #status(taskId: string, frameworkId: string, state: TaskState, containerId: string, extra: StatusExtra): PendingStatus {
    return {
      taskId,
      state,
      reason: extra.reason ?? '',
      message: extra.message ?? '',
      agentId: this.#o.agentId(),
      frameworkId,
      uuid: newUuid(),
      timestampMs: Date.now(),
      source: StatusSource.AGENT,
      exitCode: extra.exitCode ?? -1,
      containerId,
      health: extra.health ?? 0,
    };
  }
}
