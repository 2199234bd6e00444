// An in-memory TaskQueueClient whose calls a test settles by hand, and the events and specs the
// task queue tests feed it.
import type { SchedulerCallError, SchedulerEvent, TaskQueueClient } from '../../frameworks/sdk/index.js';
import { EventQueue } from '../../frameworks/sdk/event-queue.js';
import type { TaskState } from '../../protocol/index.js';
import { decodeOffer, decodeTaskStatus } from '../../protocol/domain/index.js';

export interface Call { kind: string; args: unknown[]; resolve: () => void; reject: (e: SchedulerCallError) => void }

export class FakeClient implements TaskQueueClient {
  connected = true;
  calls: Call[] = [];
  released: SchedulerEvent[] = [];
  #events = new EventQueue<SchedulerEvent>();
  constructor() {
    this.#events.onPull((previous) => this.released.push(previous));
  }
  events(): AsyncIterable<SchedulerEvent> {
    return this.#events;
  }
  push(event: SchedulerEvent): void {
    this.#events.push(event);
  }
  #call(kind: string, args: unknown[]): Promise<void> {
    const p = new Promise<void>((resolve, reject) => this.calls.push({ kind, args, resolve, reject }));
    p.catch(() => undefined);
    return p;
  }
  launch = (...args: unknown[]): Promise<void> => this.#call('launch', args);
  decline = (...args: unknown[]): Promise<void> => this.#call('decline', args);
  kill = (...args: unknown[]): Promise<void> => this.#call('kill', args);
  reconcile = (...args: unknown[]): Promise<void> => this.#call('reconcile', args);
  revive = (...args: unknown[]): Promise<void> => this.#call('revive', args);
  suppress = (...args: unknown[]): Promise<void> => this.#call('suppress', args);
  last(kind: string): Call | undefined {
    return this.calls.filter((c) => c.kind === kind).at(-1);
  }
  count(kind: string): number {
    return this.calls.filter((c) => c.kind === kind).length;
  }
}

/** An offers event of one offer (of agent `ag` and 1 cpu unless told), expiring at expiresAtMs (0: never). */
export const offer = (id: string, agentId = 'ag', o: { cpus?: number; expiresAtMs?: number } = {}): SchedulerEvent => offers([id], () => agentId, o);

/** One offers event of several offers, on the agents agentOf names. */
export const offers = (ids: string[], agentOf = (id: string) => `ag-${id}`, { cpus = 1, expiresAtMs = 0 }: { cpus?: number; expiresAtMs?: number } = {}): SchedulerEvent => ({
  type: 'offers',
  offers: ids.map((id) => decodeOffer({ id, agentId: agentOf(id), resources: { cpus, memMb: 128 }, expiresAtMs }).value),
});
export const update = (taskId: string, state: TaskState): SchedulerEvent => ({ type: 'update', status: decodeTaskStatus({ taskId, state, agentId: 'ag', uuid: `${taskId}/${state}` }).value });
export const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/** A task of 1 cpu: one fits an offer of offer(). */
export const spec = { resources: { cpus: 1, memMb: 64 }, command: { value: 'true', shell: true } };
export const launchedIds = (c: Call | undefined): string[] => ((c?.args[1] ?? []) as { taskId: string }[]).map((task) => task.taskId);
