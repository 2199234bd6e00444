// Marathon app and group JSON, accepted as input: detected, walked (groups nest, ids and
// dependencies resolve against the enclosing group), and translated app by app.
import { isObject, unsupported, FieldReader, type MarathonSink } from './marathon-fields.js';
import { resolveId, translateApp, type TranslatedApp } from './marathon-app.js';
import type { SpecProblem } from './types.js';

/** Fields only a Marathon app or group has, never a berth service file. */
const MARATHON_ONLY = ['apps', 'groups', 'pods', 'cmd', 'cpus', 'mem', 'disk', 'gpus', 'portDefinitions', 'ports', 'requirePorts', 'backoffSeconds', 'backoffFactor', 'maxLaunchDelaySeconds', 'taskKillGracePeriodSeconds', 'acceptedResourceRoles', 'readinessChecks', 'fetch', 'uris', 'executor', 'networks', 'unreachableStrategy', 'killSelection'];

/**
 * Whether a document is Marathon JSON rather than a berth file: it has a field only Marathon has
 * (`apps`, `cpus`, `cmd`, `portDefinitions`...) or a `container.type`, and neither of berth's
 * `services` or `resources`.
 */
export function isMarathonDocument(document: unknown): boolean {
  if (!isObject(document) || 'services' in document || 'resources' in document) return false;
  if (MARATHON_ONLY.some((k) => k in document)) return true;
  const c = document.container;
  return isObject(c) && ('type' in c || 'docker' in c);
}

/** The translation of a Marathon document: berth services (not yet validated) and where each came from. */
export interface MarathonTranslation {
  services: Record<string, unknown>[];
  /** `sources[i]` is the path of service i's app in the Marathon document (`groups[0].apps[1]`). */
  sources: string[];
  /** `renames[i]`: paths in service i and the paths in its app they came from. */
  renames: [string, string][][];
  /** Unsupported fields, one warning each. */
  warnings: SpecProblem[];
  /** What is wrong with the Marathon document itself. */
  problems: SpecProblem[];
}

/** Translates a Marathon app, or a group of apps and groups, into berth services. */
export function translateMarathon(document: unknown): MarathonTranslation {
  const sink: MarathonSink = { warnings: [], problems: [] };
  const apps: TranslatedSource[] = [];
  if (!isObject(document)) {
    sink.problems.push({ path: '', rule: 'must be an object', message: 'a Marathon app or group must be an object' });
  } else if ('apps' in document || 'groups' in document || 'pods' in document) {
    walkGroup(document, '', '/', [], sink, apps);
  } else {
    const t = translateApp(document, '', '/', sink);
    apps.push({ ...t, source: '' });
  }
  const ids = apps.map((a) => a.service.id).filter((id): id is string => typeof id === 'string');
  for (const app of apps) {
    const deps = app.dependencies.flatMap((d) => expandDependency(d, ids)).filter((d) => d !== app.service.id);
    if (deps.length > 0) app.service.dependencies = [...new Set(deps)];
  }
  return { services: apps.map((a) => a.service), sources: apps.map((a) => a.source), renames: apps.map((a) => a.renames), warnings: sink.warnings, problems: sink.problems };
}

type TranslatedSource = TranslatedApp & { source: string };

function walkGroup(
  group: Record<string, unknown>,
  path: string,
  parentId: string,
  inherited: string[],
  sink: MarathonSink,
  out: TranslatedSource[],
): void {
  const g = new FieldReader(group, path, sink);
  const rawId = g.take('id');
  const id = typeof rawId === 'string' ? resolveId(rawId, parentId) : parentId;
  if (rawId !== undefined && typeof rawId !== 'string') g.problem('id', 'must be a string', `${g.at('id')} must be a string`);
  const dependencies = [...inherited, ...g.array('dependencies').filter((d): d is string => typeof d === 'string').map((d) => resolveId(d, id))];
  g.array('apps').forEach((app, i) => {
    const at = g.at('apps') + `[${i}]`;
    if (!isObject(app)) {
      sink.problems.push({ path: at, rule: 'must be an object', message: `${at} must be an object` });
      return;
    }
    const t = translateApp(app, at, id, sink);
    out.push({ ...t, source: at, dependencies: [...dependencies, ...t.dependencies] });
  });
  g.array('groups').forEach((child, i) => {
    const at = g.at('groups') + `[${i}]`;
    if (!isObject(child)) sink.problems.push({ path: at, rule: 'must be an object', message: `${at} must be an object` });
    else walkGroup(child, at, id, dependencies, sink, out);
  });
  const pods = g.array('pods');
  if (pods.length > 0) unsupported(sink, g.at('pods'), 'berth has no pods; they were left out');
  g.refuse('version', 'a status field Marathon reports, not part of a definition; berth ignores it');
  g.finish({ enforceRole: false });
}

/** A dependency on a group stands for every app in it, as in Marathon. */
function expandDependency(dependency: string, ids: readonly string[]): string[] {
  if (ids.includes(dependency)) return [dependency];
  const inside = ids.filter((id) => id.startsWith(`${dependency === '/' ? '' : dependency}/`));
  return inside.length > 0 ? inside : [dependency];
}

/** berth field names (after `services[i].`) and the Marathon names they came from, longest first. */
const MARATHON_NAMES: [string, string][] = [
  ['container.image', 'container.docker.image'],
  ['container.command', 'cmd'],
  ['container.args', 'args'],
  ['container.env', 'env'],
  ['container.user', 'user'],
  ['resources.cpus', 'cpus'],
  ['resources.memMb', 'mem'],
  ['resources.diskMb', 'disk'],
  ['killGracePeriodSeconds', 'taskKillGracePeriodSeconds'],
  ['backoff.initialSeconds', 'backoffSeconds'],
  ['backoff.factor', 'backoffFactor'],
  ['backoff.maxSeconds', 'maxLaunchDelaySeconds'],
  ['readinessCheck', 'readinessChecks[0]'],
];

/**
 * Renames a problem found in the translated services so it points into the Marathon document:
 * `services[2].resources.cpus` becomes `groups[0].apps[1].cpus`. Fields Marathon names the same
 * way keep their name; the few with no single Marathon source keep berth's.
 */
export function toMarathonProblem(problem: SpecProblem, t: Pick<MarathonTranslation, 'sources' | 'renames'>): SpecProblem {
  const m = /^services\[(\d+)\]\.?(.*)$/.exec(problem.path);
  if (!m) return problem;
  const i = Number(m[1]);
  const source = t.sources[i] ?? '';
  let tail = m[2]!;
  for (const [ours, theirs] of [...(t.renames[i] ?? []), ...MARATHON_NAMES]) {
    if (tail === ours || tail.startsWith(`${ours}.`) || tail.startsWith(`${ours}[`)) {
      tail = theirs + tail.slice(ours.length);
      break;
    }
  }
  tail = tail.replace(/^constraints\[(\d+)\]\.(field|operator|value)/, (_, i: string, f: string) => `constraints[${i}][${['field', 'operator', 'value'].indexOf(f)}]`);
  const path = source === '' ? tail : tail === '' ? source : tail.startsWith('[') ? source + tail : `${source}.${tail}`;
  return { path, rule: problem.rule, message: problem.message.split(problem.path).join(path || 'the app') };
}
