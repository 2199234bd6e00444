// Runs tasks as Docker containers through dockerode. The only file that talks to the engine.
// The container spec is built field by field from the LaunchSpec (docker-spec.ts); nothing a user
// wrote is passed through, and privileges go through the operator's ContainerPolicy first.
import Docker from 'dockerode';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { sleep } from '../../protocol/index.js';
import { containerName, LABEL } from './docker-names.js';
import { DockerFrameParser, DockerStream } from './docker-frames.js';
import { LineSplitter } from './line-splitter.js';
import { DEFAULT_POLICY, enforceContainerPolicy, type ContainerPolicy } from './policy.js';
import { abortError } from './abortable.js';
import type {
  AdoptRequest,
  ContainerRuntime,
  ContainerSummary,
  ExecOptions,
  ExecResult,
  ExitInfo,
  LaunchSpec,
  LogOptions,
  UsageSample,
} from './runtime.js';
import { collectExec, createOptionsOf, engineMessage, exitOf, statusOf, summaryOf, usageOf } from './docker-spec.js';
import { KernelOomLog, type OomWitness } from './kernel-oom-log.js';

export interface DockerRuntimeOptions {
  /** An engine client; by default one on socketPath. */
  docker?: Docker;
  socketPath?: string;
  /** 'never' (default): a missing image fails the launch; 'missing': pull it first. */
  pull?: 'never' | 'missing';
  /** Most processes a container may hold (fork-bomb guard). */
  pidsLimit?: number;
  /** Run a tiny init as PID 1 so SIGTERM reaches the task and zombies are reaped. */
  init?: boolean;
  policy?: ContainerPolicy;
  log?: Logger;
  /** Who tells an OOM kill apart from another SIGKILL; by default the kernel log (/dev/kmsg). */
  oomWitness?: OomWitness;
}

const DEFAULT_SOCKET = '/var/run/docker.sock';
// Without the kernel log, the engine's OOM event is waited for: it can trail the exit by a while.
const OOM_WAIT_MS = 2_000;

/** Whether a Docker engine answers a ping on socketPath (or through the given client). */
export async function dockerAvailable(options: { docker?: Docker; socketPath?: string } = {}): Promise<boolean> {
  const docker = options.docker ?? new Docker({ socketPath: options.socketPath ?? DEFAULT_SOCKET, timeout: 3_000 });
  try {
    await docker.ping();
    return true;
  } catch {
    return false;
  }
}

export class DockerRuntime implements ContainerRuntime {
  readonly name = 'docker' as const;
  readonly reportsStarting = true;
  #docker: Docker;
  // Containers this runtime is killing: their SIGKILL exit is ours, not an OOM kill.
  #killing = new Set<string>();
  #pull: 'never' | 'missing';
  #pidsLimit: number;
  #init: boolean;
  #policy: ContainerPolicy;
  #log: Logger | undefined;
  #oom: OomWitness;

  constructor(options: DockerRuntimeOptions = {}) {
    this.#docker = options.docker ?? new Docker({ socketPath: options.socketPath ?? DEFAULT_SOCKET });
    this.#pull = options.pull ?? 'never';
    this.#pidsLimit = options.pidsLimit ?? 1024;
    this.#init = options.init ?? true;
    this.#policy = options.policy ?? DEFAULT_POLICY;
    this.#log = options.log?.child({ component: 'docker-runtime' });
    this.#oom = options.oomWitness ?? new KernelOomLog();
  }

