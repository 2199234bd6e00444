// The public surface of master/.
export { Master, type MasterOptions, type MasterState, type TaskView, type Leadership } from './master.js';
export { compileMasterOptions, masterOptionProblems, masterRule, MASTER_DEFAULTS, type CompiledMasterOptions, type OptionProblem } from './options.js';
export { FAILPOINT_RULE, FailpointName, Failpoints, failpointProblems, type FailpointAction } from './failpoints.js';
export { startMaster, type StartMasterOptions, type RunningMaster } from './start.js';
export { ApiServer } from './http/api-server.js';
export { checkFrameworkLinks, type FrameworkLinks } from './http/ui-assets.js';
export type { ClusterStore, LeaderInfo } from './store/cluster-store.js';
export { MemoryStore } from './store/memory-store.js';
export type { Allocator, RoleConfig } from './allocator/types.js';
export { DrfAllocator } from './allocator/drf-allocator.js';
