// Helpers to fit task shapes into offers: first-fit packing with port assignment and simple
// attribute constraints. Pure functions; frameworks call them per offer.
import { resources, type Res } from '../../protocol/index.js';
import type { ResourceOffer } from '../../protocol/domain/index.js';

/** What one task needs. */
export interface TaskShape {
  cpus: number;
  memMb: number;
  diskMb?: number;
  gpus?: number;
  /** How many host ports the task needs (assigned from the offer's ranges). */
  ports?: number;
}

/** An attribute constraint, Marathon style: field OP value. */
export interface Constraint {
  attribute: string;
  op: 'EQ' | 'NE' | 'LIKE' | 'UNLIKE';
  value: string;
}

/** Whether an offer's agent satisfies every constraint. */
export function meets(offer: Pick<ResourceOffer, 'hostname' | 'attributes'>, constraints: readonly Constraint[]): boolean {
  return constraints.every((c) => {
    const v = c.attribute === 'hostname' ? offer.hostname : (offer.attributes[c.attribute] ?? '');
    switch (c.op) {
      case 'EQ': return v === c.value;
      case 'NE': return v !== c.value;
      case 'LIKE': return new RegExp(`^(?:${c.value})$`).test(v);
      case 'UNLIKE': return !new RegExp(`^(?:${c.value})$`).test(v);
    }
  });
}

/** Turns a shape into concrete resources taken from `available`, or undefined when it does not fit. */
export function take(available: Res, shape: TaskShape): Res | undefined {
  const ports = shape.ports ? resources.takePorts(available, shape.ports) : [];
  if (!ports) return undefined;
  const want = resources.normalize({ cpus: shape.cpus, memMb: shape.memMb, diskMb: shape.diskMb ?? 0, gpus: shape.gpus ?? 0, ports });
  return resources.contains(available, want) ? want : undefined;
}

/**
 * Packs as many of `shapes` (in order) as fit into the offer, first fit. Returns the resources of
 * each placed shape with its index; shapes that did not fit are left out.
 */
export function pack(offer: Pick<ResourceOffer, 'resources'>, shapes: readonly TaskShape[]): { index: number; resources: Res }[] {
  let left = offer.resources;
  const placed: { index: number; resources: Res }[] = [];
  shapes.forEach((shape, index) => {
    const r = take(left, shape);
    if (!r) return;
    left = resources.subtract(left, r);
    placed.push({ index, resources: r });
  });
  return placed;
}
