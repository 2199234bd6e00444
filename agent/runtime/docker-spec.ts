// What the Docker runtime sends the engine and reads back: the container create request built
// from a LaunchSpec, inspect and stats answers as exits, summaries and samples, and an exec's
// output stream. Types only from dockerode: docker-runtime.ts is the one file that talks to it.
import type Docker from 'dockerode';
import { LABEL } from './docker-names.js';
import type { Readable } from 'node:stream';
import { DockerFrameParser } from './docker-frames.js';
import type { ContainerSummary, ExecOptions, ExitInfo, LaunchSpec, UsageSample } from './runtime.js';
import { taskEnvironment } from './task-env.js';

const MIB = 1024 * 1024;
const EXEC_OUTPUT_KEEP_BYTES = 4096;

/** Docker answers "not found" with 404, "already in that state" with 304/409. */
export function statusOf(err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

export function engineMessage(err: unknown): string {
  const json = (err as { json?: { message?: string } } | null)?.json;
  return json?.message ?? (err as Error).message;
}

/**
 * The container a task gets, built field by field from its LaunchSpec: host networking, cpu and
 * memory limits from its resources (memory without swap), a pids limit, berth.* labels that a
 * task cannot set, and only the privileges the policy already let through.
 */
export function createOptionsOf(spec: LaunchSpec, name: string, image: string, limits: { pidsLimit: number; init: boolean }): Docker.ContainerCreateOptions {
  const env = Object.entries(taskEnvironment(spec)).map(([k, v]) => `${k}=${v}`);
  const labels: Record<string, string> = {};
  // Task labels go along for operators, but berth.* keys are ours and cannot be spoofed.
  for (const [k, v] of Object.entries(spec.labels)) if (!k.startsWith('berth.')) labels[k] = v;
  labels[LABEL.TASK_ID] = spec.taskId;
  labels[LABEL.FRAMEWORK_ID] = spec.frameworkId;
  labels[LABEL.AGENT_ID] = spec.agentId;
  labels[LABEL.MANAGED] = 'true';
  const request = spec.container;
  const hostConfig: Docker.HostConfig = {
    NetworkMode: 'host',
    PidsLimit: limits.pidsLimit,
    Init: limits.init,
    Privileged: request?.privileged === true,
    Binds: (request?.volumes ?? []).map((v) => `${v.hostPath}:${v.containerPath}:${v.readOnly ? 'ro' : 'rw'}`),
    CapAdd: request?.capAdd ?? [],
    RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
  };
  if (spec.resources.cpus > 0) hostConfig.NanoCpus = Math.round(spec.resources.cpus * 1e9);
  if (spec.resources.memMb > 0) {
    hostConfig.Memory = Math.round(spec.resources.memMb * MIB);
    // Equal to Memory: no swap, so the limit is the limit.
    hostConfig.MemorySwap = hostConfig.Memory;
  }
  const options: Docker.ContainerCreateOptions = {
    name,
    Image: image,
    Env: env,
    Labels: labels,
    Tty: false,
    OpenStdin: false,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    HostConfig: hostConfig,
    ...(request?.user ? { User: request.user } : {}),
  };
  // The command replaces the image's entrypoint, so a shell command line runs as written even
  // in an image with an ENTRYPOINT; with no command the image's own default runs.
  if (spec.command.shell) {
    options.Entrypoint = ['/bin/sh', '-c'];
    options.Cmd = [spec.command.value];
  } else if (spec.command.value !== '') {
    options.Entrypoint = [spec.command.value];
    options.Cmd = [...spec.command.arguments];
  } else if (spec.command.arguments.length > 0) {
    options.Cmd = [...spec.command.arguments];
  }
  return options;
}

export function exitOf(info: Docker.ContainerInspectInfo): ExitInfo {
  const state = info.State;
  return {
    exitCode: typeof state.ExitCode === 'number' ? state.ExitCode : null,
    oomKilled: state.OOMKilled === true,
    ...(state.Error ? { message: state.Error } : {}),
  };
}

export function summaryOf(info: Docker.ContainerInspectInfo): ContainerSummary {
  const labels = info.Config.Labels ?? {};
  const running = info.State.Running === true || info.State.Status === 'created';
  return {
    id: info.Id,
    taskId: labels[LABEL.TASK_ID] ?? '',
    frameworkId: labels[LABEL.FRAMEWORK_ID] ?? '',
    agentId: labels[LABEL.AGENT_ID] ?? '',
    running,
    ...(running ? {} : { exit: exitOf(info) }),
  };
}

/**
 * A stats answer as a usage sample; undefined for a stopped container (zero values stamped at year
 * 1). `cpuPercent` is relative to one core, as `docker stats` shows it: the container's CPU time
 * over the host's (all cores) between Docker's two readings, times the host's cores. A container
 * limited to `cpus` (NanoCpus) therefore stays near `cpus × 100` when busy.
 */
export function usageOf(s: Docker.ContainerStats): UsageSample | undefined {
  const atMs = Date.parse(s.read);
  if (!(atMs > 0)) return undefined;
  const cpuDelta = s.cpu_stats.cpu_usage.total_usage - s.precpu_stats.cpu_usage.total_usage;
  const systemDelta = (s.cpu_stats.system_cpu_usage ?? 0) - (s.precpu_stats.system_cpu_usage ?? 0);
  const cpus = s.cpu_stats.online_cpus || s.cpu_stats.cpu_usage.percpu_usage?.length || 1;
  const cpuPercent = systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0;
  // Page cache is reclaimable, so it is not counted against the task (as `docker stats` does).
  const cache = s.memory_stats.stats?.total_inactive_file ?? s.memory_stats.stats?.inactive_file ?? 0;
  const memBytes = Math.max(0, (s.memory_stats.usage ?? 0) - cache);
  return { cpuPercent, memBytes, atMs };
}

/** Reads an exec's multiplexed output (the last few KiB) until it ends, or until the timeout or signal. */
export async function collectExec(stream: Readable, options: ExecOptions): Promise<{ output: string; timedOut: boolean }> {
  const parser = new DockerFrameParser();
  let output = '';
  stream.on('data', (chunk: Buffer) => {
    for (const f of parser.push(chunk)) output = (output + f.payload.toString('utf8')).slice(-EXEC_OUTPUT_KEEP_BYTES);
  });
  // The engine cannot kill an exec'd process; on a timeout the check is abandoned, not the task.
  const timedOut = await new Promise<boolean>((resolve) => {
    const stop = (): void => {
      stream.destroy();
      resolve(true);
    };
    const timer = setTimeout(stop, Math.max(1, options.timeoutMs));
    options.signal?.addEventListener('abort', stop, { once: true });
    const done = (): void => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', stop);
      resolve(false);
    };
    stream.once('end', done);
    stream.once('close', done);
    stream.once('error', done);
  });
  return { output, timedOut };
}
