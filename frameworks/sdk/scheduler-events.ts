// The master's scheduler events decoded once, where the connection hands them over: offers and
// updates through the shared protocol/domain decoders, the small messages field by field.
import type { AgentNoticeKind, SchedulerEvent as WireSchedulerEvent } from '../../protocol/index.js';
import { decodeOffer, decodeTaskStatus, type Problem, type ResourceOffer, type StatusUpdate } from '../../protocol/domain/index.js';

/** A master error as the SDK hands it on; every field present. */
export interface MasterError {
  code: string;
  message: string;
  requestId: string;
  field: string;
}

/** One scheduler event, decoded; `problems` lists what the decoders found wrong (offers with any are left out). */
export type DecodedSchedulerEvent =
  | { type: 'subscribed'; frameworkId: string; masterId: string }
  | { type: 'offers'; offers: ResourceOffer[]; problems: Problem[] }
  | { type: 'rescind'; offerId: string }
  | { type: 'update'; status: StatusUpdate; problems: Problem[] }
  | { type: 'agent-lost'; agentId: string }
  | { type: 'agent-notice'; agentId: string; kind: AgentNoticeKind; deadlineMs: number; message: string }
  | { type: 'accepted'; requestId: string }
  | { type: 'error'; error: MasterError }
  | { type: 'none' };

const str = (v: string | null | undefined): string => (typeof v === 'string' ? v : '');
const num = (v: number | null | undefined): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export function decodeSchedulerEvent(event: WireSchedulerEvent | null | undefined): DecodedSchedulerEvent {
  if (!event) return { type: 'none' };
  if (event.subscribed) return { type: 'subscribed', frameworkId: str(event.subscribed.frameworkId), masterId: str(event.subscribed.masterId) };
  if (event.offers) {
    const decoded = (event.offers.offers ?? []).map((o, i) => decodeOffer(o, `offers[${i}]`));
    return { type: 'offers', offers: decoded.filter((d) => d.problems.length === 0).map((d) => d.value), problems: decoded.flatMap((d) => d.problems) };
  }
  if (event.rescind) return { type: 'rescind', offerId: str(event.rescind.offerId) };
  if (event.update?.status) {
    const d = decodeTaskStatus(event.update.status, 'update.status');
    return { type: 'update', status: d.value, problems: d.problems };
  }
  if (event.agentLost) return { type: 'agent-lost', agentId: str(event.agentLost.agentId) };
  if (event.agentNotice) {
    const n = event.agentNotice;
    return { type: 'agent-notice', agentId: str(n.agentId), kind: num(n.kind) as AgentNoticeKind, deadlineMs: num(n.deadlineMs), message: str(n.message) };
  }
  if (event.accepted) return { type: 'accepted', requestId: str(event.accepted.requestId) };
  if (event.error) {
    const e = event.error;
    return { type: 'error', error: { code: str(e.code), message: str(e.message), requestId: str(e.requestId), field: str(e.field) } };
  }
  return { type: 'none' };
}
