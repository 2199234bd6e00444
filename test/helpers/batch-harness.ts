// An in-memory harness for batch's pure core: a simulated pool of agents and a manual clock.
// Each step ends the tasks whose time has come, lets the runs react, plans the queue and
// launches what it starts, the way the scheduler loop will, without SDK, master or timers.
import {
  RunTracker, entryFor, planQueue, type JobSpec, type QueueEntry, type QueuePlan, type RunningTask, type Shape, type TaskEnd,
} from '../../frameworks/batch/index.js';

/** How one attempt goes: how long it runs and how it ends. */
export type Script = (jobId: string, index: number, attempt: number) => { runsMs: number; end: TaskEnd };

interface Live {
  taskId: string;
  runId: string;
  agentId: string;
  resources: Shape;
  startedMs: number;
  endsAtMs: number;
  end: TaskEnd;
  /** The queue's view: launch plus the job's enforced task deadline, if any. */
  deadlineAtMs: number | undefined;
}

export class BatchHarness {
  nowMs = 0;
  readonly runs = new Map<string, { job: JobSpec; tracker: RunTracker; seq: number }>();
  readonly launches: { taskId: string; runId: string; agentId: string; atMs: number }[] = [];
  lastPlan: QueuePlan | undefined;
  readonly #agents: Map<string, Shape>;
  readonly #role: string;
  readonly #script: Script;
  #live: Live[] = [];
  #seq = 0;
  #taskSeq = 0;

  constructor(agents: Record<string, Shape>, script: Script, role = '*') {
    this.#agents = new Map(Object.entries(agents));
    this.#script = script;
    this.#role = role;
  }

  submit(job: JobSpec, runId: string): RunTracker {
    const tracker = new RunTracker(runId, job);
    this.runs.set(runId, { job, tracker, seq: this.#seq++ });
    return tracker;
  }

  running(runId?: string): string[] {
    return this.#live.filter((l) => runId === undefined || l.runId === runId).map((l) => l.taskId);
  }

  /** Moves the clock to `nowMs` and does one round: ends, deadlines, queue, launches. */
  step(nowMs: number): void {
    this.nowMs = nowMs;
    for (const l of this.#live.filter((x) => x.endsAtMs <= nowMs).sort((a, b) => a.endsAtMs - b.endsAtMs)) this.#end(l, l.end);
    for (const { tracker } of this.runs.values()) this.#kill(tracker.tick(nowMs));

    const entries: QueueEntry[] = [];
    const due = new Map<string, ReturnType<RunTracker['due']>>();
    for (const [runId, { job, tracker, seq }] of this.runs) {
      const d = tracker.due(nowMs);
      if (d.length === 0) continue;
      due.set(runId, d);
      entries.push(entryFor(job, runId, seq, d.length));
    }
    const used = (agentId: string) => this.#live.filter((l) => l.agentId === agentId);
    const agents = [...this.#agents].map(([agentId, total]) => ({
      agentId,
      free: used(agentId).reduce((f, l) => ({ cpus: f.cpus - l.resources.cpus, memMb: f.memMb - l.resources.memMb, diskMb: f.diskMb - l.resources.diskMb }), total),
    }));
    const running: RunningTask[] = this.#live.map((l) => ({ agentId: l.agentId, resources: l.resources, endsAtMs: l.deadlineAtMs }));
    this.lastPlan = planQueue({ nowMs, pools: { [this.#role]: { agents, running } }, entries });
    for (const decision of this.lastPlan.decisions) {
      const { job, tracker } = this.runs.get(decision.key)!;
      const requests = due.get(decision.key)!;
      decision.start.forEach((agentId, i) => {
        const { index, attempt } = requests[i]!;
        const taskId = `${decision.key}.${index}.${++this.#taskSeq}`;
        const { runsMs, end } = this.#script(job.id, index, attempt);
        this.#kill(tracker.launched(index, taskId, nowMs));
        this.launches.push({ taskId, runId: decision.key, agentId, atMs: nowMs });
        this.#live.push({
          taskId, runId: decision.key, agentId, resources: job.resources, startedMs: nowMs, endsAtMs: nowMs + runsMs, end,
          deadlineAtMs: job.taskDeadlineMs === undefined ? undefined : nowMs + job.taskDeadlineMs,
        });
      });
    }
  }

  /** Takes a task away as if preempted for other work. */
  preempt(taskId: string): void {
    const l = this.#live.find((x) => x.taskId === taskId);
    if (l) this.#end(l, { kind: 'preempted' });
  }

  #end(l: Live, end: TaskEnd): void {
    this.#live = this.#live.filter((x) => x !== l);
    this.#kill(this.runs.get(l.runId)!.tracker.ended(l.taskId, end, this.nowMs));
  }

  /** Kills take effect at once here: the task ends as killed. */
  #kill(effects: { kill: string[] }): void {
    for (const id of effects.kill) {
      const l = this.#live.find((x) => x.taskId === id);
      if (l) this.#end(l, { kind: 'killed' });
    }
  }
}
