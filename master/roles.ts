// The roles operators configure (weight, quota): set and deleted through the API, persisted
// before they take effect, and viewed with what each role's frameworks hold now.
import { BerthError, ErrorCode, resources, type Res } from '../protocol/index.js';
import type { Logger } from 'pino';
import type { RoleConfig } from './allocator/types.js';
import type { Registry } from './registry.js';
import { parseRole, roleConfig } from './role-config.js';
import type { RoleRecord, StateChange } from './store/records.js';

export interface RoleView {
  name: string;
  weight: number;
  quotaGuarantee?: Res | undefined;
  quotaLimit?: Res | undefined;
  allocated: Res;
}

export interface RolesDeps {
  registry: Registry;
  log: Logger;
  isLeading(): boolean;
  persist(...changes: StateChange[]): Promise<void>;
  triggerAllocation(): void;
}

export class Roles {
  #d: RolesDeps;
  /** The live configuration the allocation cycle reads. */
  readonly config: Map<string, RoleConfig>;

  constructor(deps: RolesDeps, initial: ReadonlyMap<string, RoleConfig>) {
    this.#d = deps;
    this.config = new Map(initial);
  }

  /** Roles set through the API were persisted and win over the ones given as options. */
  load(records: readonly RoleRecord[]): void {
    for (const r of records) this.config.set(r.name, roleConfig(r));
  }

  /** Every configured role with its weight, quota and what its frameworks hold now. */
  view(): RoleView[] {
    const held = new Map<string, Res>();
    for (const f of this.#d.registry.frameworks.values()) {
      for (const [role, r] of f.allocated) held.set(role, resources.add(held.get(role) ?? resources.empty(), r));
    }
    const names = new Set([...this.config.keys(), ...held.keys()]);
    return [...names].sort().map((name) => ({ name, weight: 1, ...this.config.get(name), allocated: held.get(name) ?? resources.empty() }));
  }

  async set(name: string, body: unknown): Promise<RoleRecord> {
    this.#leading();
    const record = parseRole(name, body);
    await this.#d.persist({ type: 'role.put', role: record });
    this.config.set(name, roleConfig(record));
    this.#d.log.info({ role: record }, 'role configured');
    this.#d.triggerAllocation();
    return record;
  }

  async delete(name: string): Promise<{ deleted: string }> {
    this.#leading();
    if (!this.config.has(name)) throw new BerthError(ErrorCode.NOT_FOUND, `role ${name} has no configuration`, { field: 'name' });
    await this.#d.persist({ type: 'role.delete', name });
    this.config.delete(name);
    this.#d.triggerAllocation();
    return { deleted: name };
  }

  #leading(): void {
    if (!this.#d.isLeading()) throw new BerthError(ErrorCode.NOT_LEADER, 'this master is not the leader');
  }
}
