// The shapes the UI reads: the master's state (GET /api/v1/state, kept live by the stream) and the
// role list (GET /api/v1/roles). Type-only imports: the bundle holds none of the master's code.
import type { MasterState } from '../../state-view.js';

export type { MasterState, TaskView } from '../../state-view.js';
export type { RoleView } from '../../roles.js';
export type { Res } from '../../../protocol/resources.js';

export type AgentView = MasterState['agents'][number];
export type FrameworkView = MasterState['frameworks'][number];
