// The services HTTP API's answers as the CLI reads them (the contract in docs/api.md). Only types:
// the planner's own types are reused where the API hands them out as they are.
import type { Change, ServicePlan } from '../../frameworks/services/index.js';
import type { ApiProblem } from '../http.js';

// The plan's answer as the API builds it (frameworks/services/plan-preview.ts).
export type { Change, PlanAnswer, PatchOperation as PatchOp, ServicePlan as PlannedService } from '../../frameworks/services/index.js';
export type ShareView = ServicePlan['dominantShare']['before'];

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

// One service's endpoints as the API builds them (frameworks/services/endpoints.ts).
export type { ServiceEndpoints as EndpointsAnswer } from '../../frameworks/services/index.js';
