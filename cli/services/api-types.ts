// The services HTTP API's answers as the CLI reads them (the contract in docs/api.md). Only types:
// the planner's own types are reused where the API hands them out as they are.
import type { Deployment, DeploymentPhase, ServiceSpec, ServiceStatus, Step } from '../../frameworks/services/index.js';
import type { ApiProblem } from '../http.js';

export type Change = 'create' | 'update' | 'unchanged';

/** One JSON Patch operation (RFC 6902), as fast-json-patch produces them. */
export interface PatchOp {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  value?: unknown;
  from?: string;
}

export interface ShareView {
  share: number;
  resource: string | null | undefined;
}

export interface PlannedService {
  id: string;
  change: Change;
  fromVersion: number | null;
  patch: PatchOp[];
  steps: Step[];
  placements: { agentId: string; hostname: string; ports: Record<string, number> }[];
  pending: { count: number; reason: string }[];
  dominantShare: { role: string; before: ShareView; after: ShareView };
  spec: ServiceSpec;
}

export interface PlanAnswer {
  format: 'berth' | 'marathon';
  services: PlannedService[];
  deployOrder: string[];
  untouched?: string[];
  warnings: ApiProblem[];
  unsupported: ApiProblem[];
}

export interface ApplyAnswer {
  services: { id: string; version: number; change: Change }[];
  untouched?: string[];
  warnings: ApiProblem[];
  unsupported: ApiProblem[];
}

/** A deployment as summaries show it. */
export interface DeploymentView {
  toVersion: number;
  fromVersion: number | null | undefined;
  phase: DeploymentPhase;
  startedAtMs: number;
  deadlineMs: number;
  reason?: string;
  rollbackOf?: number;
  supersededBy?: number;
}

export interface ServiceSummary {
  id: string;
  version: number;
  instances: number;
  running: number;
  healthy: number;
  status: ServiceStatus;
  deployment: DeploymentView | null;
  role: string;
}

export interface InstanceView {
  id: string;
  version: number;
  agentId: string;
  hostname: string;
  state: string;
  healthy: boolean | null | undefined;
  ready: boolean | null | undefined;
  ports: Record<string, number>;
  startedAtMs: number;
}

export interface ServiceDetail {
  id: string;
  version: number;
  status: ServiceStatus;
  spec: ServiceSpec;
  deployment: DeploymentView | null;
  reasons: string[];
  /** The planner's counts: available = running, healthy and ready; updated = of the target too. */
  progress?: { desired: number; live: number; available: number; updated: number; minAvailable: number; maxLive: number };
  instances: InstanceView[];
  versions: number[];
}

export interface HistoryAnswer {
  id: string;
  versions: { version: number; configVersion: number; appliedAtMs: number; spec: ServiceSpec }[];
  deployments: (Omit<Deployment, 'fromVersion'> & { fromVersion: number | null | undefined })[];
}

/** What scale, restart and rollback answer: the new version. */
export interface VersionAnswer {
  id: string;
  version: number;
}
