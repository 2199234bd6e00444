// The operator's container policy: which privileges a task may ask for. Pure, so it is unit-tested
// alone; the Docker runtime applies it before it builds a container spec.
import path from 'node:path';
import type { ContainerRequest } from './runtime.js';

export interface ContainerPolicy {
  /** Allow `privileged: true`. Off by default: a privileged container owns the host. */
  allowPrivileged: boolean;
  /**
   * Sensitive host paths (or paths holding one) that may still be mounted, exactly as listed.
   * Paths outside SENSITIVE_HOST_PATHS need no entry.
   */
  allowedHostPaths: string[];
  /** Capabilities tasks may add (names with or without the CAP_ prefix, or ALL). */
  allowedCapabilities: string[];
}

export const DEFAULT_POLICY: ContainerPolicy = Object.freeze({
  allowPrivileged: false,
  allowedHostPaths: [],
  allowedCapabilities: [],
});

/**
 * Host paths whose mount hands a task control of the host (or of its Docker engine). A mount of
 * one of these, of anything under one, or of a directory that holds one is refused.
 */
export const SENSITIVE_HOST_PATHS: readonly string[] = [
  '/',
  '/etc',
  '/proc',
  '/sys',
  '/dev',
  '/boot',
  '/root',
  '/lib/modules',
  '/usr',
  '/bin',
  '/sbin',
  '/lib',
  '/lib64',
  '/var/lib/docker',
  '/var/lib/containerd',
  '/var/run/docker.sock',
  '/run/docker.sock',
  '/run/containerd',
  '/var/run/containerd',
];

/** A refusal: the request field it is about and why, in words a task author can act on. */
export interface PolicyRefusal {
  field: string;
  message: string;
}

/** Thrown by runtimes when the policy refuses a request; the agent turns it into TASK_ERROR CONTAINER_POLICY. */
export class ContainerPolicyError extends Error {
  readonly field: string;
  constructor(refusal: PolicyRefusal) {
    super(refusal.message);
    this.name = 'ContainerPolicyError';
    this.field = refusal.field;
  }
}

function normaliseCapability(name: string): string {
  return name.trim().toUpperCase().replace(/^CAP_/, '');
}

function within(child: string, parent: string): boolean {
  if (parent === '/') return true;
  return child === parent || child.startsWith(`${parent}/`);
}

/**
 * Why the host path may not be mounted, or null when it may. Purely lexical: a symlink that
 * points into a sensitive path is not resolved here (the agent does not stat user paths).
 */
function hostPathProblem(hostPath: string, policy: ContainerPolicy): string | null {
  if (!path.posix.isAbsolute(hostPath)) return 'must be an absolute path';
  const p = path.posix.normalize(hostPath).replace(/(.)\/+$/, '$1');
  const allowed = policy.allowedHostPaths.map((a) => path.posix.normalize(a).replace(/(.)\/+$/, '$1'));
  if (allowed.includes(p)) return null;
  for (const sensitive of SENSITIVE_HOST_PATHS) {
    // "/" holds everything, so it only refuses itself; any other sensitive path also refuses
    // what lies under it and the directories that contain it (mounting /var/run exposes docker.sock).
    const hit = sensitive === '/' ? p === '/' : within(p, sensitive) || within(sensitive, p);
    if (hit) return `is a sensitive host path (${sensitive}) and the operator's container policy does not allow it`;
  }
  return null;
}

/** Every refusal of the request under the policy, first one first; empty when it is allowed. */
export function checkContainerPolicy(request: ContainerRequest | undefined, policy: ContainerPolicy = DEFAULT_POLICY): PolicyRefusal[] {
  const refusals: PolicyRefusal[] = [];
  if (!request) return refusals;
  if (request.privileged && !policy.allowPrivileged) {
    refusals.push({
      field: 'container.privileged',
      message: 'container.privileged is not allowed by the operator\'s container policy (it would give the task control of the host)',
    });
  }
  request.volumes.forEach((v, i) => {
    const problem = hostPathProblem(v.hostPath, policy);
    if (problem) refusals.push({ field: `container.volumes[${i}].hostPath`, message: `container.volumes[${i}].hostPath "${v.hostPath}" ${problem}` });
    if (!path.posix.isAbsolute(v.containerPath) || path.posix.normalize(v.containerPath) === '/') {
      refusals.push({
        field: `container.volumes[${i}].containerPath`,
        message: `container.volumes[${i}].containerPath "${v.containerPath}" must be an absolute path other than /`,
      });
    }
  });
  const allowedCaps = new Set(policy.allowedCapabilities.map(normaliseCapability));
  request.capAdd.forEach((cap, i) => {
    const name = normaliseCapability(cap);
    if (!allowedCaps.has('ALL') && !allowedCaps.has(name)) {
      refusals.push({
        field: `container.capAdd[${i}]`,
        message: `container.capAdd[${i}] "${cap}" is not allowed by the operator's container policy`,
      });
    }
  });
  return refusals;
}

/** Throws ContainerPolicyError with the first refusal, if any. */
export function enforceContainerPolicy(request: ContainerRequest | undefined, policy: ContainerPolicy = DEFAULT_POLICY): void {
  const [first] = checkContainerPolicy(request, policy);
  if (first) throw new ContainerPolicyError(first);
}
