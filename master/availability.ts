// What an agent has free, split into the unreserved pool and each role's reservation. A role's
// use (its tasks and outstanding offers on the agent) is charged to its reservation first and only
// the excess to the unreserved pool, so nothing per task needs to remember where it came from.
// Reservations hold scalars only; ports are always in the unreserved pool.
import { resources, type Res } from '../protocol/index.js';

export interface Availability {
  free: Res;
  reservedFree: Map<string, Res>;
}

const scalarMin = (a: Res, b: Res): Res =>
  resources.normalize({ cpus: Math.min(a.cpus, b.cpus), memMb: Math.min(a.memMb, b.memMb), diskMb: Math.min(a.diskMb, b.diskMb), gpus: Math.min(a.gpus, b.gpus) });

const clamp = (r: Res): Res =>
  ({ cpus: Math.max(0, r.cpus), memMb: Math.max(0, r.memMb), diskMb: Math.max(0, r.diskMb), gpus: Math.max(0, r.gpus), ports: r.ports });

export function availability(total: Res, reserved: ReadonlyMap<string, Res>, useByRole: ReadonlyMap<string, Res>): Availability {
  let free = total;
  for (const r of reserved.values()) free = resources.subtract(free, { ...r, ports: [] });
  const reservedFree = new Map<string, Res>();
  for (const [role, r] of reserved) reservedFree.set(role, r);
  for (const [role, use] of useByRole) {
    const mine = reserved.get(role);
    const fromReservation = mine ? scalarMin(mine, use) : resources.empty();
    if (mine) reservedFree.set(role, clamp(resources.subtract(mine, fromReservation)));
    free = resources.subtract(free, resources.subtract(use, fromReservation));
  }
  return { free: clamp(free), reservedFree };
}

/** Sums reservations by role. */
export function byRole(list: readonly { role: string; resources: Res }[]): Map<string, Res> {
  const out = new Map<string, Res>();
  for (const r of list) out.set(r.role, resources.add(out.get(r.role) ?? resources.empty(), r.resources));
  return out;
}
