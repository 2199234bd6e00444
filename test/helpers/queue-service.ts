// A small long-running "service" for mixed-workload tests, written on the SDK's TaskQueue as any
// user's framework would be: it keeps a number of instances of one command running in its role,
// and scale(n) adds the instances that are missing. Disconnected at test end.
import type { Test } from 'tap';
import { SchedulerClient, TaskQueue, TaskState, type CommandInput, type TaskShape } from '../../frameworks/sdk/index.js';
import { testLogger } from './log.js';

export interface QueueServiceOptions {
  role: string;
  resources: TaskShape;
  command: CommandInput;
}

export class QueueService {
  readonly client: SchedulerClient;
  readonly queue: TaskQueue;
  readonly #o: QueueServiceOptions;
  #instances = 0;

  constructor(masterUrl: string, options: QueueServiceOptions) {
    this.#o = options;
    this.client = new SchedulerClient({ masterUrl, framework: { name: 'service', roles: [options.role], failoverTimeoutMs: 60_000 }, log: testLogger() });
    const queue = (this.queue = new TaskQueue(this.client, { refuseSeconds: 1 }));
    void (async () => {
      for await (const e of queue.run()) void e;
    })();
  }

  /** Asks for n instances in all; only ever adds. */
  scale(n: number): void {
    for (; this.#instances < n; this.#instances++) {
      this.queue.add({ id: `web-${this.#instances}`, resources: this.#o.resources, command: this.#o.command });
    }
  }

  /** Instances the master reports RUNNING. */
  get running(): number {
    let n = 0;
    for (let i = 0; i < this.#instances; i++) if (this.queue.get(`web-${i}`)?.state === TaskState.TASK_RUNNING) n++;
    return n;
  }
}

export function testService(t: Test, masterUrl: string, options: QueueServiceOptions): QueueService {
  const service = new QueueService(masterUrl, options);
  // The agents kill the instances when they stop.
  t.teardown(() => service.client.close());
  return service;
}
