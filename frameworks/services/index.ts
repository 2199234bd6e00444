// The services framework (Marathon-like long-running services): the spec layer, the pure
// deployment planner and placement, the scheduler on the SDK and its store.
export * from './spec/index.js';
export * from './deploy/index.js';
export type { ServicesView, ServicesChange, ServicesControl } from './control.js';
export { startServicesScheduler, type StartServicesSchedulerOptions, type ServicesRuntime } from './runtime.js';
export type { ServicesLog } from './scheduler.js';
export * from './store/index.js';
