// What users ask the services framework to do (the HTTP API calls these): plan and apply files,
// read services back, scale, restart, roll back and remove them. Each command runs inside the
// control's exclusive section on one view and answers only after its change is committed; a
// commit that fails leaves nothing changed. Expected refusals are values.
import type { ServicesChange, ServicesControl, ServicesView } from './control.js';
import { applySpec, pruneVersions, restartService, rollbackService, specOf, type ServiceState } from './deploy/index.js';
import { allEndpoints, endpointsOf, type ServiceEndpoints } from './endpoints.js';
import { checkServiceFile, clusterProblems } from './file-check.js';
import { nextStates, previewPlan, type Change, type PlanAnswer } from './plan-preview.js';
import { detailOf, historyOf, summaryOf, type ServiceDetail, type ServiceHistory, type ServiceSummary } from './service-views.js';
import { MAX_INSTANCES, parseServiceDocument, type SpecProblem } from './spec/index.js';

export const CommandError = { NOT_FOUND: 'NOT_FOUND', BAD_REQUEST: 'BAD_REQUEST', CONFLICT: 'CONFLICT' } as const;
export type CommandError = (typeof CommandError)[keyof typeof CommandError];

export type Refusal = { ok: false; code: CommandError; message: string; field: string; problems?: SpecProblem[] };
export type Result<T> = ({ ok: true } & T) | Refusal;

const refuse = (code: CommandError, message: string, field = ''): Refusal => ({ ok: false, code, message, field });

/** A refusal listing every problem; the message sums them up, the field is the first one's. */
function problemsRefusal(problems: SpecProblem[]): Refusal {
  const head = problems.slice(0, 3).map((p) => `${p.path || 'the file'}: ${p.rule}`).join('; ');
  const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : '';
  return { ...refuse(CommandError.BAD_REQUEST, `the spec is refused: ${head}${more}`, problems[0]?.path ?? ''), problems };
}

export interface ApplyAnswer {
  services: { id: string; version: number; change: Change }[];
  warnings: SpecProblem[];
  unsupported: SpecProblem[];
}

export interface ServicesCommandsOptions {
  /** Spec versions kept per service beyond those still needed (pruneVersions). Default 10. */
  keepVersions?: number;
}

export class ServicesCommands {
  readonly #c: ServicesControl;
  readonly #keep: number;

  constructor(control: ServicesControl, options: ServicesCommandsOptions = {}) {
    this.#c = control;
    this.#keep = options.keepVersions ?? 10;
    if (!Number.isInteger(this.#keep) || this.#keep < 1) throw new RangeError(`keepVersions must be an integer >= 1, got ${this.#keep}`);
  }

  /** One consistent view of the framework (for metrics and reads). */
  view(): Promise<ServicesView> {
    return this.#c.exclusive(async () => this.#c.view());
  }

  /**
   * The view as it is at this moment, outside the exclusive section (the state stream's tick
   * reads it synchronously, so no change is half applied when it does).
   */
  viewNow(): ServicesView {
    return this.#c.view();
  }

  /** What applying the file would do; changes nothing. */
  plan(text: string): Promise<Result<PlanAnswer>> {
    return this.#c.exclusive(async () => {
      const view = this.#c.view();
      const file = checkServiceFile(text, view);
      if (!file.ok) return problemsRefusal(file.problems);
      return { ok: true, ...previewPlan(file, view) };
    });
  }

  /**
   * Checks the whole file, then commits a new version of every service it creates or changes, in
   * one commit. Unchanged services get no new version; services the file does not name stay.
   */
  apply(text: string): Promise<Result<ApplyAnswer>> {
    return this.#c.exclusive(async () => {
      const view = this.#c.view();
      const file = checkServiceFile(text, view);
      if (!file.ok) return problemsRefusal(file.problems);
      const states = nextStates(file.services, view);
      const put = states.filter((s) => s.change !== 'unchanged').map((s) => pruneVersions(s.next, view.instances, this.#keep));
      if (put.length > 0) await this.#c.commit({ put, remove: [] });
      return {
        ok: true,
        services: states.map((s) => ({ id: s.spec.id, version: s.next.targetVersion, change: s.change })),
        warnings: file.warnings,
        unsupported: file.unsupported,
      };
    });
  }

