// The services framework (Marathon-like long-running services): the spec layer, the pure
// deployment planner and placement, the commands behind the HTTP API and the API itself.
export * from './spec/index.js';
export * from './deploy/index.js';
export type { ServicesChange, ServicesControl, ServicesView } from './control.js';
export { ServicesCommands, CommandError, lastGoodBefore, type ApplyAnswer, type Refusal, type Result, type ServicesCommandsOptions } from './commands.js';
export { checkServiceFile, RESERVED_SEGMENTS, type CheckedFile } from './file-check.js';
export type { Change, PlanAnswer, ServicePlan } from './plan-preview.js';
export type { DeploymentView, InstanceView, ServiceDetail, ServiceHistory, ServiceSummary } from './service-views.js';
export { startServicesHttpApi, type ServicesApiLog, type ServicesHttpApi, type ServicesHttpApiOptions } from './http-api.js';
export { servicesMetrics } from './metrics.js';
