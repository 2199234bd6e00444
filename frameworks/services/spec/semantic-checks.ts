// The checks a JSON Schema cannot express: references between fields and between services,
// dependency cycles, and constraints that no placement could satisfy. They run on filled specs.
import { autoscaleProblems } from './autoscale.js';
import { joinPath } from './field-path.js';
import type { ConstraintSpec, SpecProblem, ServiceSpec } from './types.js';

/**
 * Problems across the services of one file. `prefixes[i]` is the path of service i in the file
 * (`services[2]`, or `''` for a file holding one service). A dependency may also name one of
 * `knownIds` (services that exist outside the file, say in the cluster).
 */
export function semanticProblems(services: readonly ServiceSpec[], prefixes: readonly string[], knownIds: ReadonlySet<string> = new Set()): SpecProblem[] {
  const problems: SpecProblem[] = [];
  // Each message is the field's path followed by what is wrong with it.
  const report = (i: number, tail: string, rule: string, says: string) => {
    const path = joinPath(prefixes[i]!, tail);
    problems.push({ path, rule, message: `${path} ${says}` });
  };
  const firstIndex = new Map<string, number>();
  services.forEach((s, i) => {
    const before = firstIndex.get(s.id);
    if (before === undefined) firstIndex.set(s.id, i);
    else report(i, 'id', `duplicate id "${s.id}"`, `repeats the id of ${prefixes[before] || 'another service'}`);
  });
  services.forEach((s, i) => {
    portProblems(s, (tail, rule, message) => report(i, tail, rule, message));
    timingProblems(s, (tail, rule, message) => report(i, tail, rule, message));
    constraintProblems(s, (tail, rule, message) => report(i, tail, rule, message));
    autoscaleProblems(s, (tail, rule, message) => report(i, tail, rule, message));
    s.dependencies.forEach((d, k) => {
      if (!firstIndex.has(d) && !knownIds.has(d)) {
        const where = knownIds.size > 0 ? 'in this file or the cluster' : 'in this file';
        report(i, `dependencies[${k}]`, `unknown service "${d}"`, `names ${d}, which is not a service ${where}`);
      }
    });
  });
  for (const cycle of dependencyCycles(services)) report(cycle.service, `dependencies[${cycle.edge}]`, `dependency cycle ${cycle.ids.join(' -> ')}`, `closes a dependency cycle: ${cycle.ids.join(' -> ')}`);
  return problems;
}

type Report = (tail: string, rule: string, message: string) => void;

function portProblems(s: ServiceSpec, report: Report): void {
  const names = new Map<string, number>();
  const numbers = new Map<number, number>();
  s.resources.ports.forEach((p, i) => {
    const sameName = names.get(p.name);
    if (sameName !== undefined) report(`resources.ports[${i}].name`, `duplicate port name "${p.name}"`, `repeats the name of resources.ports[${sameName}]`);
    else names.set(p.name, i);
    if (p.number === undefined) return;
    const sameNumber = numbers.get(p.number);
    if (sameNumber !== undefined) report(`resources.ports[${i}].number`, `duplicate port number ${p.number}`, `repeats the number of resources.ports[${sameNumber}]`);
    else numbers.set(p.number, i);
  });
  const known = [...names.keys()];
  const must = (tail: string, name: string) => {
    if (!names.has(name)) {
      const which = known.length > 0 ? `the service's ports are ${known.join(', ')}` : 'the service has no ports';
      report(tail, `unknown port "${name}"`, `names port ${name}, but ${which} (resources.ports)`);
    }
  };
  s.healthChecks.forEach((h, i) => {
    if (h.protocol !== 'COMMAND') must(`healthChecks[${i}].portName`, h.portName);
  });
  if (s.readinessCheck) must('readinessCheck.portName', s.readinessCheck.portName);
}

function timingProblems(s: ServiceSpec, report: Report): void {
  const checks = s.healthChecks.map((h, i) => ({ at: `healthChecks[${i}]`, check: h as { timeoutSeconds: number; intervalSeconds: number } }));
  if (s.readinessCheck) checks.push({ at: 'readinessCheck', check: s.readinessCheck });
  for (const { at, check } of checks) {
    if (check.timeoutSeconds > check.intervalSeconds) {
      report(`${at}.timeoutSeconds`, `must be <= intervalSeconds (${check.intervalSeconds})`, `is ${check.timeoutSeconds}, longer than the check's intervalSeconds ${check.intervalSeconds}`);
    }
  }
  if (s.backoff.maxSeconds < s.backoff.initialSeconds) {
    report('backoff.maxSeconds', `must be >= backoff.initialSeconds (${s.backoff.initialSeconds})`, `is ${s.backoff.maxSeconds}, below backoff.initialSeconds ${s.backoff.initialSeconds}`);
  }
}

/** CLUSTER and IS pin a field to one value; UNIQUE and MAX_PER cap instances per value. */
function constraintProblems(s: ServiceSpec, report: Report): void {
  const pinned = new Map<string, { index: number; value: string }>();
  const caps: { index: number; c: ConstraintSpec; perValue: number }[] = [];
  s.constraints.forEach((c, index) => {
    if (c.operator === 'CLUSTER' || c.operator === 'IS') {
      const value = c.value ?? '';
      const other = pinned.get(c.field);
      if (!other) pinned.set(c.field, { index, value });
      else if (other.value !== value) {
        report(`constraints[${index}]`, `conflicts with constraints[${other.index}]`, `asks for ${c.field} "${value}", but constraints[${other.index}] asks for "${other.value}"; no agent has both`);
      }
    }
    if (c.operator === 'UNIQUE') caps.push({ index, c, perValue: 1 });
    if (c.operator === 'MAX_PER') caps.push({ index, c, perValue: Number(c.value) });
  });
  for (const { index, c, perValue } of caps) {
    const pin = pinned.get(c.field);
    if (pin && s.instances > perValue) {
      report(`constraints[${index}]`, `conflicts with constraints[${pin.index}]`, `(${c.operator}) allows ${perValue} instance${perValue === 1 ? '' : 's'} per ${c.field}, but constraints[${pin.index}] puts all ${s.instances} on ${c.field} "${pin.value}"`);
    }
  }
}

interface Cycle {
  /** The service whose dependency closes the cycle, and the index of that dependency. */
  service: number;
  edge: number;
  ids: string[];
}

/** Every dependency cycle, found by depth-first search in file order, each reported once. */
export function dependencyCycles(services: readonly ServiceSpec[]): Cycle[] {
  const index = new Map(services.map((s, i) => [s.id, i]));
  const state = new Map<number, 'open' | 'done'>();
  const stack: number[] = [];
  const cycles: Cycle[] = [];
  const visit = (i: number) => {
    state.set(i, 'open');
    stack.push(i);
    services[i]!.dependencies.forEach((d, edge) => {
      const j = index.get(d);
      if (j === undefined) return;
      if (state.get(j) === 'open') {
        const loop = stack.slice(stack.indexOf(j));
        cycles.push({ service: i, edge, ids: [...loop, j].map((k) => services[k]!.id) });
      } else if (!state.has(j)) visit(j);
    });
    stack.pop();
    state.set(i, 'done');
  };
  services.forEach((_, i) => {
    if (!state.has(i)) visit(i);
  });
  return cycles;
}
