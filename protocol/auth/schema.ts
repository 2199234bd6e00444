// The JSON Schema of the auth file (docs/security.md). Shape only: the rules that need more than
// one field (a token or its digest, unique names, known principals) are in parse-config.ts.
import { ACTIONS } from './actions.js';

export const PRINCIPAL_NAME_RULE = '^[a-z0-9][a-z0-9._-]{0,62}$';
export const MIN_TOKEN_CHARS = 24;

const names = (what: string, itemRule: object) => ({
  type: 'array',
  minItems: 1,
  items: itemRule,
  'x-rule': `at least one ${what}`,
});

export const authFileSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['principals', 'acls'],
  properties: {
    principals: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: {
          name: { type: 'string', pattern: PRINCIPAL_NAME_RULE, 'x-rule': '1 to 63 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit' },
          token: { type: 'string', minLength: MIN_TOKEN_CHARS, maxLength: 4096 },
          tokenSha256: { type: 'string', pattern: '^[0-9a-fA-F]{64}$', 'x-rule': '64 hexadecimal digits (the sha256 of the token)' },
          rateLimit: {
            type: 'object',
            additionalProperties: false,
            required: ['perSecond'],
            properties: {
              perSecond: { type: 'number', exclusiveMinimum: 0, maximum: 1_000_000 },
              burst: { type: 'integer', minimum: 1, maximum: 1_000_000 },
            },
          },
        },
      },
    },
    acls: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['principals', 'actions', 'allow'],
        properties: {
          principals: names('principal name or "*"', { type: 'string', minLength: 1 }),
          actions: names('action or "*"', { type: 'string', enum: ['*', ...ACTIONS] }),
          roles: names('role or "*"', { type: 'string', minLength: 1, maxLength: 255 }),
          users: names('user or "*"', { type: 'string', minLength: 1, maxLength: 255 }),
          allow: { type: 'boolean' },
        },
      },
    },
  },
} as const;
