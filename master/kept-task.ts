// What the master keeps of a task once its RunTask has left: the spec is cut to what the master
// still reads (name, resources, image, command line, kill grace, labels, preemptible), since the
// rest (environment, arguments, volumes, health check, user, capabilities) only the agent needs,
// and it has it. Repeated values (names, images, command lines, resource shapes) are shared
// between tasks. At 100,000 tasks each hundred bytes here is 10 MB of the master's heap.
import { ContainerType, type Res } from '../protocol/index.js';
import type { CommandSpec, ContainerSpec, TaskSpec } from '../protocol/domain/index.js';

/** Distinct values a table keeps; past it new values are kept as they are (never an unbounded table). */
const TABLE_LIMIT = 10_000;

const NO_ARGUMENTS: string[] = Object.freeze([]) as unknown as string[];
const NO_ENVIRONMENT: Record<string, string> = Object.freeze({});
const NO_LABELS: Record<string, string> = Object.freeze({});
const NO_VOLUMES: ContainerSpec['volumes'] = Object.freeze([]) as unknown as ContainerSpec['volumes'];
const NO_CAPS: string[] = NO_ARGUMENTS;
const NO_PORTS: Res['ports'] = Object.freeze([]) as unknown as Res['ports'];

/** One shared, frozen copy of each distinct value, up to TABLE_LIMIT of them. */
class Table<T> {
  #byKey = new Map<string, T>();

  get(key: string, make: () => T): T {
    const known = this.#byKey.get(key);
    if (known !== undefined) return known;
    const value = make();
    if (this.#byKey.size < TABLE_LIMIT) this.#byKey.set(key, Object.freeze(value));
    return value;
  }
}

export class KeptTasks {
  readonly #strings = new Table<string>();
  readonly #commands = new Table<CommandSpec>();
  readonly #containers = new Table<ContainerSpec>();
  readonly #resources = new Table<Res>();

  /** One string object for every equal short string (names, images, roles); longer ones pass through. */
  text(value: string): string {
    return value.length > 200 ? value : this.#strings.get(value, () => value);
  }

  /**
   * The spec as kept after the launch. agentId and taskId are the record's own strings, so a task
   * holds one copy of each. The result is shared in parts: never change it in place.
   */
  spec(info: TaskSpec, ids: { taskId: string; agentId: string }): TaskSpec {
    const value = this.text(info.command.value);
    const command = this.#commands.get(`${info.command.shell ? 1 : 0}${value}`, () => ({ value, shell: info.command.shell, arguments: NO_ARGUMENTS, environment: NO_ENVIRONMENT }));
    const image = this.text(info.container.image);
    const type = info.container.type === ContainerType.DOCKER ? ContainerType.DOCKER : ContainerType.MESOS;
    const container = this.#containers.get(`${type}:${image}`, () => ({ type, image, privileged: false, volumes: NO_VOLUMES, capAdd: NO_CAPS, user: '' }));
    return {
      taskId: ids.taskId,
      name: this.text(info.name),
      agentId: ids.agentId,
      resources: this.#shape(info.resources),
      command,
      container,
      killGracePeriodMs: info.killGracePeriodMs,
      healthCheck: null,
      labels: Object.keys(info.labels).length === 0 ? NO_LABELS : info.labels,
      preemptible: info.preemptible,
    };
  }

  /** Resources without ports are shared by shape; with ports they are the task's own. */
  #shape(r: Res): Res {
    if (r.ports.length > 0) return r;
    return this.#resources.get(`${r.cpus}/${r.memMb}/${r.diskMb}/${r.gpus}`, () => ({ ...r, ports: NO_PORTS }));
  }
}
