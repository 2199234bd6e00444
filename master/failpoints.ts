// Failpoints: named places in the master where the fault-injection suite (test/faults/) makes it
// crash, stall or fail, to test what survives a failure at exactly that step. Given once at start
// (`berth master` reads BERTH_FAILPOINT=name=action[,name=action]); when none is set, hit() is one
// map lookup that finds nothing.
import { BerthError, ErrorCode } from '../protocol/index.js';

export const FailpointName = {
  /** The launch intent (the tasks, STAGING) is durable; RunTask has not been sent. */
  LAUNCH_AFTER_INTENT: 'launch.after-intent',
  /** RunTask has left for the agent; the framework has not been told the launch was accepted. */
  LAUNCH_AFTER_RUNTASK: 'launch.after-runtask',
  /** An agent's status update is durable; it is neither acknowledged to the agent nor forwarded. */
  STATUS_AFTER_PERSIST: 'status.after-persist',
  /** The leader is about to renew its lease. */
  LEASE_BEFORE_RENEW: 'lease.before-renew',
} as const;
export type FailpointName = (typeof FailpointName)[keyof typeof FailpointName];

const NAMES: readonly string[] = Object.values(FailpointName);

/** exit: the process dies at once, as a crash (SIGKILL); pause: this step waits; error: it throws. */
export type FailpointAction = { kind: 'exit' } | { kind: 'pause'; ms: number } | { kind: 'error' };

export const FAILPOINT_RULE = `name=action[,name=action], name one of ${NAMES.join(', ')}; action exit, pause(MS) or error`;

const PAUSE = /^pause\((\d+)\)$/;

/** Each problem with a failpoint spec, naming the entry and the rule (empty when it is valid). */
export function failpointProblems(spec: string): string[] {
  return parseEntries(spec).problems;
}

function parseEntries(spec: string): { actions: Map<FailpointName, FailpointAction>; problems: string[] } {
  const actions = new Map<FailpointName, FailpointAction>();
  const problems: string[] = [];
  for (const entry of spec.split(',').map((e) => e.trim()).filter(Boolean)) {
    const eq = entry.indexOf('=');
    const name = eq < 0 ? entry : entry.slice(0, eq).trim();
    const action = eq < 0 ? '' : entry.slice(eq + 1).trim();
    if (!NAMES.includes(name)) {
      problems.push(`'${entry}': unknown failpoint '${name}'; known ones are ${NAMES.join(', ')}`);
      continue;
    }
    if (actions.has(name as FailpointName)) problems.push(`'${entry}': failpoint ${name} is given twice`);
    const pause = PAUSE.exec(action);
    if (action === 'exit' || action === 'error') actions.set(name as FailpointName, { kind: action });
    else if (pause) actions.set(name as FailpointName, { kind: 'pause', ms: Number(pause[1]) });
    else problems.push(`'${entry}': unknown action '${action}'; it must be exit, pause(MS) with MS a whole number of milliseconds, or error`);
  }
  return { actions, problems };
}

export class Failpoints {
  /** No failpoint set: every hit() is a no-op. */
  static readonly NONE = new Failpoints(new Map());

  #actions: ReadonlyMap<FailpointName, FailpointAction>;
  #crash: () => void;

  constructor(actions: ReadonlyMap<FailpointName, FailpointAction>, crash: () => void = () => process.kill(process.pid, 'SIGKILL')) {
    this.#actions = actions;
    this.#crash = crash;
  }

  /** Parses a spec; throws one BerthError listing every problem. */
  static parse(spec: string, crash?: () => void): Failpoints {
    const { actions, problems } = parseEntries(spec);
    if (problems.length > 0) throw new BerthError(ErrorCode.INVALID_CALL, `invalid failpoints: ${problems.join('; ')}`, { field: 'failpoints' });
    return new Failpoints(actions, crash);
  }

  get size(): number {
    return this.#actions.size;
  }

  /**
   * Reached failpoint `name`: crashes the process (exit), throws (error), or returns a promise
   * that resolves after the pause; undefined when this failpoint is not set.
   */
  hit(name: FailpointName): Promise<void> | undefined {
    const action = this.#actions.get(name);
    if (!action) return undefined;
    switch (action.kind) {
      case 'exit':
        this.#crash();
        // A real crash never returns; an injected one (tests) must not go on either.
        throw new BerthError(ErrorCode.INTERNAL, `failpoint ${name}: the process exits here`);
      case 'error':
        throw new BerthError(ErrorCode.INTERNAL, `failpoint ${name}: injected error`);
      case 'pause':
        return new Promise((resolve) => setTimeout(resolve, action.ms));
    }
  }

  /**
   * hit(), once what this turn wrote to sockets has left the process (channels cork their socket
   * until the next tick, so a crash at once would take the bytes with it).
   */
  hitAfterIo(name: FailpointName): Promise<void> | undefined {
    if (!this.#actions.has(name)) return undefined;
    return new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.hit(name));
  }
}
