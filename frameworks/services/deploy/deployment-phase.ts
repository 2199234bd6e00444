// A deployment's phases and the legal moves between them. The planner moves a deployment only
// through `moveDeployment`, so an illegal move is a bug caught at once rather than a stored state.

export const DeploymentPhase = {
  /** Moving instances to `toVersion`. */
  RUNNING: 'running',
  /** Every instance runs `toVersion`, healthy and ready. */
  SUCCEEDED: 'succeeded',
  /** A newer apply replaced it before it finished. */
  SUPERSEDED: 'superseded',
  /** It missed its deadline and a rollback deployment took over. */
  ROLLED_BACK: 'rolled-back',
  /** It missed its deadline with nothing to roll back to (or was itself a rollback). */
  FAILED: 'failed',
} as const;
export type DeploymentPhase = (typeof DeploymentPhase)[keyof typeof DeploymentPhase];

const MOVES: Readonly<Record<DeploymentPhase, readonly DeploymentPhase[]>> = {
  running: ['succeeded', 'superseded', 'rolled-back', 'failed'],
  succeeded: [],
  superseded: [],
  'rolled-back': [],
  failed: [],
};

/** Whether a deployment may move from `from` to `to`. */
export function canMoveDeployment(from: DeploymentPhase, to: DeploymentPhase): boolean {
  return MOVES[from].includes(to);
}

/** Whether the deployment has ended. */
export function isDeploymentOver(phase: DeploymentPhase): boolean {
  return MOVES[phase].length === 0;
}

/**
 * Returns the deployment moved to `to`, with the fields given. Throws on an illegal move: the
 * planner never asks for one, so reaching it means a bug, not bad input.
 */
export function moveDeployment<D extends { phase: DeploymentPhase }>(d: D, to: DeploymentPhase, fields: Partial<D> = {}): D {
  if (!canMoveDeployment(d.phase, to)) throw new Error(`illegal deployment move ${d.phase} -> ${to}`);
  return { ...d, ...fields, phase: to };
}
