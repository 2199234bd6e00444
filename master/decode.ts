// Wire messages the master keeps, decoded once at the edge: through protobufjs (which drops
// unknown fields and fills defaults) into plain objects. Tasks' are also compacted (see compact.ts).
import { pb, type AgentInfo, type FrameworkInfo, type TaskInfo, type TaskStatus } from '../protocol/index.js';
import { compact } from './compact.js';

export function taskInfo(raw: TaskInfo | null | undefined): TaskInfo {
  return compact(pb.TaskInfo.toObject(pb.TaskInfo.fromObject(raw ?? {})) as TaskInfo);
}

export function taskStatus(raw: TaskStatus | null | undefined): TaskStatus {
  return compact(pb.TaskStatus.toObject(pb.TaskStatus.fromObject(raw ?? {})) as TaskStatus);
}

export function agentInfo(raw: AgentInfo | null | undefined): AgentInfo {
  return pb.AgentInfo.toObject(pb.AgentInfo.fromObject(raw ?? {})) as AgentInfo;
}

export function frameworkInfo(raw: FrameworkInfo | null | undefined): FrameworkInfo {
  return pb.FrameworkInfo.toObject(pb.FrameworkInfo.fromObject(raw ?? {})) as FrameworkInfo;
}
