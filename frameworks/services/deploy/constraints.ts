// Placement constraints with Marathon's meanings, checked for one candidate agent against the
// instances already placed. Each check returns undefined (fine) or the reason the agent is refused.
import type { ConstraintSpec } from '../spec/index.js';
import type { AgentView } from './model.js';

/** Where an instance sits, as far as constraints care: its agent's field values. */
export interface PlacedInstance {
  agentId: string;
  hostname: string;
  attributes: Record<string, string>;
}

/** The value of a constraint field on an agent: `hostname` or an attribute (undefined if absent). */
export function fieldValue(agent: { hostname: string; attributes: Record<string, string> }, field: string): string | undefined {
  return field === 'hostname' ? agent.hostname : agent.attributes[field];
}

/** A short reason an agent is refused, grouped by `key` when reasons are summed over agents. */
export interface Refusal {
  /** The constraint as written, e.g. `UNIQUE hostname` or `MAX_PER rack 2`. */
  key: string;
  /** Completes "1 agent …" and "N agents …": `already holds an instance`, `already hold an instance`. */
  one: string;
  many: string;
}

const regexCache = new Map<string, RegExp>();
function anchored(pattern: string): RegExp {
  let re = regexCache.get(pattern);
  if (!re) {
    re = new RegExp(`^(?:${pattern})$`);
    regexCache.set(pattern, re);
  }
  return re;
}

/**
 * Instances per value of each constrained field (and per agent), kept up to date as a placement
 * adds instances, so a check costs a map lookup rather than a pass over every instance.
 */
export class PlacedCounts {
  readonly #byField = new Map<string, Map<string, number>>();
  readonly #perAgent = new Map<string, number>();
  readonly #fields: readonly string[];
  readonly #least = new Map<string, number>();

  constructor(fields: readonly string[], placed: readonly PlacedInstance[]) {
    this.#fields = [...new Set(fields)];
    for (const f of this.#fields) this.#byField.set(f, new Map());
    for (const p of placed) this.add(p);
  }

  /** Counts one more instance where `p` sits. */
  add(p: PlacedInstance): void {
    this.#least.clear();
    this.#perAgent.set(p.agentId, (this.#perAgent.get(p.agentId) ?? 0) + 1);
    for (const f of this.#fields) {
      const v = fieldValue(p, f);
      const m = this.#byField.get(f)!;
      if (v !== undefined) m.set(v, (m.get(v) ?? 0) + 1);
    }
  }

  /** Instances on agents whose `field` is `value`. */
  on(field: string, value: string): number {
    return this.#byField.get(field)?.get(value) ?? 0;
  }

  /** The values of `field` that hold instances, with their counts. */
  values(field: string): ReadonlyMap<string, number> {
    return this.#byField.get(field) ?? new Map();
  }

  /**
   * The fewest instances on any value of `field` among those holding some and those `known`; 0
   * while fewer than `expected` values exist. Cached until the next `add`.
   */
  least(field: string, known: ReadonlySet<string>, expected: number): number {
    const cacheKey = `${field}\u0000${expected}`;
    const hit = this.#least.get(cacheKey);
    if (hit !== undefined) return hit;
    const held = this.values(field);
    const values = new Set<string>([...held.keys(), ...known]);
    let least = Infinity;
    for (const x of values) least = Math.min(least, held.get(x) ?? 0);
    if (values.size < expected) least = 0;
    this.#least.set(cacheKey, least);
    return least;
  }

  /** Instances on the agent. */
  onAgent(agentId: string): number {
    return this.#perAgent.get(agentId) ?? 0;
  }
}

/**
 * Checks one constraint for `agent`. `known` gives, per field, the values of the agents the
 * placement may use, which GROUP_BY needs to know which values exist.
 */
export function checkConstraint(
  c: ConstraintSpec,
  agent: AgentView,
  counts: PlacedCounts,
  known: (field: string) => ReadonlySet<string>,
): Refusal | undefined {
  const no = (one: string, many: string): Refusal => ({ key: [c.operator, c.field, c.value].filter((x) => x !== undefined).join(' '), one, many });
  const v = fieldValue(agent, c.field);
  if (v === undefined) return c.operator === 'UNLIKE' ? undefined : no(`lacks the field ${c.field}`, `lack the field ${c.field}`);
  switch (c.operator) {
    case 'UNIQUE':
      return counts.on(c.field, v) > 0 ? no('already holds an instance', 'already hold an instance') : undefined;
    case 'CLUSTER':
    case 'IS':
      return v === c.value ? undefined : no(`has another ${c.field}`, `have another ${c.field}`);
    case 'LIKE':
      return anchored(c.value ?? '').test(v) ? undefined : no('does not match', 'do not match');
    case 'UNLIKE':
      return anchored(c.value ?? '').test(v) ? no('matches', 'match') : undefined;
    case 'MAX_PER': {
      const max = Number(c.value ?? '1');
      return counts.on(c.field, v) >= max ? no(`is on a ${c.field} that already holds ${max}`, `are on a ${c.field} that already holds ${max}`) : undefined;
    }
    case 'GROUP_BY': {
      // Marathon: an agent is fine while its value has no more instances than the least used one.
      // With a value n, values not seen yet (fewer than n known) count as holding none.
      const least = counts.least(c.field, known(c.field), c.value !== undefined ? Number(c.value) : 0);
      return counts.on(c.field, v) > least ? no(`is on a ${c.field} with more instances than another`, `are on a ${c.field} with more instances than another`) : undefined;
    }
  }
}
