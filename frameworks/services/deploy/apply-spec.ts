// Desired-state changes: a new service, or a new spec for one. Each returns a new ServiceState and
// starts a deployment; a deployment still running is superseded, never left half-recorded.
import { diffServiceSpec, type ServiceSpec } from '../spec/index.js';
import { moveDeployment } from './deployment-phase.js';
import { HISTORY_LIMIT, type Deployment, type ServiceState } from './model.js';
import { freshBackoff } from './restart-backoff.js';

/** Top-level spec fields a change of which leaves the running instances as they are. */
const IN_PLACE = new Set(['instances', 'upgradeStrategy', 'backoff', 'deploymentDeadlineSeconds', 'dependencies', 'killGracePeriodSeconds', 'autoscale']);

/** Whether going from `a` to `b` needs new instances (anything beyond scaling and timings). */
export function needsNewInstances(a: ServiceSpec, b: ServiceSpec): boolean {
  return diffServiceSpec(a, b).some((op) => !IN_PLACE.has(op.path.split('/')[1] ?? ''));
}

function newDeployment(from: number | undefined, to: number, spec: ServiceSpec, nowMs: number): Deployment {
  return { fromVersion: from, toVersion: to, phase: 'running', startedAtMs: nowMs, deadlineMs: nowMs + spec.deploymentDeadlineSeconds * 1000, stepsDone: 0 };
}

/** The state of a service applied for the first time: version 1 and its deployment. */
export function newServiceState(spec: ServiceSpec, nowMs: number): ServiceState {
  return {
    id: spec.id,
    versions: [{ version: 1, spec, configVersion: 1, appliedAtMs: nowMs }],
    targetVersion: 1,
    lastGoodVersion: undefined,
    deployment: newDeployment(undefined, 1, spec, nowMs),
    history: [],
    backoff: freshBackoff(),
  };
}

/** Appends a finished deployment to the history, keeping the newest HISTORY_LIMIT. */
export function withHistory(state: ServiceState, d: Deployment): Deployment[] {
  return [...state.history, d].slice(-HISTORY_LIMIT);
}

/**
 * Applies a new spec: a new version becomes the target and a deployment to it starts. A deployment
 * still running is marked superseded by the new version and moved to the history; the rollback
 * target stays the last version that deployed successfully. A spec equal to the target (after
 * defaults) changes nothing and returns `state` itself. Restart backoff starts afresh. Throws
 * when the spec's id is another service's (a caller's bug). `reason` is kept on the new version.
 */
export function applySpec(state: ServiceState, spec: ServiceSpec, nowMs: number, reason?: string): ServiceState {
  if (spec.id !== state.id) throw new Error(`spec ${spec.id} applied to service ${state.id}`);
  const target = specOf(state, state.targetVersion);
  if (diffServiceSpec(target.spec, spec).length === 0) return state;
  return withNewVersion(state, spec, (version) => (needsNewInstances(target.spec, spec) ? version : target.configVersion), nowMs, {}, reason);
}

/**
 * A new version with the target's spec and a configuration of its own, so that every instance is
 * replaced, rolling, within the upgrade strategy (what `restart` asks for).
 */
export function restartService(state: ServiceState, nowMs: number): ServiceState {
  return withNewVersion(state, specOf(state, state.targetVersion).spec, (version) => version, nowMs);
}

/**
 * A new version with the spec of the earlier version `toVersion`, deployed as a rollback of the
 * current target. It keeps that version's configuration, so instances still running it stay.
 * Throws when `toVersion` is not kept (a caller's bug: check `versions` first).
 */
export function rollbackService(state: ServiceState, toVersion: number, nowMs: number): ServiceState {
  const back = specOf(state, toVersion);
  return withNewVersion(state, back.spec, () => back.configVersion, nowMs, { rollbackOf: state.targetVersion });
}

/** Appends a version and starts a deployment to it, superseding one still running. */
function withNewVersion(
  state: ServiceState,
  spec: ServiceSpec,
  configOf: (version: number) => number,
  nowMs: number,
  fields: Partial<Deployment> = {},
  reason?: string,
): ServiceState {
  const version = Math.max(...state.versions.map((v) => v.version)) + 1;
  let history = state.history;
  if (state.deployment?.phase === 'running') {
    const superseded = moveDeployment(state.deployment, 'superseded', {
      supersededBy: version,
      endedAtMs: nowMs,
      reason: `superseded by version ${version}`,
    });
    history = withHistory(state, superseded);
  }
  return {
    ...state,
    versions: [...state.versions, { version, spec, configVersion: configOf(version), appliedAtMs: nowMs, ...(reason === undefined ? {} : { reason }) }],
    targetVersion: version,
    deployment: { ...newDeployment(state.targetVersion, version, spec, nowMs), ...fields },
    history,
    backoff: { ...freshBackoff(), countedInstanceIds: state.backoff.countedInstanceIds },
  };
}

/** The spec version `version` of the service; throws if it was never applied (a caller's bug). */
export function specOf(state: ServiceState, version: number): ServiceState['versions'][number] {
  const v = state.versions.find((x) => x.version === version);
  if (!v) throw new Error(`service ${state.id} has no version ${version}`);
  return v;
}

/**
 * Drops spec versions nothing needs any more: not the target, not the last good version, not the
 * version (or configuration) of an observed instance or of a deployment in the history, and not
 * among the newest `keep`. Versions are never renumbered.
 */
export function pruneVersions(state: ServiceState, instances: readonly { serviceId: string; version: number }[], keep = 10): ServiceState {
  const needed = new Set<number>([state.targetVersion, ...(state.lastGoodVersion !== undefined ? [state.lastGoodVersion] : [])]);
  for (const i of instances) if (i.serviceId === state.id) needed.add(i.version);
  for (const d of [...state.history, ...(state.deployment ? [state.deployment] : [])]) {
    needed.add(d.toVersion);
    if (d.fromVersion !== undefined) needed.add(d.fromVersion);
  }
  for (const v of state.versions) if (needed.has(v.version)) needed.add(v.configVersion);
  const newest = new Set(state.versions.slice(-keep).map((v) => v.version));
  const versions = state.versions.filter((v) => needed.has(v.version) || newest.has(v.version));
  return versions.length === state.versions.length ? state : { ...state, versions };
}
