// Builds a runtime by name, for main.ts and the CLI's --runtime flag.
import { DockerRuntime, type DockerRuntimeOptions } from './docker-runtime.js';
import { HollowRuntime, type HollowRuntimeOptions } from './hollow-runtime.js';
import { ProcessRuntime, type ProcessRuntimeOptions } from './process-runtime.js';
import type { ContainerRuntime } from './runtime.js';

export const RUNTIME_NAMES = ['docker', 'process', 'hollow'] as const;
export type RuntimeName = (typeof RUNTIME_NAMES)[number];

export interface CreateRuntimeOptions {
  docker?: DockerRuntimeOptions;
  process?: ProcessRuntimeOptions;
  hollow?: HollowRuntimeOptions;
}

/** The runtime called name; throws naming the accepted names when there is none. */
export function createRuntime(name: string, options: CreateRuntimeOptions = {}): ContainerRuntime {
  switch (name) {
    case 'docker':
      return new DockerRuntime(options.docker);
    case 'process':
      return new ProcessRuntime(options.process);
    case 'hollow':
      return new HollowRuntime(options.hollow);
    default:
      throw new Error(`runtime "${name}" is unknown; use one of ${RUNTIME_NAMES.join(', ')}`);
  }
}
