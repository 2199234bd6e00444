// The public surface of protocol/: wire messages, codec, channel, session, errors, resources, task states.
export * from './messages.js';
export * from './errors.js';
export * from './codec.js';
export * from './transport.js';
export * from './channel.js';
export * from './channel-ws.js';
export * from './backoff.js';
export * from './master-urls.js';
export * from './master-session.js';
export * from './status-stream.js';
export * as resources from './resources.js';
export type { Res } from './resources.js';
export * from './task-state.js';
export * from './ids.js';
export * from './task-reasons.js';
export * from './duration.js';
