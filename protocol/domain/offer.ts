// A resource offer as a framework sees it, every field present.
import { ErrorCode } from '../errors.js';
import type { Offer } from '../messages.js';
import type { Res } from '../resources.js';
import { FieldReader, type Decoded } from './decoded.js';
import { readResources, toWireResources } from './resources.js';

export interface ResourceOffer {
  id: string;
  frameworkId: string;
  agentId: string;
  hostname: string;
  resources: Res;
  /** The role the resources are allocated to; '*' when the wire had none. */
  role: string;
  attributes: Record<string, string>;
  /** When the offer is rescinded if not answered (ms since the epoch); 0 = never. */
  expiresAtMs: number;
  /** The gang bundle this offer is one part of; '' when it is not part of one. */
  gangId: string;
  /** The part of `resources` taken from the role's reservation on this agent. */
  reserved: Res;
}

/** An Offer as a ResourceOffer. Problems: id and agent_id (not empty), resources, reserved, expires_at_ms (>= 0). */
export function decodeOffer(wire: Offer | null | undefined, field = 'offer'): Decoded<ResourceOffer> {
  const r = new FieldReader([], ErrorCode.INVALID_CALL);
  const m = r.message(wire, field);
  const value: ResourceOffer = {
    id: r.str(m?.id, `${field}.id`),
    frameworkId: r.str(m?.frameworkId, `${field}.framework_id`),
    agentId: r.str(m?.agentId, `${field}.agent_id`),
    hostname: r.str(m?.hostname, `${field}.hostname`),
    resources: readResources(r, m?.resources, `${field}.resources`),
    role: r.str(m?.role, `${field}.role`) || '*',
    attributes: r.map(m?.attributes, `${field}.attributes`),
    expiresAtMs: r.num(m?.expiresAtMs, `${field}.expires_at_ms`, { min: 0 }),
    gangId: r.str(m?.gangId, `${field}.gang_id`),
    reserved: readResources(r, m?.reserved, `${field}.reserved`),
  };
  if (value.id === '') r.add(`${field}.id`, 'must not be empty');
  if (value.agentId === '') r.add(`${field}.agent_id`, 'must not be empty');
  return { value, problems: r.problems };
}

export function toWireOffer(o: ResourceOffer): Offer {
  return { ...o, resources: toWireResources(o.resources), attributes: { ...o.attributes }, reserved: toWireResources(o.reserved) };
}
