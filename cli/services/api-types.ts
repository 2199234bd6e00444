// The services HTTP API's answers as the CLI reads them (the contract in docs/api.md). Only types:
// the planner's own types are reused where the API hands them out as they are.
import type { ServiceSpec, Step } from '../../frameworks/services/index.js';
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

// The shapes the API builds (frameworks/services/service-views.ts), under the names the CLI uses.
export type { DeploymentView, InstanceView, ServiceDetail, ServiceSummary, ServiceHistory as HistoryAnswer } from '../../frameworks/services/index.js';

/** What scale, restart and rollback answer: the new version. */
export interface VersionAnswer {
  id: string;
  version: number;
}
