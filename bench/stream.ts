// stream: what watching the master costs while 10,000 tasks launch on 100 hollow agents: 10
// watchers on the state stream (/api/v1/stream) against 10 pollers of GET /api/v1/state once a
// second, and a run with no watchers as the baseline of the master's own CPU. Bytes are what the
// watchers received; CPU is the master process's (from /proc), over the same window.
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Agent } from '../agent/index.js';
import { SchedulerClient, TaskState, pack } from '../frameworks/sdk/index.js';
import { dialText, type TextSocket } from '../protocol/index.js';
import { procStat, sleep, spawnMaster, startAgents } from './cluster-kit.js';
import { parseFlags } from './flags.js';
import type { BenchReport } from './report.js';

type Mode = 'none' | 'stream' | 'poll';

export interface StreamBenchOptions {
  agents: number;
  tasks: number;
  watchers: number;
}

const FLAGS = {
  agents: { kind: 'int', min: 1, max: 10_000, default: 100, help: 'hollow agents' },
  tasks: { kind: 'int', min: 1, max: 1_000_000, default: 10_000, help: 'tasks launched while the watchers watch' },
  watchers: { kind: 'int', min: 1, max: 1_000, default: 10, help: 'stream watchers, and as many pollers' },
} as const;
const SHAPE = { cpus: 0.01, memMb: 1 };
const TARGET_RATIO = 10;

interface Outcome {
  mode: Mode;
  seconds: number;
  /** JSON text received (what a client parses). */
  bytes: number;
  /** Bytes read off the connections (compressed for the stream; HTTP bodies are sent plain). */
  wireBytes: number;
  frames: number;
  masterCpuS: number;
}

/** Watchers that count what they receive, until stop(). */
function watch(mode: Mode, httpUrl: string, wsUrl: string, n: number): { stop(): Promise<void>; bytes(): number; wireBytes(): number; frames(): number } {
  let bytes = 0;
  let pollWire = 0;
  let frames = 0;
  let stopped = false;
  const sockets: TextSocket[] = [];
  const loops: Promise<void>[] = [];
  for (let i = 0; i < n && mode !== 'none'; i++) {
    if (mode === 'stream') {
      loops.push(dialText(`${wsUrl}/api/v1/stream`).then((s) => {
        sockets.push(s);
        s.onText((text) => {
          bytes += Buffer.byteLength(text);
          frames++;
        });
      }));
    } else {
      loops.push((async () => {
        while (!stopped) {
          const started = performance.now();
          const body = await (await fetch(`${httpUrl}/api/v1/state`)).arrayBuffer();
          bytes += body.byteLength;
          pollWire += body.byteLength;
          frames++;
          await sleep(Math.max(0, 1_000 - (performance.now() - started)));
        }
      })());
    }
  }
  return {
    bytes: () => bytes,
    wireBytes: () => pollWire + sockets.reduce((sum, s) => sum + s.bytesReceived, 0),
    frames: () => frames,
    async stop() {
      stopped = true;
      for (const s of sockets) s.close(1000, 'bench done');
      await Promise.all(loops);
    },
  };
}

async function scenario(mode: Mode, o: StreamBenchOptions): Promise<Outcome> {
  const master = await spawnMaster();
  const root = await mkdtemp(join('/dev/shm', 'berth-stream-'));
  let agents: Agent[] = [];
  const client = new SchedulerClient({ masterUrl: master.url, framework: { name: 'stream-bench', roles: ['*'], failoverTimeoutMs: 60_000 } });
  try {
    agents = await startAgents(o.agents, master.url, root);
    const watchers = watch(mode, master.httpUrl, master.url, o.watchers);
    await sleep(500);
    const cpuBefore = procStat(master.pid).cpuSeconds;
    const bytesBefore = watchers.bytes();
    const wireBefore = watchers.wireBytes();
    const started = performance.now();
    process.stderr.write(`stream: ${mode}: ${o.agents} agents; launching ${o.tasks} tasks...\n`);
    const perAgent = Math.ceil(o.tasks / o.agents);
    let launched = 0;
    let running = 0;
    for await (const event of client.events()) {
      if (event.type === 'offers') {
        for (const offer of event.offers) {
          const count = Math.min(perAgent, o.tasks - launched);
          if (count <= 0) {
            void client.decline([offer.id], 60);
            continue;
          }
          const placed = pack(offer, Array(count).fill(SHAPE));
          const first = launched;
          launched += placed.length;
          void client.launch([offer.id], placed.map((p, i) => ({ taskId: `t-${first + i}`, resources: p.resources, command: { value: 'sleep', shell: true } })));
        }
      }
      if (event.type === 'update' && event.status.state === TaskState.TASK_RUNNING && ++running === o.tasks) break;
    }
    // Two more seconds, so the last deltas and polls are counted.
    await sleep(2_000);
    const seconds = (performance.now() - started) / 1000;
    const masterCpuS = procStat(master.pid).cpuSeconds - cpuBefore;
    const bytes = watchers.bytes() - bytesBefore;
    const wireBytes = watchers.wireBytes() - wireBefore;
    const frames = watchers.frames();
    await watchers.stop();
    return { mode, seconds, bytes, wireBytes, frames, masterCpuS };
  } finally {
    await client.close();
    await Promise.all(agents.map((a) => a.stop({ killTasks: false })));
    await master.stop();
    await rm(root, { recursive: true, force: true });
  }
}

export async function run(args: readonly string[] = []): Promise<BenchReport> {
  const o: StreamBenchOptions = parseFlags('stream', args, FLAGS);
  const outcomes: Outcome[] = [];
  for (const mode of ['none', 'stream', 'poll'] as const) outcomes.push(await scenario(mode, o));
  const [none, stream, poll] = outcomes as [Outcome, Outcome, Outcome];
  const ratio = stream.wireBytes > 0 ? poll.wireBytes / stream.wireBytes : Infinity;
  const jsonRatio = stream.bytes > 0 ? poll.bytes / stream.bytes : Infinity;
  const mib = (b: number): string => (b / 2 ** 20).toFixed(2);
  return {
    bench: 'stream',
    title: `${o.watchers} watchers while ${o.tasks} tasks launch on ${o.agents} hollow agents: the state stream against polling GET /api/v1/state every second (baseline: no watchers)`,
    columns: ['watchers', 'window s', 'wire MiB', 'JSON MiB', 'frames or polls', 'master CPU s', 'master CPU s over no watchers'],
    rows: outcomes.map((x) => [x.mode, x.seconds.toFixed(1), mib(x.wireBytes), mib(x.bytes), x.frames, x.masterCpuS.toFixed(2), (x.masterCpuS - none.masterCpuS).toFixed(2)]),
    results: { options: o, outcomes, wireBytesRatio: ratio, jsonBytesRatio: jsonRatio },
    targets: [{ name: 'polling bytes / stream bytes (on the wire)', value: Number(ratio.toFixed(1)), unit: 'x', op: '>=', target: TARGET_RATIO }],
    notes: [
      `on the wire the stream took ${ratio.toFixed(1)}x fewer bytes than polling (${jsonRatio.toFixed(1)}x fewer in JSON before compression); the stream is compressed (permessage-deflate), GET /api/v1/state is not`,
      'CPU over the baseline is what the watchers cost the master',
    ],
  };
}
