// The agent's checkpoint: what a restarted agent needs to take its tasks back (its id, the boot
// it ran under, every task it holds, the status updates the master has not acknowledged, and the
// finished tasks whose logs it keeps). One JSON file in the work dir, replaced atomically.
//
// Writes are renamed into place but not fsync'd: the file must survive a crash of the agent
// process (the page cache keeps it), while a crash of the host reboots it, and after a reboot the
// checkpoint is not used for tasks anyway (the boot id differs and the containers are gone).
import { rename, renameSync, writeFile, writeFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { pb, type TaskState } from '../protocol/index.js';
import { decodeTaskInfo, decodeTaskStatus, type StatusUpdate, type TaskSpec } from '../protocol/domain/index.js';

export const CHECKPOINT_FILE = 'checkpoint.json';
const VERSION = 1;
/** How long a saveSoon() waits for another write to carry it. */
export const LAZY_WRITE_MS = 1_000;

export interface CheckpointedTask {
  task: TaskSpec;
  frameworkId: string;
  /** '' until the runtime launched it. */
  containerId: string;
  state: TaskState;
  latest: StatusUpdate;
  /** The agent id it was launched under (its container's berth.agent_id label). */
  launchedBy?: string | undefined;
  /** A kill that was asked for and not yet seen through. */
  kill?: { reason: string; gracePeriodMs: number } | undefined;
}

/** A task that ended and was acknowledged, kept so its logs stay readable for a while. */
export interface FinishedTask {
  taskId: string;
  frameworkId: string;
  containerId: string;
  sandboxDir: string;
  finishedAtMs: number;
}

export interface AgentCheckpoint {
  agentId: string;
  /** The agent id before the last host reboot, until the master has been told (previous_agent_id). */
  previousAgentId: string;
  bootId: string;
  tasks: CheckpointedTask[];
  pending: StatusUpdate[];
  finished: FinishedTask[];
}

/** The checkpoint exists but cannot be used; the agent refuses to start rather than lose tasks. */
export class CheckpointError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CheckpointError';
  }
}

/** Writes the agent's state on demand; save() resolves once a write taken after the call is on disk. */
export class Checkpoint {
  readonly file: string;
  #snapshot: () => AgentCheckpoint;
  #log: Logger;
  /** A write that has not taken its snapshot yet; every save() until it starts shares it. */
  #next: Promise<void> | undefined;
  #last: Promise<void> = Promise.resolve();
  #dirReady = false;
  /** A write asked for with saveSoon(), due unless an earlier write carries it. */
  #soon: NodeJS.Timeout | undefined;

  #blocking: boolean;

  /** writes: 'blocking' writes with synchronous calls (see AgentOptions.checkpointWrites). */
  constructor(workDir: string, snapshot: () => AgentCheckpoint, log: Logger, writes: 'async' | 'blocking' = 'async') {
    this.file = path.join(workDir, CHECKPOINT_FILE);
    this.#snapshot = snapshot;
    this.#log = log;
    this.#blocking = writes === 'blocking';
  }

  /** The checkpoint in workDir, undefined when there is none; throws CheckpointError when it is unreadable. */
  static async load(workDir: string): Promise<AgentCheckpoint | undefined> {
    const file = path.join(workDir, CHECKPOINT_FILE);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new CheckpointError(`cannot read the agent checkpoint ${file}: ${(err as Error).message}`, { cause: err });
    }
    try {
      return decode(JSON.parse(text) as unknown);
    } catch (err) {
      throw new CheckpointError(
        `the agent checkpoint ${file} is unusable (${(err as Error).message}); ` +
          'move it away to start this agent afresh (its running tasks will not be re-adopted)',
        { cause: err },
      );
    }
  }

  /**
   * Writes the current state. Writes never overlap and never reorder: a call made while one is
   * running is served by the next write, whose snapshot is taken when it starts. A failed write
   * is logged (a person must act) and resolves all the same: the agent keeps running its tasks.
   */
  save(): Promise<void> {
    this.#next ??= this.#last.then(() => {
      this.#next = undefined;
      // This write's snapshot holds whatever a saveSoon() was waiting to write.
      clearTimeout(this.#soon);
      this.#soon = undefined;
      return this.#write();
    });
    this.#last = this.#next;
    return this.#next;
  }

  /**
   * Asks for a write within LAZY_WRITE_MS, carried by any write that starts before then: for a
   * change whose loss in a crash costs only a repeat (an acknowledged update is forgotten, so a
   * restarted agent re-sends it and the master, knowing its uuid, acknowledges it again). On a
   * busy agent it rides on the next update's write instead of costing one of its own.
   */
  saveSoon(): void {
    if (this.#soon !== undefined) return;
    this.#soon = setTimeout(() => {
      this.#soon = undefined;
      void this.save();
    }, LAZY_WRITE_MS);
    this.#soon.unref();
  }

  async #write(): Promise<void> {
    const tmp = `${this.file}.tmp`;
    try {
      if (!this.#dirReady) {
        await mkdir(path.dirname(this.file), { recursive: true });
        this.#dirReady = true;
      }
      const text = JSON.stringify(encode(this.#snapshot()));
      if (this.#blocking) {
        writeFileSync(tmp, text);
        renameSync(tmp, this.file);
      } else {
        await replaceFile(tmp, this.file, text);
      }
    } catch (err) {
      this.#log.error({ err, file: this.file }, 'could not write the agent checkpoint; a restart may not find every task');
    }
  }
}

