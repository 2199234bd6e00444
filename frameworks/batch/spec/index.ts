// The batch job spec: parse a file into compiled jobs, resolve a task's command at dispatch.
export { parseJobs, MAX_SPEC_BYTES, type ParseOptions } from './parse.js';
export { resolveRun, checkParameterValues, type ResolvedRun, type DispatchContext, type ResolveResult } from './parameters.js';
export { JOB_FILE_SCHEMA, JOB_ID_PATTERN, SCHEMA_ID } from './schema.js';
export { compileCron, isTimeZone, BUILTIN_PARAMETERS } from './rules.js';
export * from './types.js';
