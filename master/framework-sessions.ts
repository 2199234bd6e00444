// A framework's session: subscribing (again, with its id, after a failover), disconnecting, the
// failover timeout that tears it down when it stays away, and the teardown itself.
import type { Logger } from 'pino';
import {
  BerthError,
  CloseCode,
  ErrorCode,
  TaskState,
  checkId,
  isTerminal,
  newId,
  pb,
  type Channel,
} from '../protocol/index.js';
import { decodeFrameworkInfo } from '../protocol/domain/index.js';
import { Action, checkOwner, type Authorizer, type Principal } from './authorizer.js';
import type { OfferBook } from './offer-book.js';
import { killTask, type Outbox } from './outbox.js';
import { frameworkEntry, type FrameworkEntry, type Registry } from './registry.js';
import type { FrameworkRecord, StateChange } from './store/records.js';
import type { TaskEndings } from './task-endings.js';

/** The longest delay setTimeout honours (2^31 - 1 ms); a longer one fires after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface FrameworkSessionsDeps {
  registry: Registry;
  auth: Authorizer;
  offers: OfferBook;
  outbox: Outbox;
  endings: TaskEndings;
  log: Logger;
  settings: { masterId: string; heartbeatIntervalMs: number };
  isLeading(): boolean;
  persist(...changes: StateChange[]): Promise<void>;
  triggerAllocation(): void;
}

export class FrameworkSessions {
  #d: FrameworkSessionsDeps;

  constructor(deps: FrameworkSessionsDeps) {
    this.#d = deps;
  }

  /**
   * Subscribes a framework on channel for `principal`; bind is called the moment the channel
   * speaks for it. Refused (nothing changes) when the principal may not register in one of its
   * roles, when the id is one this master never issued or has torn down, or when another
   * principal registered it.
   */
  async subscribe(channel: Channel, subscribe: pb.SchedulerCall.Subscribe.$Properties, principal: Principal, bind: (entry: FrameworkEntry) => void): Promise<void> {
    // The shared decoder checks the framework's fields (name, roles, failover timeout) by the
    // master's rules; its problems are this call's.
    const decoded = decodeFrameworkInfo(subscribe.framework, 'subscribe.framework');
    const info = decoded.value;
    const problems = decoded.problems.map((p) => p.message);
    if (subscribe.frameworkId) {
      const idProblem = checkId(subscribe.frameworkId, 'subscribe.framework_id');
      if (idProblem) problems.push(idProblem);
    }
    if (problems.length > 0) throw new BerthError(ErrorCode.INVALID_CALL, problems.join('; '), { field: 'subscribe' });
    const suppressed = subscribe.suppressedRoles ?? [];
    const stray = suppressed.findIndex((role) => !info.roles.includes(role));
    if (stray >= 0) {
      throw new BerthError(ErrorCode.ROLE_NOT_SUBSCRIBED, `subscribe.suppressed_roles[${stray}]: role "${suppressed[stray]}" is not one of the framework's roles (${info.roles.join(', ')})`, { field: `subscribe.suppressed_roles[${stray}]` });
    }

    const reg = this.#d.registry;
    const known = subscribe.frameworkId ? reg.frameworks.get(subscribe.frameworkId) : undefined;
    this.#authorize(info, subscribe.frameworkId ?? '', known, principal);
    const id = subscribe.frameworkId || newId('fw');
    const owned = this.#d.auth.enabled ? { ...info, principal: principal.name } : info;
    const record: FrameworkRecord = { id, info: owned, registeredAtMs: known?.record.registeredAtMs ?? Date.now() };
    const entry = known ?? frameworkEntry(record);
    if (known?.channel && known.channel !== channel) known.channel.close(CloseCode.REPLACED, 'the framework subscribed again on another connection');
    clearTimeout(entry.failoverTimer);
    entry.failoverTimer = undefined;
    entry.record = record;
    entry.channel = channel;
    entry.suppressed.clear();
    for (const role of suppressed) entry.suppressed.add(role);
    bind(entry);
    reg.frameworks.set(id, entry);
    await this.#d.persist({ type: 'framework.put', framework: record });
    this.#d.outbox.subscribed(id, this.#d.settings.heartbeatIntervalMs, this.#d.settings.masterId);
    this.#d.outbox.resendUnacked(id);
    this.#d.log.info({ frameworkId: id, name: info.name, roles: info.roles, resubscribed: Boolean(known) }, 'framework subscribed');
    this.#d.triggerAllocation();
  }

  #authorize(info: FrameworkRecord['info'], frameworkId: string, known: FrameworkEntry | undefined, principal: Principal): void {
    const auth = this.#d.auth;
    for (const role of info.roles) auth.authorize(principal, Action.REGISTER_FRAMEWORK, { role });
    if (frameworkId && !known) {
      throw new BerthError(ErrorCode.FRAMEWORK_UNKNOWN, `framework id ${frameworkId} is unknown to this master (never issued, or torn down after its failover timeout); subscribe without an id to register anew`, { field: 'subscribe.framework_id' });
    }
    if (known) checkOwner(auth, known.record.info.principal, principal, `framework ${frameworkId}`);
    if (auth.enabled && info.principal && info.principal !== principal.name) {
      throw new BerthError(ErrorCode.FORBIDDEN, `subscribe.framework.principal "${info.principal}" is not the authenticated principal ${principal.name}`, { field: 'subscribe.framework.principal' });
    }
  }

  disconnected(framework: FrameworkEntry, why: string): void {
    framework.channel = undefined;
    this.#d.log.warn({ frameworkId: framework.record.id, why }, 'framework disconnected');
    for (const offer of this.#d.offers.ofFramework(framework.record.id)) this.#d.offers.remove(offer.id);
    this.armFailover(framework, framework.record.info.failoverTimeoutMs);
    this.#d.triggerAllocation();
  }

  /** The framework is torn down unless it subscribes again within timeoutMs. */
  armFailover(framework: FrameworkEntry, timeoutMs: number): void {
    clearTimeout(framework.failoverTimer);
    // A timer longer than setTimeout can count (about 24.8 days) would fire at once; Mesos
    // frameworks are told to use four weeks, so waits that long are capped instead.
    framework.failoverTimer = setTimeout(() => {
      if (framework.channel || !this.#d.isLeading()) return;
      this.#d.log.warn({ frameworkId: framework.record.id, timeoutMs }, 'framework failover timeout passed; tearing down');
      void this.teardown(framework, 'FRAMEWORK_FAILOVER_TIMEOUT').catch((err: unknown) => this.#d.log.error({ err }, 'teardown failed'));
    }, Math.min(timeoutMs, MAX_TIMER_MS));
    framework.failoverTimer.unref();
  }

  /** Kills the framework's tasks, forgets it and them, and closes its connection. */
  async teardown(fw: FrameworkEntry, reason: string, beforeClose: () => void = () => undefined): Promise<void> {
    const reg = this.#d.registry;
    const id = fw.record.id;
    for (const offer of this.#d.offers.ofFramework(id)) this.#d.offers.remove(offer.id);
    for (const taskId of fw.tasks) {
      const task = reg.tasks.get(taskId);
      if (task && !isTerminal(task.status.state)) this.#d.outbox.toAgent(task.agentId, killTask(id, taskId, 0, reason));
    }
    // Nobody hears of these endings: the framework is gone with its tasks.
    this.#d.endings.end(fw.tasks, () => TaskState.TASK_KILLED, reason, 'framework was torn down');
    const changes: StateChange[] = [{ type: 'framework.delete', frameworkId: id }];
    for (const taskId of [...fw.tasks]) {
      reg.remove(taskId);
      changes.push({ type: 'task.delete', taskId });
    }
    clearTimeout(fw.failoverTimer);
    reg.frameworks.delete(id);
    const channel = fw.channel;
    fw.channel = undefined;
    await this.#d.persist(...changes);
    beforeClose();
    channel?.close(CloseCode.TORN_DOWN, `framework ${id} was torn down`);
    this.#d.log.info({ frameworkId: id, reason }, 'framework removed');
    this.#d.triggerAllocation();
  }

  stop(): void {
    for (const f of this.#d.registry.frameworks.values()) clearTimeout(f.failoverTimer);
  }
}
