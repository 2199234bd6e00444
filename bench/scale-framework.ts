// The scale bench's framework: one SDK SchedulerClient that packs an even share of the tasks into
// every offer it gets until all are launched, then suppresses, and times each task from the offer
// it was launched on to its RUNNING update.
import { performance } from 'node:perf_hooks';
import { SchedulerClient, TaskState, pack, type SchedulerCallError, type TaskShape } from '../frameworks/sdk/index.js';

/** Tiny shapes, so 100,000 fit easily; each agent has room for far more than its share. */
const SHAPE: TaskShape = { cpus: 0.01, memMb: 1 };

export interface LaunchResult {
  running: number;
  failed: number;
  firstOfferAt: number;
  lastRunningAt: number;
  latencies: Float64Array;
  offersReceived: number;
  offerEvents: number;
  timedOut: boolean;
  disconnects: string[];
}

/**
 * One framework: packs an even share of the tasks into every offer until all are launched. With
 * failoverTimeoutMs the master keeps the tasks that long after the framework disconnects at the
 * end; without it they are killed at once.
 */
export async function launchAll(masterUrl: string, cell: { agents: number; tasks: number }, timeoutMs: number, failoverTimeoutMs = 0): Promise<LaunchResult> {
  const client = new SchedulerClient({ masterUrl, framework: { name: 'scale-bench', roles: ['*'], failoverTimeoutMs }, heartbeatTimeoutMs: 120_000 });
  const perOffer = Math.ceil(cell.tasks / cell.agents);
  const shapes: TaskShape[] = Array.from({ length: perOffer }, () => SHAPE);
  const offeredAt = new Float64Array(cell.tasks);
  const latencies = new Float64Array(cell.tasks);
  let launched = 0;
  let running = 0;
  let failed = 0;
  let firstOfferAt = NaN;
  let lastRunningAt = NaN;
  let offersReceived = 0;
  let offerEvents = 0;
  let timedOut = false;
  const disconnects: string[] = [];
  // A refused call rejects its promise (it is no error event): the first one ends the run.
  let refused: SchedulerCallError | undefined;
  const noteRefusal = (err: SchedulerCallError): void => {
    if (!err.mayHaveTakenEffect) refused ??= err;
  };
  let timer: NodeJS.Timeout | undefined;
  const armTimeout = (): void => {
    timer = setTimeout(() => {
      timedOut = true;
      void client.close();
    }, timeoutMs);
  };
  armTimeout();
  try {
    for await (const event of client.events()) {
      if (refused) throw new Error(`the master refused a call: ${refused.code}: ${refused.message}`);
      if (event.type === 'offers') {
        const at = performance.now();
        if (Number.isNaN(firstOfferAt)) firstOfferAt = at;
        offerEvents++;
        offersReceived += event.offers.length;
        const unused: string[] = [];
        for (const offer of event.offers) {
          const want = Math.min(perOffer, cell.tasks - launched);
          const placed = want > 0 ? pack(offer, want === perOffer ? shapes : shapes.slice(0, want)) : [];
          if (placed.length === 0) {
            unused.push(offer.id);
            continue;
          }
          const tasks = placed.map((p) => {
            const n = launched++;
            offeredAt[n] = at;
            return { taskId: `t${n}`, name: 'hollow', resources: p.resources, command: { value: 'true', shell: true } };
          });
          client.launch([offer.id], tasks, { refuseSeconds: 3_600 }).catch(noteRefusal);
        }
        if (unused.length > 0) client.decline(unused, 3_600).catch(noteRefusal);
        if (launched >= cell.tasks) client.suppress().catch(noteRefusal);
      } else if (event.type === 'update') {
        const state = event.status.state;
        if (state === TaskState.TASK_RUNNING) {
          const n = Number((event.status.taskId ?? '').slice(1));
          const now = performance.now();
          latencies[running++] = now - (offeredAt[n] as number);
          lastRunningAt = now;
          if (running + failed >= cell.tasks) break;
        } else if (state !== TaskState.TASK_STARTING && state !== TaskState.TASK_STAGING) {
          failed++;
          if (running + failed >= cell.tasks) break;
        }
      } else if (event.type === 'disconnected') {
        disconnects.push(`${event.code} ${event.reason}`);
      } else if (event.type === 'error') {
        throw new Error(`the master refused a call: ${event.error.code}: ${event.error.message}`);
      }
    }
  } finally {
    clearTimeout(timer);
    await client.close();
  }
  return { running, failed, firstOfferAt, lastRunningAt, latencies: latencies.subarray(0, running), offersReceived, offerEvents, timedOut, disconnects };
}

