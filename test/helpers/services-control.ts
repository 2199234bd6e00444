// An in-memory ServicesControl for the services commands and HTTP API: deterministic agents
// (host1..hostN, racks), desired states kept in a map, and a small world that carries out plans
// when a test asks it to (`settle`, `step`): launches start healthy, kills end at the next step.
// `storeDown` makes commits fail as an unreachable Redis does, changing nothing.
import type { Test } from 'tap';
import { BerthError, ErrorCode } from '../../protocol/index.js';
import {
  isTerminal,
  MemoryServicesStore,
  place,
  ServicesCommands,
  startServicesHttpApi,
  planServices,
  specOf,
  type AgentView,
  type FrameworkAuditStore,
  type Instance,
  type PlanResult,
  type PortRange,
  type ScalarResources,
  type ServicesChange,
  type ServicesControl,
  type ServicesView,
  type ServiceState,
} from '../../frameworks/services/index.js';
import { testLogger } from './log.js';

export interface FakeAgent {
  id: string;
  hostname: string;
  /** Its advertised address; absent as from an older agent. */
  address?: string;
  attributes: Record<string, string>;
  total: { cpus: number; memMb: number; diskMb: number; ports: PortRange };
  draining?: boolean;
}

/** Agents a1..aN on host1..hostN, racks r1 and r2 in turn, 4 cpus and 8 GiB each. */
export function fakeAgents(n: number, over: Partial<FakeAgent['total']> = {}): FakeAgent[] {
  return Array.from({ length: n }, (_, k) => ({
    id: `a${k + 1}`,
    hostname: `host${k + 1}`,
    attributes: { rack: `r${(k % 2) + 1}`, zone: k < n / 2 ? 'east' : 'west' },
    total: { cpus: 4, memMb: 8192, diskMb: 20_000, ports: { begin: 31000 + k * 100, end: 31099 + k * 100 }, ...over },
  }));
}

export class FakeServicesControl implements ServicesControl {
  nowMs = 1_000_000;
  readonly states = new Map<string, ServiceState>();
  instances: Instance[] = [];
  plans = new Map<string, PlanResult>();
  readonly agents: FakeAgent[];
  readonly roles: string[];
  /** Every change committed, in order. */
  readonly commits: ServicesChange[] = [];
  /** While true, commit rejects with STORE_UNAVAILABLE and keeps nothing. */
  storeDown = false;
  /** Whether a running instance passes its checks; default: always. */
  healthy: (i: Instance) => boolean = () => true;
  #queue: Promise<unknown> = Promise.resolve();
  #next = 0;

  constructor(agents: FakeAgent[] = fakeAgents(3), roles: string[] = ['*', 'web']) {
    this.agents = agents;
    this.roles = roles;
  }

  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  view(): ServicesView {
    const totals: ScalarResources = { cpus: 0, memMb: 0, diskMb: 0 };
    for (const a of this.agents) {
      totals.cpus += a.total.cpus;
      totals.memMb += a.total.memMb;
      totals.diskMb += a.total.diskMb;
    }
    const heldByRole = new Map<string, ScalarResources>();
    for (const i of this.#live()) {
      const spec = this.#specOf(i);
      const h = heldByRole.get(spec.role) ?? { cpus: 0, memMb: 0, diskMb: 0 };
      heldByRole.set(spec.role, { cpus: h.cpus + spec.resources.cpus, memMb: h.memMb + spec.resources.memMb, diskMb: h.diskMb + spec.resources.diskMb });
    }
    return {
      states: new Map(this.states),
      instances: [...this.instances],
      agents: this.agentViews(),
      plans: new Map(this.plans),
      roles: [...this.roles],
      totals,
      heldByRole,
      nowMs: this.nowMs,
    };
  }

  async commit(change: ServicesChange): Promise<void> {
    if (this.storeDown) throw new BerthError(ErrorCode.STORE_UNAVAILABLE, 'redis: connection refused');
    this.commits.push(structuredClone(change));
    for (const s of change.put) this.states.set(s.id, s);
    for (const id of change.remove) {
      this.states.delete(id);
      this.plans.delete(id);
      // The scheduler kills them; here they end at once, so no spec is needed to count them.
      this.instances = this.instances.map((i) => (i.serviceId === id && !isTerminal(i.state) ? { ...i, state: 'killed', endedAtMs: this.nowMs } : i));
    }
    this.#plan();
  }

