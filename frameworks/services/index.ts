// The services framework (Marathon-like long-running services): the spec layer, and the pure
// deployment planner and placement.
export * from './spec/index.js';
export * from './deploy/index.js';
