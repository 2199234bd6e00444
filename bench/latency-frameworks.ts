// The frameworks of the latency bench, behind one small interface: `want(n)` says task n is due
// now, and `running(n, taskId, agentSentAtMs)` is called when its RUNNING update arrives. The SDK's TaskQueue
// is the one measured; the raw loop is the baseline: it holds every offer it gets and launches each
// due task at once on the next held offer in turn (never declining, never reviving), which is the
// floor the master's launch path allows and spreads tasks over the agents.
import { performance } from 'node:perf_hooks';
import { SchedulerClient, TaskQueue, TaskState, pack, type ResourceOffer, type TaskQueueClient } from '../frameworks/sdk/index.js';

const SHAPE = { cpus: 0.01, memMb: 1 };
const COMMAND = { value: 'true', shell: true };

export interface LatencyFramework {
  readonly subscribed: Promise<void>;
  /** Task n is due now. */
  want(n: number): void;
  /** The framework's launch call time of each task id, and when the master answered that call. */
  readonly acceptedAt: Map<string, number>;
  readonly answeredAt: Map<string, number>;
  readonly calls: { revives: number; suppresses: number; declines: number };
  close(): Promise<void>;
}

export const FRAMEWORK_KINDS = ['raw', 'taskqueue', 'taskqueue-decline', 'taskqueue-unlimited'] as const;
export type FrameworkKind = (typeof FRAMEWORK_KINDS)[number];

/** The most offers a holding TaskQueue keeps (its holdOffers.maxOffers default). */
const HELD_OFFERS = 1_000;

/**
 * A TaskQueue subscribes as the framework guide advises: its role suppressed (it revives with its
 * first task) and, holding offers, with an offer limit of what it keeps. 'taskqueue-unlimited' is
 * the same queue without either, as before both existed; the raw loop holds every offer.
 */
function newClient(kind: FrameworkKind, masterUrl: string, name: string): SchedulerClient {
  const advised = kind === 'taskqueue' || kind === 'taskqueue-decline';
  return new SchedulerClient({
    masterUrl,
    framework: { name, roles: ['*'], ...(kind === 'taskqueue' ? { maxOffers: HELD_OFFERS } : {}) },
    heartbeatTimeoutMs: 120_000,
    ...(advised ? { suppressedRoles: ['*'] } : {}),
  });
}

/** The client the TaskQueue drives, with its calls counted and each launch's time noted per task. */
function recording(client: SchedulerClient, f: Pick<LatencyFramework, 'acceptedAt' | 'answeredAt' | 'calls'>): TaskQueueClient {
  return {
    get connected() {
      return client.connected;
    },
    events: () => client.events(),
    launch: (offerIds, tasks, options) => {
      const at = performance.now();
      for (const t of tasks) f.acceptedAt.set(t.taskId, at);
      const answered = client.launch(offerIds, tasks, options);
      answered.then(() => answer(f, tasks), () => undefined);
      return answered;
    },
    decline: (offerIds, refuseSeconds) => {
      f.calls.declines += offerIds.length;
      return client.decline(offerIds, refuseSeconds);
    },
    kill: (...a) => client.kill(...a),
    reconcile: (...a) => client.reconcile(...a),
    revive: (...a) => {
      f.calls.revives++;
      return client.revive(...a);
    },
    suppress: (...a) => {
      f.calls.suppresses++;
      return client.suppress(...a);
    },
  };
}

function answer(f: Pick<LatencyFramework, 'answeredAt'>, tasks: readonly { taskId: string }[]): void {
  const at = performance.now();
  for (const t of tasks) f.answeredAt.set(t.taskId, at);
}

/** `agentSentAtMs`: the RUNNING update's own timestamp, the agent's wall clock when it sent it. */
export type RunningCallback = (n: number, taskId: string, agentSentAtMs: number) => void;

export function startFramework(kind: FrameworkKind, masterUrl: string, name: string, running: RunningCallback): LatencyFramework {
  const client = newClient(kind, masterUrl, name);
  const base = { acceptedAt: new Map<string, number>(), answeredAt: new Map<string, number>(), calls: { revives: 0, suppresses: 0, declines: 0 }, close: () => client.close() };
  let subscribed: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (subscribed = resolve));
  // Task ids are the cluster's, so each framework's are its own: `t7` (raw), `taskqueue-t7` (a queue).
  const taskNumber = (id: string): number => Number(/t(\d+)(?:\.\d+)?$/.exec(id)?.[1] ?? NaN);
  if (kind !== 'raw') {
    const queue = new TaskQueue(recording(client, base), kind === 'taskqueue-decline' ? {} : { holdOffers: { maxOffers: HELD_OFFERS } });
    void (async () => {
      for await (const e of queue.run()) {
        if (e.type === 'subscribed') subscribed();
        if (e.type === 'task' && e.status.state === TaskState.TASK_RUNNING) running(taskNumber(e.task.id), e.status.taskId, e.status.timestampMs);
      }
    })();
    return { ...base, subscribed: ready, want: (n) => void queue.add({ id: `${kind}-t${n}`, resources: SHAPE, command: COMMAND }) };
  }
  const held: ResourceOffer[] = [];
  const waiting: number[] = [];
  const launchOn = (offer: ResourceOffer, ns: number[]): number[] => {
    const placed = pack(offer, ns.map(() => SHAPE));
    const at = performance.now();
    const tasks = placed.map((p) => {
      const taskId = `t${ns[p.index] as number}`;
      base.acceptedAt.set(taskId, at);
      return { taskId, resources: p.resources, command: COMMAND };
    });
    // The remainder comes back at the next allocation run, so no filter.
    if (tasks.length > 0) client.launch([offer.id], tasks, { refuseSeconds: 0 }).then(() => answer(base, tasks), () => undefined);
    return ns.filter((_, i) => !placed.some((p) => p.index === i));
  };
  const drain = (): void => {
    while (waiting.length > 0 && held.length > 0) {
      const offer = held.shift() as ResourceOffer;
      const left = launchOn(offer, waiting.splice(0, 1));
      waiting.unshift(...left);
    }
  };
  void (async () => {
    for await (const e of client.events()) {
      if (e.type === 'subscribed') subscribed();
      else if (e.type === 'offers') {
        held.push(...e.offers);
        drain();
      } else if (e.type === 'rescind') {
        const i = held.findIndex((o) => o.id === e.offerId);
        if (i >= 0) held.splice(i, 1);
      } else if (e.type === 'update' && e.status.state === TaskState.TASK_RUNNING) running(taskNumber(e.status.taskId), e.status.taskId, e.status.timestampMs);
    }
  })();
  return {
    ...base,
    subscribed: ready,
    want: (n) => {
      waiting.push(n);
      drain();
    },
  };
}
