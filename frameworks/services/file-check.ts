// What plan and apply check before anything else: the file reads and validates (the spec layer),
// then fits this cluster: roles the framework subscribed with, dependencies on services that exist,
// no dependency cycle through running services, ids the HTTP API can address, and service ports no
// other service (in the file or the cluster) has.
import type { ServicesView } from './control.js';
import { specOf } from './deploy/index.js';
import {
  dependencyCycles,
  isMarathonDocument,
  joinPath,
  parseMarathonDocument,
  parseServiceDocument,
  readDocument,
  translateMarathon,
  type ServiceSpec,
  type SpecFormat,
  type SpecProblem,
} from './spec/index.js';

/** Last segments of a service id that the HTTP API reads as actions (`/api/v1/services/ID/scale`). */
export const RESERVED_SEGMENTS: readonly string[] = ['history', 'scale', 'restart', 'rollback', 'endpoints'];
const RESERVED_RULE = `last segment must not be ${RESERVED_SEGMENTS.join(', ')}`;

/** The rule of the spec layer's warnings for Marathon fields berth does not translate. */
const UNSUPPORTED = 'unsupported field';

interface Notes {
  /** Warnings other than unsupported Marathon fields. */
  warnings: SpecProblem[];
  /** Marathon fields that were not translated (none for berth files). */
  unsupported: SpecProblem[];
}

export type CheckedFile =
  | ({ ok: true; format: SpecFormat; services: ServiceSpec[]; paths: string[] } & Notes)
  | ({ ok: false; format: SpecFormat | undefined; problems: SpecProblem[] } & Notes);

/**
 * Parses and checks a service file against the cluster in `view`. Never throws: every problem
 * comes back with its field path (Marathon's own paths for Marathon files) and rule.
 */
export function checkServiceFile(text: string, view: ServicesView): CheckedFile {
  const read = readDocument(text);
  if (!read.ok) return { ok: false, format: undefined, problems: read.problems, warnings: [], unsupported: [] };
  const document = read.document;
  const marathon = isMarathonDocument(document);
  const knownIds = [...view.states.keys()];
  const parsed = marathon ? parseMarathonDocument(document, { knownIds }) : parseServiceDocument(document, { knownIds });
  const notes: Notes = {
    warnings: parsed.warnings.filter((w) => w.rule !== UNSUPPORTED),
    unsupported: parsed.warnings.filter((w) => w.rule === UNSUPPORTED),
  };
  if (!parsed.ok) return { ok: false, format: parsed.format, problems: parsed.problems, ...notes };
  const isGroup = typeof document === 'object' && document !== null && 'services' in document;
  const paths = marathon ? translateMarathon(document).sources : parsed.services.map((_, i) => (isGroup ? `services[${i}]` : ''));
  const problems = clusterProblems(parsed.services, paths, view);
  if (problems.length > 0) return { ok: false, format: parsed.format, problems, ...notes };
  return { ok: true, format: parsed.format, services: parsed.services, paths, ...notes };
}

/** The problems of valid specs in this cluster; `paths[i]` is where service i sits in the file. */
export function clusterProblems(services: readonly ServiceSpec[], paths: readonly string[], view: ServicesView): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const at = (i: number, tail: string) => joinPath(paths[i] ?? '', tail);
  services.forEach((s, i) => {
    const last = s.id.split('/').pop() ?? '';
    if (RESERVED_SEGMENTS.includes(last)) {
      const path = at(i, 'id');
      problems.push({ path, rule: RESERVED_RULE, message: `${path} ends in "${last}", which the HTTP API reads as an action (/api/v1/services${s.id} would not name the service); rename it` });
    }
    if (!view.roles.includes(s.role)) {
      const path = at(i, 'role');
      problems.push({ path, rule: `must be one of ${view.roles.join(', ')}`, message: `${path} is "${s.role}", which is not one of the framework's roles (${view.roles.join(', ')})` });
    }
  });
  problems.push(...clusterCycles(services, paths, view));
  problems.push(...servicePortClashes(services, paths, view));
  return problems;
}

/**
 * Every service port belongs to one port of one service: a clash inside the file or with a
 * service of the cluster (one the file does not replace) names the other one.
 */
function servicePortClashes(services: readonly ServiceSpec[], paths: readonly string[], view: ServicesView): SpecProblem[] {
  const inFile = new Set(services.map((s) => s.id));
  const owners = new Map<number, string>();
  for (const st of view.states.values()) {
    if (inFile.has(st.id)) continue;
    for (const p of specOf(st, st.targetVersion).spec.resources.ports) if (p.servicePort !== undefined) owners.set(p.servicePort, `service ${st.id} (port ${p.name})`);
  }
  const problems: SpecProblem[] = [];
  services.forEach((s, i) => {
    s.resources.ports.forEach((p, j) => {
      if (p.servicePort === undefined) return;
      const path = joinPath(paths[i] ?? '', `resources.ports[${j}].servicePort`);
      const other = owners.get(p.servicePort);
      if (other !== undefined) {
        problems.push({ path, rule: `service port ${p.servicePort} is taken`, message: `${path} is ${p.servicePort}, which ${other} already has; service ports are unique across services` });
        return;
      }
      owners.set(p.servicePort, `${path.replace(/\.servicePort$/, '')} (service ${s.id}, port ${p.name})`);
    });
  });
  return problems;
}

/** Cycles that close through services running in the cluster (the spec layer finds those inside the file). */
function clusterCycles(services: readonly ServiceSpec[], paths: readonly string[], view: ServicesView): SpecProblem[] {
  const inFile = new Map(services.map((s, i) => [s.id, i]));
  const running = [...view.states.values()].filter((st) => !inFile.has(st.id)).map((st) => specOf(st, st.targetVersion).spec);
  const problems: SpecProblem[] = [];
  for (const cycle of dependencyCycles([...services, ...running])) {
    if (cycle.ids.every((id) => inFile.has(id))) continue;
    for (let k = 0; k + 1 < cycle.ids.length; k++) {
      const i = inFile.get(cycle.ids[k]!);
      if (i === undefined) continue;
      const edge = services[i]!.dependencies.indexOf(cycle.ids[k + 1]!);
      const path = joinPath(paths[i] ?? '', `dependencies[${edge}]`);
      const ids = cycle.ids.join(' -> ');
      problems.push({ path, rule: `dependency cycle ${ids}`, message: `${path} closes a dependency cycle through the cluster's services: ${ids}` });
      break;
    }
  }
  return problems;
}