  list(): Promise<ServiceSummary[]> {
    return this.#c.exclusive(async () => {
      const view = this.#c.view();
      return [...view.states.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((s) => summaryOf(s, view));
    });
  }

  get(id: string): Promise<Result<ServiceDetail>> {
    return this.#read(id, (state, view) => detailOf(state, view));
  }

  /** Every service's endpoints, sorted by id. */
  endpoints(): Promise<ServiceEndpoints[]> {
    return this.#c.exclusive(async () => allEndpoints(this.#c.view()));
  }

  endpointsOf(id: string): Promise<Result<ServiceEndpoints>> {
    return this.#read(id, (state, view) => endpointsOf(state, view));
  }

  history(id: string): Promise<Result<ServiceHistory>> {
    return this.#read(id, (state) => historyOf(state));
  }

  /**
   * A new version with only `instances` changed (none when it already asks for `instances`). An
   * autoscaled service takes only counts within its autoscale range.
   */
  scale(id: string, instances: number): Promise<Result<{ id: string; version: number }>> {
    return this.#change(id, (state, view) => {
      if (!Number.isInteger(instances) || instances < 0 || instances > MAX_INSTANCES) {
        return refuse(CommandError.BAD_REQUEST, `instances must be an integer from 0 to ${MAX_INSTANCES}, not ${String(instances)}`, 'instances');
      }
      const a = specOf(state, state.targetVersion).spec.autoscale;
      if (a && (instances < a.min || instances > a.max)) {
        return refuse(CommandError.BAD_REQUEST, `instances must be within autoscale.min..max (${a.min}..${a.max}) while ${id} is autoscaled, not ${instances}; change autoscale in the spec to go beyond`, 'instances');
      }
      return this.#scaled(state, view, instances);
    });
  }

  /**
   * The autoscaler's scale: like `scale`, with `reason` kept on the new version for the history.
   * Refused (CONFLICT) when the service has moved past `fromVersion` since the decision was made.
   */
  autoscale(id: string, fromVersion: number, instances: number, reason: string): Promise<Result<{ id: string; version: number }>> {
    return this.#change(id, (state, view) => {
      if (state.targetVersion !== fromVersion) return refuse(CommandError.CONFLICT, `${id} is at version ${state.targetVersion} now, not ${fromVersion}; decide again`, 'version');
      return this.#scaled(state, view, instances, reason);
    });
  }

  #scaled(state: ServiceState, view: ServicesView, instances: number, reason?: string): ServiceState | Refusal {
    const spec = { ...specOf(state, state.targetVersion).spec, instances };
    // The same checks as apply: MAX_PER, UNIQUE and CLUSTER together may forbid the new count.
    const parsed = parseServiceDocument(spec, { knownIds: view.states.keys() });
    if (!parsed.ok) return problemsRefusal(parsed.problems);
    const cluster = clusterProblems(parsed.services, [''], view);
    if (cluster.length > 0) return problemsRefusal(cluster);
    return applySpec(state, parsed.services[0]!, view.nowMs, reason);
  }

  /** A new version that replaces every instance, rolling, within the upgrade strategy. */
  restart(id: string): Promise<Result<{ id: string; version: number }>> {
    return this.#change(id, (state, view) => restartService(state, view.nowMs));
  }

  /**
   * A new version with the spec of `toVersion`, or by default of the last version that deployed
   * successfully before the current target.
   */
  rollback(id: string, toVersion?: number): Promise<Result<{ id: string; version: number }>> {
    return this.#change(id, (state, view) => {
      const kept = state.versions.map((v) => v.version);
      if (toVersion !== undefined) {
        if (!kept.includes(toVersion)) return refuse(CommandError.BAD_REQUEST, `service ${id} has no version ${String(toVersion)}; kept versions: ${kept.join(', ')}`, 'toVersion');
        if (toVersion === state.targetVersion) return refuse(CommandError.CONFLICT, `version ${toVersion} is already the target of ${id}`, 'toVersion');
        return rollbackService(state, toVersion, view.nowMs);
      }
      const back = lastGoodBefore(state);
      if (back === undefined) return refuse(CommandError.CONFLICT, `service ${id} has no good version before ${state.targetVersion} to roll back to; name one with toVersion (kept: ${kept.join(', ')})`, 'toVersion');
      return rollbackService(state, back, view.nowMs);
    });
  }

  /** Removes a service: its instances are killed. Refused while other services depend on it. */
  remove(id: string): Promise<Result<{ id: string; removed: true }>> {
    return this.#c.exclusive(async () => {
      const view = this.#c.view();
      if (!view.states.has(id)) return refuse(CommandError.NOT_FOUND, `no service ${id}`, 'id');
      const dependants = [...view.states.values()].filter((s) => s.id !== id && specOf(s, s.targetVersion).spec.dependencies.includes(id)).map((s) => s.id);
      if (dependants.length > 0) return refuse(CommandError.CONFLICT, `${dependants.join(', ')} depend${dependants.length === 1 ? 's' : ''} on ${id}; remove ${dependants.length === 1 ? 'it' : 'them'} or their dependency first`, 'id');
      await this.#c.commit({ put: [], remove: [id] });
      return { ok: true, id, removed: true };
    });
  }

  #read<T extends object>(id: string, show: (state: ServiceState, view: ServicesView) => T): Promise<Result<T>> {
    return this.#c.exclusive(async () => {
      const view = this.#c.view();
      const state = view.states.get(id);
      if (!state) return refuse(CommandError.NOT_FOUND, `no service ${id}`, 'id');
      return { ok: true as const, ...show(state, view) };
    });
  }

  /** Runs a change of one service's desired state and commits it (nothing when it changes nothing). */
  #change(id: string, next: (state: ServiceState, view: ServicesView) => ServiceState | Refusal): Promise<Result<{ id: string; version: number }>> {
    return this.#c.exclusive(async () => {
      const view = this.#c.view();
      const state = view.states.get(id);
      if (!state) return refuse(CommandError.NOT_FOUND, `no service ${id}`, 'id');
      const out = next(state, view);
      if ('ok' in out) return out;
      if (out !== state) {
        const change: ServicesChange = { put: [pruneVersions(out, view.instances, this.#keep)], remove: [] };
        await this.#c.commit(change);
      }
      return { ok: true, id, version: out.targetVersion };
    });
  }
}

/**
 * The version to roll back to by default: the last good version when it is not the target (a
 * deployment is under way or failed), else the newest successful deployment to another version.
 */
export function lastGoodBefore(state: ServiceState): number | undefined {
  const kept = new Set(state.versions.map((v) => v.version));
  const good = state.lastGoodVersion;
  if (good !== undefined && good !== state.targetVersion && kept.has(good)) return good;
  for (const d of [...state.history].reverse()) {
    if (d.phase === 'succeeded' && d.toVersion !== state.targetVersion && kept.has(d.toVersion)) return d.toVersion;
  }
  return undefined;
}
