// How the API shows services: a summary per service (ls), one service with its instances (get),
// and its versions and deployments (history), built from one ServicesView.
import type { ServicesView } from './control.js';
import { isTerminal, specOf, type Deployment, type DeploymentStatus, type Instance, type ServiceState, type ServiceStatus } from './deploy/index.js';
import type { ServiceSpec } from './spec/index.js';

/** A deployment as the API shows it: `fromVersion` is null for a service's first one. */
export type DeploymentView = Omit<Deployment, 'fromVersion'> & { fromVersion: number | null };

export interface ServiceSummary {
  id: string;
  version: number;
  /** Desired instances of the target version. */
  instances: number;
  running: number;
  healthy: number;
  status: ServiceStatus;
  /** The current or most recent deployment; null before the first. */
  deployment: DeploymentView | null;
  role: string;
}

export interface InstanceView {
  id: string;
  version: number;
  agentId: string;
  hostname: string;
  /** The agent's address: where clients reach the instance's ports. */
  host: string;
  state: Instance['state'];
  healthy: boolean | null;
  ready: boolean | null;
  ports: Record<string, number>;
  startedAtMs: number;
  /** Out of rotation before its kill is sent (drain before kill) since then; null otherwise. */
  drainingSinceMs: number | null;
}

export interface ServiceDetail {
  id: string;
  version: number;
  status: ServiceStatus;
  spec: ServiceSpec;
  deployment: DeploymentView | null;
  reasons: string[];
  /** The planner's counts: desired, live, available (healthy and ready), updated (of the target). */
  progress: Pick<DeploymentStatus, 'desired' | 'live' | 'available' | 'updated' | 'minAvailable' | 'maxLive'>;
  instances: InstanceView[];
  versions: number[];
}

export interface ServiceHistory {
  id: string;
  /** `reason`: why the version was made, when not by a person (the autoscaler's sentence); else null. */
  versions: { version: number; configVersion: number; appliedAtMs: number; reason: string | null; spec: ServiceSpec }[];
  /** Oldest first; the one running now, if any, last. */
  deployments: DeploymentView[];
}

export function deploymentView(d: Deployment): DeploymentView {
  return { ...d, fromVersion: d.fromVersion ?? null };
}

function statusOf(state: ServiceState, view: ServicesView): ServiceStatus {
  return view.plans.get(state.id)?.deployment.status ?? (state.deployment?.phase === 'running' ? 'deploying' : 'stable');
}

function instancesOf(id: string, view: ServicesView): Instance[] {
  return view.instances.filter((i) => i.serviceId === id);
}

/** Whether an instance serves: running, and healthy when its version has health checks. */
function isHealthy(i: Instance, state: ServiceState): boolean {
  const spec = state.versions.find((v) => v.version === i.version)?.spec ?? specOf(state, state.targetVersion).spec;
  return i.state === 'running' && (spec.healthChecks.length === 0 || i.healthy === true);
}

export function summaryOf(state: ServiceState, view: ServicesView): ServiceSummary {
  const spec = specOf(state, state.targetVersion).spec;
  const mine = instancesOf(state.id, view);
  return {
    id: state.id,
    version: state.targetVersion,
    instances: spec.instances,
    running: mine.filter((i) => i.state === 'running').length,
    healthy: mine.filter((i) => isHealthy(i, state)).length,
    status: statusOf(state, view),
    deployment: state.deployment ? deploymentView(state.deployment) : null,
    role: spec.role,
  };
}

export function detailOf(state: ServiceState, view: ServicesView): ServiceDetail {
  const plan = view.plans.get(state.id);
  const spec = specOf(state, state.targetVersion).spec;
  const live = instancesOf(state.id, view).filter((i) => !isTerminal(i.state));
  const d = plan?.deployment;
  const address = new Map(view.agents.map((a) => [a.id, a.address ?? a.hostname]));
  return {
    id: state.id,
    version: state.targetVersion,
    status: statusOf(state, view),
    spec,
    deployment: state.deployment ? deploymentView(state.deployment) : null,
    reasons: plan?.reasons ?? [],
    progress: {
      desired: spec.instances,
      live: d?.live ?? live.length,
      available: d?.available ?? live.filter((i) => isHealthy(i, state)).length,
      updated: d?.updated ?? 0,
      minAvailable: d?.minAvailable ?? 0,
      maxLive: d?.maxLive ?? 0,
    },
    instances: instancesOf(state.id, view).map((i) => ({
      id: i.id,
      version: i.version,
      agentId: i.agentId,
      hostname: i.hostname,
      host: address.get(i.agentId) ?? i.hostname,
      state: i.state,
      healthy: i.healthy ?? null,
      ready: i.ready ?? null,
      ports: i.ports,
      startedAtMs: i.startedAtMs,
      drainingSinceMs: i.drainingSinceMs ?? null,
    })),
    versions: state.versions.map((v) => v.version),
  };
}

export function historyOf(state: ServiceState): ServiceHistory {
  const running = state.deployment?.phase === 'running' ? [state.deployment] : [];
  return {
    id: state.id,
    versions: state.versions.map((v) => ({ version: v.version, configVersion: v.configVersion, appliedAtMs: v.appliedAtMs, reason: v.reason ?? null, spec: v.spec })),
    deployments: [...state.history, ...running].map(deploymentView),
  };
}
