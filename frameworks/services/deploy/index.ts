// The services framework's deployment planner and placement: pure functions over a snapshot of
// desired state (ServiceState) and observed state (instances, agents). docs/services-deployments.md.
export {
  InstanceState,
  ServiceStatus,
  HISTORY_LIMIT,
  isTerminal,
  isStopping,
  isFailure,
  type Instance,
  type AgentView,
  type FreeResources,
  type PortRange,
  type SpecVersion,
  type ServiceState,
  type Deployment,
  type RestartBackoff,
  type Step,
  type WaitCondition,
  type PlacementHints,
  type DeploymentStatus,
  type DependencyView,
} from './model.js';
export { DeploymentPhase, canMoveDeployment, isDeploymentOver, moveDeployment } from './deployment-phase.js';
export { newServiceState, applySpec, restartService, rollbackService, needsNewInstances, pruneVersions, specOf } from './apply-spec.js';
export { planService, plannerOptions, type PlanInput, type PlanResult, type PlannerOptions } from './planner.js';
export { place, reserve, type InstancePlacement, type PlacementResult } from './placement.js';
export { planServices, type GroupPlanInput } from './plan-group.js';
export { checkConstraint, fieldValue, PlacedCounts, type PlacedInstance, type Refusal } from './constraints.js';
export { backoffDelayMs, crashLoop, freshBackoff, updateBackoff, type BackoffOptions } from './restart-backoff.js';
export { capacityBounds, classify, decideRolling, isOnBadAgent, type Classified, type RollingDecision } from './rolling.js';
export { pickKills } from './kill-order.js';
export { dominantShare, dominantShareChange, type DominantShare, type ScalarResources } from './dominant-share.js';
