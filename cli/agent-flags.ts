// The flags that configure an agent: parsed into the shape of AgentOptions (resources, reservations,
// attributes, durations), checked by agent/agent-options.ts, defaults from AGENT_DEFAULTS.
import { mkdir } from 'node:fs/promises';
// The option modules themselves, not the agent's index: a command's --help must not load the agent whole.
import { AGENT_DEFAULTS, agentOptionProblems, agentRule, type AgentOptions } from '../agent/agent-options.js';
import { detectResources, parseResourceSpec } from '../agent/resources-detect.js';
import { resources, type Res } from '../protocol/index.js';
import { parsePairs, type FlagSpec, type Flags, type Problems } from './flags.js';
import { durationFlag, durationMs, numberOf, reportFieldProblems, type FlagOf } from './option-flags.js';

/** The agent options the CLI sets from flags (the rest are the agent's defaults). */
export type AgentTuning = Partial<Pick<AgentOptions, 'defaultKillGracePeriodMs' | 'finishedRetentionMs' | 'finishedMaxTasks' | 'metricsPort' | 'advertiseAddress' | 'usageIntervalMs'>>;

/** Where clients reach the agent's tasks (they use host networking); `berth dev` takes it too. */
export const ADVERTISE_ADDRESS_FLAG: FlagSpec = { type: 'string', optionDefault: AGENT_DEFAULTS.advertiseAddress, help: "the address clients reach this agent's tasks at (tasks use host networking; load balancers and DNS hand it out)", rule: 'a host name or IP address, no scheme or port', placeholder: 'ADDR' };

export const AGENT_TUNING_FLAGS: Record<string, FlagSpec> = {
  'advertise-address': ADVERTISE_ADDRESS_FLAG,
  'kill-grace-period': durationFlag('time a task has between SIGTERM and SIGKILL when neither the kill nor the task names one', AGENT_DEFAULTS.defaultKillGracePeriodMs, agentRule('defaultKillGracePeriodMs')),
  'finished-retention': durationFlag("how long finished tasks' containers and sandboxes are kept for their logs", AGENT_DEFAULTS.finishedRetentionMs, agentRule('finishedRetentionMs')),
  'finished-max-tasks': { type: 'string', optionDefault: String(AGENT_DEFAULTS.finishedMaxTasks), help: 'at most this many finished tasks are kept for their logs', rule: `a count, ${agentRule('finishedMaxTasks')}`, placeholder: 'N' },
  'usage-interval': durationFlag('how often task and host usage (CPU, memory) is sampled and reported to the master; autoscaling on CPU sees load this late', AGENT_DEFAULTS.usageIntervalMs, agentRule('usageIntervalMs')),
  'metrics-port': { type: 'string', help: 'serve Prometheus metrics at http://127.0.0.1:P/metrics (default: not served)', rule: 'a port from 0 to 65535; 0 picks a free one', placeholder: 'P' },
};

const FIELD_FLAGS: Record<string, string> = {
  masterUrl: 'master',
  token: 'token',
  workDir: 'work-dir',
  hostname: 'hostname',
  advertiseAddress: 'advertise-address',
  defaultKillGracePeriodMs: 'kill-grace-period',
  finishedRetentionMs: 'finished-retention',
  finishedMaxTasks: 'finished-max-tasks',
  metricsPort: 'metrics-port',
  usageIntervalMs: 'usage-interval',
};
const RESOURCE_LABELS: Record<string, string> = { cpus: 'cpus', memMb: 'mem (MB)', diskMb: 'disk (MB)', gpus: 'gpus' };

/** The flag (and the part of its value) an agent option field comes from. */
function flagOf(flags: Flags, reservations: readonly { role: string }[]): (field: string) => FlagOf | undefined {
  return (field) => {
    const direct = FIELD_FLAGS[field];
    // A token is a secret: its problem is said without its value.
    if (direct) return { flag: direct, ...(direct === 'master' || direct === 'token' || flags[direct] === undefined ? {} : { raw: String(flags[direct]) }) };
    const res = /^resources\.(\w+)$/.exec(field);
    if (res) return { flag: 'resources', label: RESOURCE_LABELS[res[1] as string] ?? (res[1] as string) };
    const reservation = /^reservations\[(\d+)\]\.(role|resources\.ports)$/.exec(field);
    if (reservation) {
      const role = reservations[Number(reservation[1])]?.role ?? '';
      return { flag: 'reserve', label: reservation[2] === 'role' ? 'role' : `${role}: ports` };
    }
    if (field === 'reservations') return { flag: 'reserve', label: 'the reservations together' };
    if (field.startsWith('attributes.')) return { flag: 'attributes', label: field.slice('attributes.'.length) };
    return undefined;
  };
}

/** Parses the agent tuning flags into options fields. */
export function agentTuning(flags: Flags, problems: Problems): AgentTuning {
  const tuning: AgentTuning = {};
  const grace = durationMs(flags, 'kill-grace-period', problems);
  if (grace !== undefined) tuning.defaultKillGracePeriodMs = grace;
  const retention = durationMs(flags, 'finished-retention', problems);
  if (retention !== undefined) tuning.finishedRetentionMs = retention;
  const usage = durationMs(flags, 'usage-interval', problems);
  if (usage !== undefined) tuning.usageIntervalMs = usage;
  const max = numberOf(flags, 'finished-max-tasks', problems);
  if (max !== undefined) tuning.finishedMaxTasks = max;
  const metricsPort = numberOf(flags, 'metrics-port', problems);
  if (metricsPort !== undefined) tuning.metricsPort = metricsPort;
  if (flags['advertise-address'] !== undefined) tuning.advertiseAddress = String(flags['advertise-address']);
  return tuning;
}

/** Checks what the flags make of an agent's options with the agent's own rules, naming the flags. */
export function checkAgentOptions(options: Partial<AgentOptions>, flags: Flags, problems: Problems): void {
  reportFieldProblems(agentOptionProblems(options), flagOf(flags, options.reservations ?? []), problems);
}

/** --reserve ROLE=SPEC flags, parsed; whether they fit is the agent options' rule. */
export function parseReservations(values: string[], problems: Problems): { role: string; resources: Res }[] {
  const out: { role: string; resources: Res }[] = [];
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) {
      problems.add(`--reserve must look like ROLE=cpus:2;mem:4096, got '${v}'`);
      continue;
    }
    const role = v.slice(0, eq);
    try {
      out.push({ role, resources: resources.normalize(parseResourceSpec(v.slice(eq + 1))) });
    } catch (err) {
      problems.add(`--reserve ${role}: ${(err as Error).message}`);
    }
  }
  return out;
}

/** Detected resources with a SPEC's overrides applied; a spec that does not parse goes to `problems`. */
export async function agentResources(spec: string | undefined, workDir: string, problems: Problems): Promise<Res> {
  let overrides = {};
  if (spec) {
    try {
      overrides = parseResourceSpec(spec);
    } catch (err) {
      problems.add(`--resources: ${(err as Error).message}`);
    }
  }
  await mkdir(workDir, { recursive: true });
  const detected = await detectResources({ workDir });
  return resources.normalize({ ...detected, ...overrides });
}

/** --attributes K=V[,K=V] flags into a record. */
export function agentAttributes(flags: Flags, problems: Problems): Record<string, string> {
  return parsePairs((flags.attributes as string[] | undefined) ?? [], 'attributes', problems);
}
