// The resources an agent advertises: detected from the host, then overridden by an operator's
// spec string such as "cpus:4;mem:8192;disk:10000;ports:31000-32000".
import os from 'node:os';
import { statfs } from 'node:fs/promises';
import { resources, type Res } from '../protocol/index.js';

const MIB = 1024 * 1024;
/** Memory left to the host and the agent itself. */
const RESERVED_MEM_MB = 1024;
const MIN_MEM_MB = 256;
/** Share of the work dir's free space kept back for logs and images. */
const DISK_HEADROOM = 0.1;
export const DEFAULT_PORTS = '31000-32000';

export type ResourceOverrides = Partial<Res>;

const FIELDS = ['cpus', 'mem', 'disk', 'gpus', 'ports'] as const;

/**
 * Parses "cpus:4;mem:8192;disk:10000;gpus:0;ports:31000-32000,8080" (any subset, any order).
 * Throws one Error listing every problem, each naming its field.
 */
export function parseResourceSpec(spec: string): ResourceOverrides {
  const out: ResourceOverrides = {};
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const raw of spec.split(';')) {
    const item = raw.trim();
    if (item === '') continue;
    const colon = item.indexOf(':');
    if (colon < 0) {
      problems.push(`"${item}" must be NAME:VALUE (names: ${FIELDS.join(', ')})`);
      continue;
    }
    const name = item.slice(0, colon).trim().toLowerCase();
    const value = item.slice(colon + 1).trim();
    if (!(FIELDS as readonly string[]).includes(name)) {
      problems.push(`unknown resource "${name}" (names: ${FIELDS.join(', ')})`);
      continue;
    }
    if (seen.has(name)) problems.push(`${name} is given twice`);
    seen.add(name);
    if (name === 'ports') {
      try {
        out.ports = resources.parsePorts(value);
      } catch (err) {
        problems.push((err as Error).message);
      }
      continue;
    }
    const n = Number(value);
    if (value === '' || !Number.isFinite(n) || n < 0) {
      problems.push(`${name} must be a non-negative number, got "${value}"`);
      continue;
    }
    if (name === 'cpus') out.cpus = n;
    else if (name === 'mem') out.memMb = n;
    else if (name === 'disk') out.diskMb = n;
    else if (name === 'gpus') {
      if (!Number.isInteger(n)) problems.push(`gpus must be a whole number, got "${value}"`);
      else out.gpus = n;
    }
  }
  if (problems.length > 0) throw new Error(`invalid resource spec "${spec}": ${problems.join('; ')}`);
  return out;
}

export interface DetectOptions {
  /** The agent's work dir; its filesystem's free space is the disk resource. */
  workDir: string;
  /** Overrides, as a spec string or already parsed. */
  spec?: string | ResourceOverrides;
}

/** What this host offers, with the spec's fields replacing the detected ones. */
export async function detectResources(options: DetectOptions): Promise<Res> {
  const totalMemMb = Math.floor(os.totalmem() / MIB);
  let diskMb = 0;
  try {
    const fs = await statfs(options.workDir);
    diskMb = Math.floor(((fs.bavail * fs.bsize) / MIB) * (1 - DISK_HEADROOM));
  } catch {
    // A work dir that does not exist yet advertises no disk unless the spec says otherwise.
  }
  const detected: Res = {
    cpus: os.availableParallelism(),
    memMb: Math.max(MIN_MEM_MB, totalMemMb - RESERVED_MEM_MB),
    diskMb,
    gpus: 0,
    ports: resources.parsePorts(DEFAULT_PORTS),
  };
  const overrides = typeof options.spec === 'string' ? parseResourceSpec(options.spec) : (options.spec ?? {});
  return resources.normalize({ ...detected, ...overrides });
}
