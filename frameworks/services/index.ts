// The services framework (Marathon-like long-running services). So far: the spec layer.
export * from './spec/index.js';
