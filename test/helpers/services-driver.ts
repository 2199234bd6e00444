// An in-memory ServicesDriver for services scheduler tests: the test pushes events, and every
// call the scheduler makes is recorded; a launch can be made to fail as the master would refuse it.
import { EventQueue } from '../../frameworks/sdk/event-queue.js';
import type { InstanceState } from '../../frameworks/services/index.js';
import type { ServicesDriver, ServicesEvent, ServicesLaunch, ServicesOffer, ServicesStatus } from '../../frameworks/services/sdk-adapter.js';

export type ServicesDriverCall =
  | { call: 'launch'; offerIds: string[]; tasks: ServicesLaunch[] }
  | { call: 'decline'; offerIds: string[] }
  | { call: 'kill'; taskId: string; gracePeriodMs: number }
  | { call: 'reconcile'; taskIds: string[] }
  | { call: 'revive' | 'suppress' };

export class FakeServicesDriver implements ServicesDriver {
  readonly calls: ServicesDriverCall[] = [];
  readonly acked: string[] = [];
  /** Called inside launch(), before it settles: to look at the store at that moment. */
  onLaunch: ((tasks: ServicesLaunch[]) => void) | undefined;
  /** When set, launches are refused (surely without effect). */
  refuseLaunches = false;
  #queue = new EventQueue<ServicesEvent>();
  #offers = 0;

  push(e: ServicesEvent): void {
    this.#queue.push(e);
  }

  offer(agentId = 'a1', over: Partial<ServicesOffer> = {}): ServicesOffer {
    const n = ++this.#offers;
    return { id: `o${n}`, agentId, hostname: `host-${agentId}`, attributes: {}, role: '*', cpus: 4, memMb: 4096, diskMb: 1000, ports: [{ begin: 31000 + n * 10, end: 31009 + n * 10 }], ...over };
  }

  status(taskId: string, state: InstanceState, healthy?: boolean): ServicesStatus {
    return { taskId, agentId: 'a1', state, healthy, describe: state, acknowledge: () => void this.acked.push(`${taskId}:${state}`) };
  }

  launched(): ServicesLaunch[] {
    return this.calls.flatMap((c) => (c.call === 'launch' ? c.tasks : []));
  }

  killed(): string[] {
    return this.calls.flatMap((c) => (c.call === 'kill' ? [c.taskId] : []));
  }

  events(): AsyncIterable<ServicesEvent> {
    return this.#queue;
  }

  async launch(offerIds: string[], tasks: ServicesLaunch[]): Promise<void> {
    this.calls.push({ call: 'launch', offerIds, tasks });
    this.onLaunch?.(tasks);
    if (this.refuseLaunches) throw Object.assign(new Error('offer unknown'), { mayHaveTakenEffect: false });
  }
  async decline(offerIds: string[]): Promise<void> {
    this.calls.push({ call: 'decline', offerIds });
  }
  async kill(taskId: string, _agentId: string, gracePeriodMs: number): Promise<void> {
    this.calls.push({ call: 'kill', taskId, gracePeriodMs });
  }
  async reconcile(tasks: { taskId: string; agentId: string }[]): Promise<void> {
    this.calls.push({ call: 'reconcile', taskIds: tasks.map((t) => t.taskId) });
  }
  async revive(): Promise<void> {
    this.calls.push({ call: 'revive' });
  }
  async suppress(): Promise<void> {
    this.calls.push({ call: 'suppress' });
  }
  refused(err: unknown): boolean {
    return (err as { mayHaveTakenEffect?: boolean }).mayHaveTakenEffect === false;
  }
  async close(): Promise<void> {
    this.#queue.end();
  }
}