  /** The agents with what live instances hold taken off their totals. */
  agentViews(): AgentView[] {
    return this.agents.map((a) => {
      const mine = this.#live().filter((i) => i.agentId === a.id);
      const used = new Set(mine.flatMap((i) => Object.values(i.ports)));
      const ports: PortRange[] = [];
      let begin: number | undefined;
      for (let p = a.total.ports.begin; p <= a.total.ports.end + 1; p++) {
        const free = p <= a.total.ports.end && !used.has(p);
        if (free && begin === undefined) begin = p;
        if (!free && begin !== undefined) {
          ports.push({ begin, end: p - 1 });
          begin = undefined;
        }
      }
      const sum = (k: keyof ScalarResources) => mine.reduce((n, i) => n + this.#specOf(i).resources[k], 0);
      return {
        id: a.id, hostname: a.hostname, ...(a.address ? { address: a.address } : {}), attributes: a.attributes,
        free: { cpus: a.total.cpus - sum('cpus'), memMb: a.total.memMb - sum('memMb'), diskMb: a.total.diskMb - sum('diskMb'), ports },
        draining: a.draining === true, underPressure: false, unreachable: false,
      };
    });
  }

  /** One step of the world: time passes, instances move, every service is planned and its steps carried out. */
  step(ms = 1000): void {
    this.nowMs += ms;
    this.instances = this.instances.filter((i) => !isTerminal(i.state)).map((i): Instance => {
      if (i.state === 'killing') return { ...i, state: 'killed', endedAtMs: this.nowMs };
      if (i.state === 'staging') return { ...i, state: 'running' };
      if (i.state === 'running') return { ...i, healthy: this.healthy(i), ready: true };
      return i;
    });
    this.#plan(true);
  }

  /** Steps until every service is stable with nothing to do; throws after `max` steps. */
  settle(max = 100): void {
    for (let k = 0; k < max; k++) {
      this.step();
      const plans = [...this.plans.values()];
      if (plans.every((p) => p.deployment.status === 'stable' && p.steps.every((s) => s.kind === 'done')) && this.instances.every((i) => i.state === 'running')) return;
    }
    throw new Error(`not settled after ${max} steps: ${JSON.stringify([...this.plans.values()].map((p) => [p.state.id, p.deployment.status, p.steps]))}`);
  }

  /** Plans every service and keeps the new desired states, as the scheduler does; `act` carries out the steps. */
  #plan(act = false): void {
    const results = planServices({ states: [...this.states.values()], instances: this.instances, agents: this.agentViews(), nowMs: this.nowMs });
    for (const { id, result } of results) {
      this.states.set(id, result.state);
      this.plans.set(id, result);
      if (!act) continue;
      for (const s of result.steps) {
        if (s.kind === 'kill') {
          const ids = new Set(s.instanceIds);
          this.instances = this.instances.map((i) => (ids.has(i.id) ? { ...i, state: 'killing' } : i));
        } else if (s.kind === 'launch') {
          const spec = specOf(result.state, s.version).spec;
          const placed = place(spec, s.count, this.agentViews(), this.#live().filter((i) => i.state !== 'killing'));
          for (const p of placed.placements) {
            const agent = this.agents.find((a) => a.id === p.agentId)!;
            this.instances.push({
              id: `${id.slice(1).replace(/\//g, '.')}.${++this.#next}`, serviceId: id, version: s.version, agentId: agent.id, hostname: agent.hostname,
              state: 'staging', healthy: undefined, ready: undefined, startedAtMs: this.nowMs, ports: p.ports,
            });
          }
        }
      }
    }
  }

  #live(): Instance[] {
    return this.instances.filter((i) => !isTerminal(i.state));
  }

  #specOf(i: Instance) {
    const s = this.states.get(i.serviceId)!;
    return specOf(s, i.version).spec;
  }
}

/** The real commands and HTTP API over a fake control, on a loopback port, closed in teardown. */
export async function fakeServicesApi(t: Test, control = new FakeServicesControl(), audit: FrameworkAuditStore = new MemoryServicesStore(), streamTickMs?: number): Promise<{ url: string; control: FakeServicesControl; call: ApiCall }> {
  const api = await startServicesHttpApi(new ServicesCommands(control), { port: 0, log: testLogger(), audit, ...(streamTickMs !== undefined ? { streamTickMs } : {}) });
  t.teardown(() => api.close());
  const call: ApiCall = async (method, path, body, type, user) => {
    const headers: Record<string, string> = type === undefined ? (body === undefined ? {} : { 'content-type': 'application/json' }) : type === '' ? {} : { 'content-type': type };
    if (user !== undefined) headers['x-berth-user'] = user;
    const res = await fetch(`${api.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
    const text = await res.text();
    let parsed: ApiBody;
    try {
      parsed = JSON.parse(text) as ApiBody;
    } catch {
      parsed = { text };
    }
    return { status: res.status, body: parsed };
  };
  return { url: api.url, control, call };
}

// Answers are read loosely: each test names the fields it checks.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ApiBody = Record<string, any>;
/**
 * `body` as text is sent as is (a spec file); an object is sent as JSON. `type` '' sends no content
 * type; `user` is sent as x-berth-user.
 */
export type ApiCall = (method: string, path: string, body?: string | object, type?: string, user?: string) => Promise<{ status: number; body: ApiBody }>;
