// What the fuzz bench feeds: each target is an edge where outside input enters berth (a WebSocket
// frame, a spec file, an HTTP body, a stream query), with valid seeds to mutate and the contract
// the code under test promises. A target's `run` returns normally for a clear answer (a value or
// an expected, named error); anything else it lets escape counts as a crash.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseJobs } from '../frameworks/batch/spec/index.js';
import { HttpError, rollbackBody, scaleBody } from '../frameworks/services/http-bodies.js';
import { parseServiceFile } from '../frameworks/services/spec/index.js';
import { parseStreamQuery } from '../master/http/state-stream-route.js';
import { BerthError, decode, encode, TaskState, type Envelope } from '../protocol/index.js';
import { decodeAgentInfo, decodeFrameworkInfo, decodeOffer, decodeTaskInfo, decodeTaskReport, decodeTaskStatus } from '../protocol/domain/index.js';

export interface FuzzTarget {
  name: string;
  /** Valid inputs the mutations start from. */
  seeds: Uint8Array[];
  /** Share of all inputs this target gets. */
  weight: number;
  run(input: Uint8Array): void;
}

const utf8 = new TextEncoder();
const text = new TextDecoder('utf-8', { fatal: false });

/** Errors that are a clear answer, not a crash: named, with a message. */
function expected(err: unknown): boolean {
  return (err instanceof BerthError || err instanceof HttpError) && err.message.length > 0;
}

/** A frame through the codec and then the domain decoders of whatever call or event it carries. */
function frame(input: Uint8Array): void {
  const decoded = decode(input);
  if (!decoded.ok) {
    if (typeof decoded.reason !== 'string' || decoded.reason.length === 0) throw new Error('a refused frame without a reason');
    return;
  }
  const e = decoded.envelope;
  const a = e.agentCall;
  if (a?.register) {
    decodeAgentInfo(a.register.agent);
    for (const report of a.register.tasks ?? []) decodeTaskReport(report);
  }
  if (a?.update) decodeTaskStatus(a.update.status);
  const s = e.schedulerCall;
  if (s?.subscribe) decodeFrameworkInfo(s.subscribe.framework);
  for (const op of s?.accept?.operations ?? []) for (const task of op.tasks ?? []) decodeTaskInfo(task);
  const ev = e.schedulerEvent;
  for (const offer of ev?.offers?.offers ?? []) decodeOffer(offer);
  if (ev?.update) decodeTaskStatus(ev.update.status);
  if (e.agentEvent?.runTask) decodeTaskInfo(e.agentEvent.runTask.task);
}

function frameSeeds(): Uint8Array[] {
  const task = {
    taskId: 'web.1', name: 'web', agentId: 'a-1',
    resources: { cpus: 0.5, memMb: 64, diskMb: 10, ports: [{ begin: 31000, end: 31001 }] },
    command: { value: 'httpd -f -p $PORT0', shell: true, environment: { A: 'b' } },
    container: { type: 1, image: 'busybox:latest', user: '1000' },
    healthCheck: { http: { port: 31000, path: '/health' }, intervalMs: 1000, timeoutMs: 500, consecutiveFailures: 3 },
    labels: { team: 'web' }, killGracePeriodMs: 2000,
  };
  const envelopes: Envelope[] = [
    { hello: { kind: 1, protocolVersion: 1, client: 'berth-agent' } },
    { agentCall: { register: { agent: { hostname: 'h1', resources: { cpus: 4, memMb: 4096, ports: [{ begin: 31000, end: 32000 }] }, attributes: { rack: 'r1' }, runtime: 'docker' }, agentId: 'a-1', tasks: [{ task, frameworkId: 'f-1', status: { taskId: 'web.1', state: TaskState.TASK_RUNNING, uuid: 'u1' } }] } } },
    { agentCall: { update: { status: { taskId: 'web.1', agentId: 'a-1', state: TaskState.TASK_FINISHED, uuid: 'u2', message: 'exited 0', timestampMs: 1_767_225_600_000 } } } },
    { agentCall: { usage: { tasks: [{ taskId: 'web.1', usage: { cpuPercent: 12.5, memBytes: 1e6, atMs: 1 } }], agent: { cpuPercent: 50, memBytes: 2e9, atMs: 1 }, underPressure: false } } },
    { schedulerCall: { requestId: 'r1', subscribe: { framework: { name: 'fw', roles: ['*', 'eng'], failoverTimeoutMs: 60_000, partitionAware: true } } } },
    { schedulerCall: { requestId: 'r2', accept: { offerIds: ['o-1'], operations: [{ type: 1, tasks: [task] }], filters: { refuseSeconds: 5 } } } },
    { schedulerCall: { requestId: 'r3', kill: { taskId: 'web.1', agentId: 'a-1', gracePeriodMs: 100 } } },
    { schedulerEvent: { offers: { offers: [{ id: 'o-1', agentId: 'a-1', hostname: 'h1', frameworkId: 'f-1', resources: { cpus: 4, memMb: 4096 } }] } } },
    { agentEvent: { runTask: { frameworkId: 'f-1', task } } },
  ];
  return envelopes.map((e) => encode(e));
}

async function files(dir: string, names: string[]): Promise<Uint8Array[]> {
  return Promise.all(names.map(async (n) => utf8.encode(await readFile(join(dir, n), 'utf8'))));
}

export async function fuzzTargets(root: string): Promise<FuzzTarget[]> {
  const services = await files(join(root, 'examples/services'), ['hello.yaml', 'shop.yaml', 'web.yaml', 'marathon-web.json']);
  const batch = await files(join(root, 'examples/batch'), ['hello.yaml', 'etl-workflow.yaml', 'nightly-report.yaml', 'parallel-render.yaml', 'training-gang.json']);
  return [
    { name: 'protocol frames (codec + domain decoders)', seeds: frameSeeds(), weight: 6, run: frame },
    {
      name: 'service spec files (YAML, JSON, Marathon)', seeds: services, weight: 2,
      run(input) {
        const r = parseServiceFile(text.decode(input));
        if (!r.ok && r.problems.some((p) => typeof p.message !== 'string' || p.message === '')) throw new Error('a problem without a message');
      },
    },
    {
      name: 'batch job files', seeds: batch, weight: 1,
      run(input) {
        const r = parseJobs(text.decode(input));
        if (!r.ok && r.problems.some((p) => typeof p.message !== 'string' || p.message === '')) throw new Error('a problem without a message');
      },
    },
    {
      name: 'services action bodies (scale, rollback)', seeds: ['{"instances": 3}', '{"toVersion": 2}', '{}'].map((s) => utf8.encode(s)), weight: 0.5,
      run(input) {
        let body: unknown;
        try {
          body = JSON.parse(text.decode(input));
        } catch {
          return; // the HTTP layer answers a body that is not JSON with 400 before these run
        }
        if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
        for (const check of [scaleBody, rollbackBody]) {
          try {
            check(body as Record<string, unknown>);
          } catch (err) {
            if (!expected(err)) throw err;
          }
        }
      },
    },
    {
      name: 'state stream queries', seeds: ['include=agents,tasks&framework=f-1', 'stream=abc&since=12', 'include=tasks'].map((s) => utf8.encode(s)), weight: 0.5,
      run(input) {
        const parsed = parseStreamQuery(new URLSearchParams(text.decode(input)));
        if (!parsed.ok && parsed.message === '') throw new Error('a refused query without a message');
        if (parsed.ok) parsed.view.select({ agents: [], frameworks: [], tasks: [], completedTasks: [] });
      },
    },
  ];
}
