// The JSON Schema of a batch job file. This object is the source; docs/batch-job.schema.json is
// the same schema for editors and users, and a unit test keeps the two equal.
import { ConcurrencyPolicy, DEFAULTS } from './types.js';

export const SCHEMA_ID = 'https://berth.dev/schemas/batch-job.schema.json';

/** A job id: one or more `/segment`s of lower-case letters, digits, `-`, `_` and `.`. */
export const JOB_ID_PATTERN = '^(/[a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?)+$';
export const PARAMETER_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]{0,63}$';
export const ENV_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]{0,255}$';
export const ROLE_PATTERN = '^(\\*|[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*)$';

const env = {
  type: 'object',
  description: 'Environment variables; values may use ${parameter}.',
  propertyNames: { pattern: ENV_NAME_PATTERN },
  additionalProperties: { type: 'string', maxLength: 65536 },
};

const container = {
  type: 'object',
  description: 'Run the task in a Docker container. Give command (a shell string) or args, not both.',
  additionalProperties: false,
  required: ['image'],
  properties: {
    image: { type: 'string', minLength: 1, maxLength: 512 },
    command: { type: 'string', minLength: 1, maxLength: 65536 },
    args: { type: 'array', minItems: 1, maxItems: 1024, items: { type: 'string', maxLength: 65536 } },
    env,
    user: { type: 'string', minLength: 1, maxLength: 256 },
  },
};

const schedule = {
  type: 'object',
  additionalProperties: false,
  required: ['cron'],
  properties: {
    cron: { type: 'string', minLength: 1, maxLength: 256, description: 'Five-field cron, six fields with seconds first, or a @daily-style nickname.' },
    timeZone: { type: 'string', minLength: 1, maxLength: 64, default: DEFAULTS.timeZone },
    concurrencyPolicy: { type: 'string', enum: Object.values(ConcurrencyPolicy), default: DEFAULTS.concurrencyPolicy },
    startingDeadlineSeconds: { type: 'integer', minimum: 1, maximum: 31_536_000 },
    successfulHistoryLimit: { type: 'integer', minimum: 0, maximum: 1000, default: DEFAULTS.successfulHistoryLimit },
    failedHistoryLimit: { type: 'integer', minimum: 0, maximum: 1000, default: DEFAULTS.failedHistoryLimit },
  },
};

const job = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'resources'],
  properties: {
    id: { type: 'string', maxLength: 256, pattern: JOB_ID_PATTERN },
    description: { type: 'string', maxLength: 4096 },
    container,
    command: { type: 'string', minLength: 1, maxLength: 65536, description: 'A shell command on the process runtime.' },
    env,
    resources: {
      type: 'object',
      additionalProperties: false,
      required: ['cpus', 'memMb'],
      properties: {
        cpus: { type: 'number', exclusiveMinimum: 0, maximum: 1024 },
        memMb: { type: 'number', exclusiveMinimum: 0, maximum: 4_194_304 },
        diskMb: { type: 'number', minimum: 0, maximum: 1_073_741_824, default: DEFAULTS.diskMb },
      },
    },
    parallelism: { type: 'integer', minimum: 1, maximum: 10_000, default: DEFAULTS.parallelism },
    completions: { type: 'integer', minimum: 1, maximum: 1_000_000, description: 'Defaults to parallelism.' },
    gang: { type: 'boolean', default: DEFAULTS.gang },
    retries: {
      type: 'object',
      additionalProperties: false,
      properties: {
        limit: { type: 'integer', minimum: 0, maximum: 1000, default: DEFAULTS.retryLimit },
        backoff: {
          type: 'object',
          additionalProperties: false,
          properties: {
            initialSeconds: { type: 'number', minimum: 0, maximum: 86_400, default: DEFAULTS.backoffInitialSeconds },
            factor: { type: 'number', minimum: 1, maximum: 100, default: DEFAULTS.backoffFactor },
            maxSeconds: { type: 'number', minimum: 0, maximum: 604_800, default: DEFAULTS.backoffMaxSeconds },
          },
        },
      },
    },
    deadlineSeconds: { type: 'number', exclusiveMinimum: 0, maximum: 31_536_000 },
    taskDeadlineSeconds: { type: 'number', exclusiveMinimum: 0, maximum: 31_536_000 },
    priority: { type: 'integer', minimum: -1_000_000, maximum: 1_000_000, default: DEFAULTS.priority },
    preemptible: { type: 'boolean', default: DEFAULTS.preemptible },
    role: { type: 'string', maxLength: 256, pattern: ROLE_PATTERN, default: DEFAULTS.role },
    parameters: {
      type: 'object',
      propertyNames: { pattern: PARAMETER_NAME_PATTERN },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          default: { type: 'string', maxLength: 65536 },
          description: { type: 'string', maxLength: 4096 },
        },
      },
    },
    schedule,
    dependsOn: {
      type: 'array',
      maxItems: 256,
      uniqueItems: true,
      items: { type: 'string', maxLength: 256, pattern: JOB_ID_PATTERN },
    },
  },
};

/**
 * The schema of a job file: one job, or `{ jobs: [...] }` for several. The parser checks a file
 * against `#/definitions/file` or `#/definitions/job` directly, so its problems never mention the if/then.
 */
export const JOB_FILE_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: SCHEMA_ID,
  title: 'berth batch job file',
  description: 'One batch job, or { "jobs": [...] } for several (a workflow). Unknown fields are refused.',
  if: { type: 'object', required: ['jobs'], properties: { jobs: true } },
  then: { $ref: '#/definitions/file' },
  else: { $ref: '#/definitions/job' },
  definitions: {
    file: {
      type: 'object',
      additionalProperties: false,
      required: ['jobs'],
      properties: {
        jobs: { type: 'array', minItems: 1, maxItems: 1000, items: { $ref: '#/definitions/job' } },
      },
    },
    job,
  },
} as const;
