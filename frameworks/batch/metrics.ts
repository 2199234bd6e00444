// Prometheus metrics of the batch framework, in a registry of its own, read from the scheduler's
// tallies and state at scrape time.
import { Counter, Gauge, Registry } from 'prom-client';
import type { BatchScheduler } from './scheduler.js';

export function batchMetrics(s: BatchScheduler): Registry {
  const registry = new Registry();
  const counter = (name: string, help: string, read: () => number): void => {
    new Counter({ name, help, registers: [registry], collect() { this.reset(); this.inc(read()); } });
  };
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
  };
  counter('berth_batch_task_launches_total', 'Tasks launched (every attempt).', () => s.counters.launches);
  counter('berth_batch_task_ends_total', 'Task ends recorded.', () => s.counters.taskEnds);
  counter('berth_batch_runs_finished_total', 'Runs that reached a final state.', () => s.counters.runsFinished);
  counter('berth_batch_offers_declined_total', 'Offers declined.', () => s.counters.declinedOffers);
  gauge('berth_batch_jobs', 'Jobs submitted.', () => s.jobs.size);
  gauge('berth_batch_runs_active', 'Runs not finished (pending or running).', () => s.live.size);
  gauge('berth_batch_tasks_running', 'Tasks launched and not yet ended.', () => [...s.live.values()].reduce((n, r) => n + r.tasks.size, 0));
  gauge('berth_batch_workflow_runs_active', 'Workflow runs not finished.', () => s.workflows.active.size);
  return registry;
}
