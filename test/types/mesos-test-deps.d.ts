// Types for the Mesos test clients (they ship none): @dcos/recordio's reader and mesos-framework's scheduler.
declare module '@dcos/recordio' {
  /** Whole records read from input, and what is left of it (a partial record). */
  export function read(input: string): [string[], string];
}

declare module 'mesos-framework' {
  import type { EventEmitter } from 'node:events';
  export interface MesosTaskOptions {
    priority?: number;
    instances?: number;
    commandInfo?: unknown;
    containerInfo?: unknown;
    resources: { cpus: number; mem: number; ports?: number; disk?: number };
  }
  export interface SchedulerOptions {
    masterUrl: string;
    port: number;
    frameworkName: string;
    frameworkFailoverTimeout?: number;
    masterConnectionTimeout?: number;
    restartStates?: string[];
    logging?: { path?: string; fileName?: string; level?: string };
    tasks?: Record<string, MesosTaskOptions>;
    handlers?: Record<string, (event: unknown) => void>;
  }
  export class Scheduler extends EventEmitter {
    constructor(options: SchedulerOptions);
    frameworkId: string | null;
    mesosStreamId: string | null;
    httpRequest: { abort(): void; destroy(): void };
    launchedTasks: { taskId: string; runtimeInfo?: { agentId?: string; state?: string } }[];
    pendingTasks: unknown[];
    subscribe(): void;
    kill(taskId: string, agentId: string): void;
    reconcile(taskId?: string, agentId?: string): void;
    teardown(): void;
    revive(): void;
  }
  export const Mesos: { getMesos(): Record<string, unknown> & { CommandInfo: new (...args: unknown[]) => unknown; ContainerInfo: new (...args: unknown[]) => unknown } };
}