  async launch(spec: LaunchSpec): Promise<ContainerSummary> {
    enforceContainerPolicy(spec.container, this.#policy);
    const image = spec.image ?? '';
    if (image === '') throw new Error(`task ${spec.taskId} has no container.image; the docker runtime needs one`);
    const name = containerName(spec.agentId, spec.taskId);

    // A container with this name means an earlier launch of the same task got this far: adopt it.
    const existing = await this.#inspectRaw(name);
    if (existing) return this.#adopt(existing, spec);

    await this.#ensureImage(image);
    let container: Docker.Container;
    try {
      container = await this.#docker.createContainer(createOptionsOf(spec, name, image, { pidsLimit: this.#pidsLimit, init: this.#init }));
    } catch (err) {
      if (statusOf(err) === 409) {
        // Another launch of this task created it between our inspect and create.
        const raced = await this.#awaitNamed(name);
        if (raced) return this.#adopt(raced, spec);
      }
      throw new Error(`docker could not create the container for task ${spec.taskId}: ${engineMessage(err)}`, { cause: err });
    }
    await this.#start(container.id, spec.taskId);
    this.#log?.debug({ taskId: spec.taskId, containerId: container.id, name }, 'container started');
    return { id: container.id, taskId: spec.taskId, frameworkId: spec.frameworkId, agentId: spec.agentId, running: true };
  }

  async wait(id: string, signal?: AbortSignal): Promise<ExitInfo> {
    if (signal?.aborted) throw abortError();
    try {
      // The engine holds this request open until the container stops; the signal cancels it.
      await this.#docker.getContainer(id).wait(signal ? { abortSignal: signal } : {});
    } catch (err) {
      if (signal?.aborted) throw abortError();
      if (statusOf(err) === 404) return { exitCode: null, oomKilled: false, vanished: true, message: `container ${id} vanished` };
      throw err;
    }
    const info = await this.#inspectRaw(id);
    if (!info) return { exitCode: null, oomKilled: false, vanished: true, message: `container ${id} vanished` };
    // A SIGKILL exit we caused is ours; any other failure may be the kernel's OOM killer.
    return this.#killing.has(id) ? exitOf(info) : this.#judgedExit(info, OOM_WAIT_MS);
  }

  async kill(id: string, gracePeriodMs: number): Promise<void> {
    this.#killing.add(id);
    const container = this.#docker.getContainer(id);
    const stopWaiting = new AbortController();
    const ended = this.wait(id, stopWaiting.signal).catch(() => undefined);
    try {
      if (!(await this.#signal(container, 'SIGTERM'))) return;
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<'grace-over'>((resolve) => (timer = setTimeout(() => resolve('grace-over'), Math.max(0, gracePeriodMs))));
      const first = await Promise.race([ended.then(() => 'ended' as const), graceOver]);
      clearTimeout(timer);
      if (first === 'grace-over') {
        this.#log?.debug({ containerId: id, gracePeriodMs }, 'grace period over; sending SIGKILL');
        await this.#signal(container, 'SIGKILL');
      }
      await ended;
    } finally {
      stopWaiting.abort();
    }
  }

  async inspect(id: string): Promise<ContainerSummary | undefined> {
    const info = await this.#inspectRaw(id);
    return info ? summaryOf(info) : undefined;
  }

  async list(agentId: string): Promise<ContainerSummary[]> {
    const found = await this.#docker.listContainers({
      all: true,
      filters: { label: [`${LABEL.MANAGED}=true`, `${LABEL.AGENT_ID}=${agentId}`] },
    });
    const out: ContainerSummary[] = [];
    for (const c of found) {
      // The list has no exit code; inspect the ended ones, which recovery needs to report.
      const info = c.State === 'running' ? undefined : await this.#inspectRaw(c.Id);
      const summary = info && summaryOf(info);
      if (info && summary?.exit) summary.exit = await this.#judgedExit(info, 0);
      out.push(summary ?? {
        id: c.Id,
        taskId: c.Labels[LABEL.TASK_ID] ?? '',
        frameworkId: c.Labels[LABEL.FRAMEWORK_ID] ?? '',
        agentId: c.Labels[LABEL.AGENT_ID] ?? '',
        running: c.State === 'running',
      });
    }
    return out;
  }

  async stats(id: string): Promise<UsageSample | undefined> {
    let s: Docker.ContainerStats;
    try {
      s = await this.#docker.getContainer(id).stats({ stream: false });
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
    return usageOf(s);
  }

  async *logs(id: string, options: LogOptions): AsyncIterable<string> {
    const container = this.#docker.getContainer(id);
    const base = { stdout: true, stderr: true, ...(options.tail === undefined ? {} : { tail: options.tail }) } as const;
    const splitters = { [DockerStream.STDOUT]: new LineSplitter(), [DockerStream.STDERR]: new LineSplitter() };
    const parser = new DockerFrameParser();
    const linesOf = (chunk: Buffer): string[] =>
      parser.push(chunk).flatMap((f) => (f.stream === DockerStream.STDIN ? [] : splitters[f.stream].push(f.payload)));
    const rest = (): string[] => [...splitters[DockerStream.STDOUT].flush(), ...splitters[DockerStream.STDERR].flush()];

    if (!options.follow) {
      const buffer = await container.logs({ ...base, follow: false });
      yield* linesOf(Buffer.from(buffer));
      yield* rest();
      return;
    }
    const signal = options.signal;
    if (signal?.aborted) return;
    const stream = (await container.logs({ ...base, follow: true })) as unknown as Readable;
    const stop = (): void => void stream.destroy();
    signal?.addEventListener('abort', stop, { once: true });
    try {
      for await (const chunk of stream) yield* linesOf(chunk as Buffer);
      yield* rest();
    } catch (err) {
      // Destroying the stream on abort ends the iteration with a premature-close error.
      if (!signal?.aborted) throw err;
    } finally {
      signal?.removeEventListener('abort', stop);
      stream.destroy();
    }
  }

  async adopt(request: AdoptRequest): Promise<ContainerSummary | undefined> {
    // By id when the agent learned it, else by the name launch() gives every task's container.
    const info = await this.#inspectRaw(request.id !== '' ? request.id : containerName(request.agentId, request.taskId));
    if (!info) return undefined;
    const labels = info.Config.Labels ?? {};
    if (labels[LABEL.TASK_ID] !== request.taskId || labels[LABEL.AGENT_ID] !== request.agentId) {
      this.#log?.warn({ taskId: request.taskId, containerId: info.Id }, 'not adopting a container of another task');
      return undefined;
    }
    // Created but never started: the launch stopped half-way when the agent went down; finish it.
    if (info.State.Status === 'created') {
      await this.#start(info.Id, request.taskId);
      return summaryOf((await this.#inspectRaw(info.Id)) ?? info);
    }
    return summaryOf(info);
  }

  async exec(id: string, argv: string[], options: ExecOptions): Promise<ExecResult> {
    let stream: Readable;
    let exec: Docker.Exec;
    try {
      exec = await this.#docker.getContainer(id).exec({
        Cmd: argv,
        AttachStdout: true,
        AttachStderr: true,
        AttachStdin: false,
        Tty: false,
        ...(options.env ? { Env: Object.entries(options.env).map(([k, v]) => `${k}=${v}`) } : {}),
      });
      stream = (await exec.start({ hijack: true, stdin: false })) as unknown as Readable;
    } catch (err) {
      return { exitCode: null, output: `docker exec failed: ${engineMessage(err)}`, timedOut: false };
    }
    const { output, timedOut } = await collectExec(stream, options);
    if (timedOut) return { exitCode: null, output, timedOut };
    try {
      const info = await exec.inspect();
      return { exitCode: typeof info.ExitCode === 'number' ? info.ExitCode : null, output, timedOut: false };
    } catch (err) {
      return { exitCode: null, output: `docker exec inspect failed: ${engineMessage(err)}`, timedOut: false };
    }
  }

  async remove(id: string): Promise<void> {
    this.#killing.delete(id);
    try {
      await this.#docker.getContainer(id).remove({ force: true, v: true });
    } catch (err) {
      if (statusOf(err) !== 404 && statusOf(err) !== 409) throw err;
    }
  }

  async #ensureImage(image: string): Promise<void> {
    try {
      await this.#docker.getImage(image).inspect();
      return;
    } catch (err) {
      if (statusOf(err) !== 404) throw new Error(`docker could not inspect image "${image}": ${engineMessage(err)}`, { cause: err });
    }
    if (this.#pull === 'never') {
      throw new Error(
        `image "${image}" is not on this host and this agent does not pull images (pull: 'never'); ` +
          `build it on the agent (docker build -t ${image} .) or load it (docker load -i image.tar)`,
      );
    }
    this.#log?.info({ image }, 'pulling image');
    try {
      const stream = (await this.#docker.pull(image)) as NodeJS.ReadableStream;
      await new Promise<void>((resolve, reject) =>
        this.#docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())),
      );
    } catch (err) {
      throw new Error(`image "${image}" is not on this host and pulling it failed: ${engineMessage(err)}`, { cause: err });
    }
  }

  async #start(id: string, taskId: string): Promise<void> {
    try {
      await this.#docker.getContainer(id).start();
    } catch (err) {
      if (statusOf(err) === 304) return; // already started by a concurrent launch
      throw new Error(`docker could not start the container for task ${taskId}: ${engineMessage(err)}`, { cause: err });
    }
  }

  async #adopt(info: Docker.ContainerInspectInfo, spec: LaunchSpec): Promise<ContainerSummary> {
    const labels = info.Config.Labels ?? {};
    if (labels[LABEL.TASK_ID] !== spec.taskId || labels[LABEL.AGENT_ID] !== spec.agentId) {
      throw new Error(`container ${info.Name} exists but belongs to another task (${labels[LABEL.TASK_ID] ?? 'no berth label'})`);
    }
    // Created but never started: the earlier launch stopped half-way, so finish it.
    if (info.State.Status === 'created') await this.#start(info.Id, spec.taskId);
    this.#log?.debug({ taskId: spec.taskId, containerId: info.Id }, 'adopted existing container');
    const now = await this.#inspectRaw(info.Id);
    return summaryOf(now ?? info);
  }