/**
 * Writes tmp and renames it over file. The callback API, not fs/promises: an agent writes its
 * checkpoint on every status update and acknowledgement, and a FileHandle's open, write and close
 * cost it several times the write itself.
 */
function replaceFile(tmp: string, file: string, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    writeFile(tmp, text, (err) => {
      if (err) reject(err);
      else rename(tmp, file, (e) => (e ? reject(e) : resolve()));
    });
  });
}

// A task's spec and an update never change once made (a new state is a new update), so each is
// encoded once, not on every write of the checkpoint that holds it.
const wireJson = new WeakMap<object, unknown>();

function taskJson(task: TaskSpec): unknown {
  let json = wireJson.get(task);
  if (json === undefined) wireJson.set(task, (json = pb.TaskInfo.fromObject(task).toJSON()));
  return json;
}

function statusJson(status: StatusUpdate): unknown {
  let json = wireJson.get(status);
  if (json === undefined) wireJson.set(status, (json = pb.TaskStatus.fromObject(status).toJSON()));
  return json;
}

// On disk the tasks and updates keep their wire JSON (protobufjs toJSON), the format of every
// earlier version, so an agent upgraded in place reads the checkpoint its predecessor wrote. A
// TaskSpec or StatusUpdate is its wire message with every field present, so it goes in as it is.
function encode(cp: AgentCheckpoint): unknown {
  return {
    version: VERSION,
    agentId: cp.agentId,
    previousAgentId: cp.previousAgentId,
    bootId: cp.bootId,
    tasks: cp.tasks.map((t) => ({
      task: taskJson(t.task),
      frameworkId: t.frameworkId,
      containerId: t.containerId,
      state: t.state,
      latest: statusJson(t.latest),
      launchedBy: t.launchedBy ?? cp.agentId,
      ...(t.kill ? { kill: t.kill } : {}),
    })),
    pending: cp.pending.map(statusJson),
    finished: cp.finished,
  };
}

function str(v: unknown, field: string): string {
  if (typeof v !== 'string') throw new Error(`${field} must be a string`);
  return v;
}

function list(v: unknown, field: string): unknown[] {
  if (!Array.isArray(v)) throw new Error(`${field} must be a list`);
  return v;
}

/** An update as written: the fields it had (zeros included, since toJSON keeps what was set). */
function status(v: unknown): StatusUpdate {
  return decodeTaskStatus(pb.TaskStatus.toObject(pb.TaskStatus.fromObject(v as Record<string, unknown>))).value;
}

function decode(raw: unknown): AgentCheckpoint {
  const o = raw as Record<string, unknown> | null;
  if (typeof o !== 'object' || o === null) throw new Error('not a JSON object');
  if (o.version !== VERSION) throw new Error(`version ${String(o.version)} is not ${VERSION}`);
  const tasks = list(o.tasks, 'tasks').map((x, i) => {
    const t = x as Record<string, unknown>;
    // The task ran, so it met the launch rules when it was written: its value is what counts.
    const task = decodeTaskInfo(pb.TaskInfo.toObject(pb.TaskInfo.fromObject(t.task as Record<string, unknown>))).value;
    if (!task.taskId) throw new Error(`tasks[${i}].task.taskId is missing`);
    const kill = t.kill as { reason?: unknown; gracePeriodMs?: unknown } | undefined;
    return {
      task,
      frameworkId: str(t.frameworkId, `tasks[${i}].frameworkId`),
      containerId: str(t.containerId, `tasks[${i}].containerId`),
      state: Number(t.state) as TaskState,
      latest: status(t.latest),
      ...(typeof t.launchedBy === 'string' ? { launchedBy: t.launchedBy } : {}),
      ...(kill ? { kill: { reason: String(kill.reason ?? ''), gracePeriodMs: Number(kill.gracePeriodMs ?? 0) } } : {}),
    };
  });
  const pending = list(o.pending, 'pending').map((x, i) => {
    const s = status(x);
    if (!s.taskId || !s.uuid) throw new Error(`pending[${i}] needs taskId and uuid`);
    return s;
  });
  const finished = list(o.finished, 'finished').map((x, i) => {
    const f = x as Record<string, unknown>;
    return {
      taskId: str(f.taskId, `finished[${i}].taskId`),
      frameworkId: str(f.frameworkId, `finished[${i}].frameworkId`),
      containerId: str(f.containerId, `finished[${i}].containerId`),
      sandboxDir: str(f.sandboxDir, `finished[${i}].sandboxDir`),
      finishedAtMs: Number(f.finishedAtMs),
    };
  });
  return {
    agentId: str(o.agentId, 'agentId'),
    previousAgentId: str(o.previousAgentId ?? '', 'previousAgentId'),
    bootId: str(o.bootId, 'bootId'),
    tasks,
    pending,
    finished,
  };
}
