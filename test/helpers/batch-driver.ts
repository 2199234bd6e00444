// An in-memory BatchDriver for scheduler tests: the test pushes events, and every call the
// scheduler makes is recorded.
import { EventQueue } from '../../frameworks/sdk/event-queue.js';
import type { BatchDriver, BatchEvent, BatchLaunch, BatchOffer, BatchStatus } from '../../frameworks/batch/sdk-adapter.js';

export type DriverCall =
  | { call: 'launch'; offerIds: string[]; tasks: BatchLaunch[] }
  | { call: 'decline'; offerIds: string[] }
  | { call: 'kill'; taskId: string }
  | { call: 'reconcile'; tasks: { taskId: string; agentId: string }[] }
  | { call: 'revive' | 'suppress' }
  | { call: 'requestGang'; gangId: string; count: number };

export class FakeDriver implements BatchDriver {
  readonly calls: DriverCall[] = [];
  readonly acked: string[] = [];
  /** Called inside launch(), before it returns: to look at the store at that moment. */
  onLaunch: ((tasks: BatchLaunch[]) => void) | undefined;
  #queue = new EventQueue<BatchEvent>();

  push(e: BatchEvent): void {
    this.#queue.push(e);
  }

  offer(id: string, cpus = 4, memMb = 4096, agentId = 'agent-1'): BatchOffer {
    return { id, agentId, role: '*', gangId: '', free: { cpus, memMb, diskMb: 1000 } };
  }

  status(taskId: string, end: BatchStatus['end']): BatchStatus {
    return { taskId, agentId: 'agent-1', end, describe: end ? end.kind : 'running', acknowledge: () => void this.acked.push(taskId) };
  }

  launched(): BatchLaunch[] {
    return this.calls.flatMap((c) => (c.call === 'launch' ? c.tasks : []));
  }

  events(): AsyncIterable<BatchEvent> {
    return this.#queue;
  }

  async launch(offerIds: string[], tasks: BatchLaunch[]): Promise<void> {
    this.calls.push({ call: 'launch', offerIds, tasks });
    this.onLaunch?.(tasks);
  }
  async decline(offerIds: string[]): Promise<void> {
    this.calls.push({ call: 'decline', offerIds });
  }
  async kill(taskId: string): Promise<void> {
    this.calls.push({ call: 'kill', taskId });
  }
  async reconcile(tasks: { taskId: string; agentId: string }[]): Promise<void> {
    this.calls.push({ call: 'reconcile', tasks });
  }
  async revive(): Promise<void> {
    this.calls.push({ call: 'revive' });
  }
  async suppress(): Promise<void> {
    this.calls.push({ call: 'suppress' });
  }
  async requestGang(gangId: string, shapes: unknown[]): Promise<void> {
    this.calls.push({ call: 'requestGang', gangId, count: shapes.length });
  }
  async cancelGang(): Promise<void> {}
  refused(): boolean {
    return true;
  }
  async close(): Promise<void> {
    this.#queue.end();
  }
}
