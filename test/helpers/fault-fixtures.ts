// Builders of hand-made fault histories for the checker's unit tests: a master task, and a
// snapshot in which the leader (m2, epoch 2, agents a1 and a2) and the agents list the same tasks.
import type { Violation } from './fault-checker.js';
import type { HistoryEvent, MasterTask, Snapshot } from './fault-history.js';

export const BOUND = { convergenceBoundMs: 1_000 };
const small = { cpus: 1, memMb: 64 };

export const task = (taskId: string, state: string, agentId = 'a1', resources = small): MasterTask => ({ taskId, agentId, state, resources });

/** A snapshot at atMs of these tasks; `over` replaces parts of it (the agents' own view, containers). */
export function snap(atMs: number, tasks: MasterTask[], over: Partial<Snapshot> = {}): HistoryEvent {
  return {
    kind: 'snapshot',
    atMs,
    master: { master: 'm2', epoch: 2, agents: [{ agentId: 'a1', total: { cpus: 4, memMb: 1024 } }, { agentId: 'a2', total: { cpus: 4, memMb: 1024 } }], tasks },
    agents: [
      { agentId: 'a1', tasks: tasks.filter((x) => x.agentId === 'a1').map((x) => ({ taskId: x.taskId, state: x.state })) },
      { agentId: 'a2', tasks: tasks.filter((x) => x.agentId === 'a2').map((x) => ({ taskId: x.taskId, state: x.state })) },
    ],
    containers: null,
    ...over,
  };
}

/** The invariants that have violations, each once. */
export const invariants = (vs: Violation[]): string[] => [...new Set(vs.map((v) => v.invariant))];
