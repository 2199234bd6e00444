// The services framework (Marathon-like long-running services): the spec layer, the pure
// deployment planner and placement, the scheduler on the SDK and its store, the commands behind
// the HTTP API, the API itself, and startServicesFramework, which composes them.
export * from './spec/index.js';
export * from './deploy/index.js';
export type { ServicesChange, ServicesControl, ServicesView } from './control.js';
export { startServicesScheduler, type StartServicesSchedulerOptions, type ServicesRuntime } from './runtime.js';
export type { ServicesLog } from './scheduler.js';
export * from './store/index.js';
export { ServicesCommands, CommandError, lastGoodBefore, type ApplyAnswer, type Refusal, type Result, type ServicesCommandsOptions } from './commands.js';
export { checkServiceFile, RESERVED_SEGMENTS, type CheckedFile } from './file-check.js';
export type { Change, PlanAnswer, ServicePlan } from './plan-preview.js';
export { allEndpoints, dnsNameOf, endpointsOf, inRotation, SERVICES_DOMAIN, type DrainingEndpoint, type Endpoint, type ServiceEndpoints } from './endpoints.js';
export { parseServicesStreamQuery, SERVICES_STREAM_KEYS } from './state-stream.js';
export type { DeploymentView, InstanceView, ServiceDetail, ServiceHistory, ServiceSummary } from './service-views.js';
export { servicesApiRoutes, startServicesHttpApi, type ServicesApiLog, type ServicesHttpApi, type ServicesHttpApiOptions } from './http-api.js';
export { servicesMetrics } from './metrics.js';
export { startServicesFramework, type StartServicesFrameworkOptions, type ServicesFramework } from './start.js';
export type { FrameworkAuditEvent, FrameworkAuditStore } from './sdk-adapter.js';
export * from './autoscale/index.js';
