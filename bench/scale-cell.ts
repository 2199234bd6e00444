// What one cell of the scale bench is (agents, tasks, store, harness, which build's master) and
// what it measured.

/** The harness saturates when its p99 event-loop delay or its CPU use is above these. */
export const MAX_HARNESS_LAG_MS = 200;
export const MAX_HARNESS_ELU = 0.95;
/** A master using this much of a core during the launch is the bottleneck (it is single-threaded). */
export const MASTER_SATURATED = 0.85;

/** Where the master keeps its state in a cell. */
export const StoreKind = {
  MEMORY: 'memory',
  /** A redis-server the cell starts, appendonly with appendfsync everysec. */
  REDIS_EVERYSEC: 'redis-everysec',
  /** The same with appendfsync always (every write on disk before Redis answers). */
  REDIS_ALWAYS: 'redis-always',
} as const;
export type StoreKind = (typeof StoreKind)[keyof typeof StoreKind];

/** What plays the agents. */
export const HarnessKind = {
  /** bench/hollow-pool.ts: the protocol over real WebSockets, without the agent's machinery. */
  COMPACT: 'compact',
  /** The real Agent class with the HollowRuntime, in worker threads. */
  FULL: 'full',
} as const;
export type HarnessKind = (typeof HarnessKind)[keyof typeof HarnessKind];

export interface ScaleCell {
  agents: number;
  tasks: number;
  /** Default memory. */
  store?: StoreKind;
  /** Default compact. */
  harness?: HarnessKind;
  /** Another build's dist/ folder whose master runs this cell (a before/after comparison). */
  build?: string;
  /** Run the master under --cpu-prof and write the profile to this directory. */
  cpuProfDir?: string;
  /** The master's --lease (default: its own), for a machine so loaded that a starved master would step down. */
  lease?: string;
}

export interface CellResult {
  agents: number;
  tasks: number;
  running: number;
  failed: number;
  store: StoreKind;
  harnessKind: HarnessKind;
  /** '' for this build. */
  build: string;
  /** The master's --lease when the bench set one. */
  lease?: string;
  registerSeconds: number;
  launchSeconds: number;
  launchesPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  offersReceived: number;
  offerEvents: number;
  master: {
    idleRssMb: number;
    agentsRssMb: number;
    loadedRssMb: number;
    bytesPerAgent: number;
    bytesPerTask: number;
    heapBytesPerTask: number;
    heapUsedMb: number;
    /** Allocation runs during the launch, and the time they took (snapshot and allocator). */
    allocationRuns: number;
    allocationSeconds: number;
    cpuSecondsRegister: number;
    cpuSecondsLaunch: number;
    cpuUsPerTask: number;
    cpuShareDuringLaunch: number;
    /** redis-server's CPU during the launch per task (NaN with the memory store): it shares the machine's cores. */
    redisCpuUsPerTask: number;
  };
  harness: {
    lagP50Ms: number;
    lagP99Ms: number;
    lagMaxMs: number;
    cpuShareDuringLaunch: number;
    /** The whole harness process (framework and agent threads) per launched task. */
    cpuUsPerTask: number;
    eventLoopUtilization: number;
    rssMb: number;
    /** Updates the compact pool sent again for want of an acknowledgement. */
    resentUpdates: number;
  };
  harnessSaturated: boolean;
  masterSaturated: boolean;
  valid: boolean;
  invalidReason: string;
  cpuProfile?: string;
}
