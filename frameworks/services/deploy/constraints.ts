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

/** Counts instances per value of `field` (instances without the field are not counted). */
export function countByValue(placed: readonly PlacedInstance[], field: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const p of placed) {
    const v = fieldValue(p, field);
    if (v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return counts;
}

/**
 * Checks one constraint for `agent`. `universe` lists every agent the placement may consider, for
 * GROUP_BY, which needs to know which values exist.
 */
export function checkConstraint(
  c: ConstraintSpec,
  agent: AgentView,
  placed: readonly PlacedInstance[],
  universe: readonly AgentView[],
): Refusal | undefined {
  const key = [c.operator, c.field, c.value].filter((x) => x !== undefined).join(' ');
  const no = (one: string, many: string): Refusal => ({ key, one, many });
  const v = fieldValue(agent, c.field);
  if (v === undefined && c.operator !== 'UNLIKE') return no(`lacks the field ${c.field}`, `lack the field ${c.field}`);
  switch (c.operator) {
    case 'UNIQUE':
      return placed.some((p) => fieldValue(p, c.field) === v) ? no('already holds an instance', 'already hold an instance') : undefined;
    case 'CLUSTER':
    case 'IS':
      return v === c.value ? undefined : no(`has another ${c.field}`, `have another ${c.field}`);
    case 'LIKE':
      return anchored(c.value ?? '').test(v ?? '') ? undefined : no('does not match', 'do not match');
    case 'UNLIKE':
      return v !== undefined && anchored(c.value ?? '').test(v) ? no('matches', 'match') : undefined;
    case 'MAX_PER': {
      const max = Number(c.value ?? '1');
      const held = countByValue(placed, c.field).get(v ?? '') ?? 0;
      return held >= max ? no(`is on a ${c.field} that already holds ${max}`, `are on a ${c.field} that already holds ${max}`) : undefined;
    }
    case 'GROUP_BY': {
      // Marathon: an agent is fine while its value has no more instances than the least used one.
      // With a value n, values not seen yet (fewer than n known) count as holding none.
      const counts = countByValue(placed, c.field);
      const values = new Set<string>(counts.keys());
      for (const a of universe) {
        const av = fieldValue(a, c.field);
        if (av !== undefined) values.add(av);
      }
      const expected = c.value !== undefined ? Number(c.value) : 0;
      let least = Math.min(...[...values].map((x) => counts.get(x) ?? 0));
      if (values.size < expected) least = 0;
      return (counts.get(v ?? '') ?? 0) > least ? no(`is on a ${c.field} with more instances than another`, `are on a ${c.field} with more instances than another`) : undefined;
    }
  }
}
