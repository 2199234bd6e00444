// The weighted-DRF allocator: gangs first, then one pass over the agents in hierarchical
// weighted-DRF order (roles below their quota guarantee first), then preemption for roles that
// still cannot reach their guarantee. The rules are in docs/allocator.md.
import { AllocationRun } from './allocation-run.js';
import { ExplainTracer } from './explain-tracer.js';
import { placeGangs } from './gang-placer.js';
import { choosePreemptions } from './preemption.js';
import type { AllocationResult, AllocationSnapshot, ExplainingAllocator, ExplainSubject, Explanation } from './types.js';

export class DrfAllocator implements ExplainingAllocator {
  allocate(snapshot: AllocationSnapshot): AllocationResult {
    const run = new AllocationRun(snapshot);
    placeGangs(run);
    run.runAgents();
    return { offers: run.offers, preemptions: choosePreemptions(run), gangHolds: run.holds };
  }

  explain(snapshot: AllocationSnapshot, subject: ExplainSubject): Explanation {
    const run = new AllocationRun(snapshot);
    const tracer = new ExplainTracer(run, subject);
    run.tracer = tracer;
    tracer.gangs(placeGangs(run));
    run.runAgents();
    return tracer.finish();
  }
}