  /**
   * The container holding name. The engine reserves a name before the container can be
   * inspected, so a concurrent create is waited for a little.
   */
  async #awaitNamed(name: string, deadlineMs = 10_000): Promise<Docker.ContainerInspectInfo | undefined> {
    const end = Date.now() + deadlineMs;
    for (;;) {
      const info = await this.#inspectRaw(name);
      if (info || Date.now() > end) return info;
      await sleep(50);
    }
  }

  /**
   * A failed container's exit, with an OOM kill recognised even where the engine missed it. The
   * engine learns of an OOM kill from a notification that races the exit: under load its
   * OOMKilled flag is often unset, and its "oom" event is sometimes never sent. The kernel's own
   * record is written before the kill, so it is asked first (it also catches a shell whose child
   * was OOM-killed and that exited with a code of its own). Only without access to the kernel log
   * is the engine's event waited for, up to engineWaitMs, for a SIGKILL exit.
   */
  async #judgedExit(info: Docker.ContainerInspectInfo, engineWaitMs: number): Promise<ExitInfo> {
    const exit = exitOf(info);
    if (exit.exitCode === 0 || exit.oomKilled) return exit;
    const byKernel = await this.#oom.killedIn(info.Id);
    if (byKernel !== undefined) return { ...exit, oomKilled: byKernel };
    if (exit.exitCode !== 137 || engineWaitMs === 0) return exit;
    if (await this.#oomEvent(info.Id, info.State.FinishedAt, engineWaitMs)) return { ...exit, oomKilled: true };
    return exitOf((await this.#inspectRaw(info.Id)) ?? info);
  }

  /**
   * Whether the engine reports an "oom" event for the container: it replays recent events, and the
   * query stays open up to waitMs for one still on its way; it ends at the first.
   */
  async #oomEvent(id: string, finishedAt: string, waitMs: number): Promise<boolean> {
    const finishedS = Math.floor((Date.parse(finishedAt) || Date.now()) / 1000);
    let stream: NodeJS.ReadableStream & { destroy?: () => void };
    try {
      stream = (await this.#docker.getEvents({
        since: finishedS - 5,
        until: Math.ceil((Date.now() + waitMs) / 1000),
        filters: { container: [id], event: ['oom'] },
      })) as NodeJS.ReadableStream & { destroy?: () => void };
    } catch {
      return false;
    }
    try {
      for await (const chunk of stream) {
        if (chunk.toString().includes('"oom"')) return true;
      }
      return false;
    } catch {
      return false;
    } finally {
      stream.destroy?.();
    }
  }

  async #inspectRaw(idOrName: string): Promise<Docker.ContainerInspectInfo | undefined> {
    try {
      return await this.#docker.getContainer(idOrName).inspect();
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  /** Sends a signal; false when the container is already gone or stopped. */
  async #signal(container: Docker.Container, signal: 'SIGTERM' | 'SIGKILL'): Promise<boolean> {
    try {
      await container.kill({ signal });
      return true;
    } catch (err) {
      const status = statusOf(err);
      if (status === 404 || status === 409) return false;
      throw err;
    }
  }
}
