// Validates an operator's role configuration (from the HTTP API) into a RoleRecord, naming the
// field and the rule for every problem.
import { BerthError, ErrorCode, resources, type Resources } from '../protocol/index.js';
import type { RoleConfig } from './allocator/types.js';
import type { RoleRecord } from './store/records.js';
import { ROLE_RULE, quoteRole, roleProblem } from '../protocol/domain/index.js';

/** "*" or lower-case path segments like eng/ml: one rule, the one the decoders apply to frameworks and reservations. */
export { ROLE_RULE };

const FIELDS = new Set(['weight', 'quotaGuarantee', 'quotaLimit']);

export function parseRole(name: string, body: unknown): RoleRecord {
  const problems: string[] = [];
  const nameProblem = roleProblem(name);
  if (nameProblem) problems.push(`role name ${quoteRole(name)} ${nameProblem}${name.includes('%') ? ' (give it plain in the path, like /api/v1/roles/eng/ml, not percent-encoded)' : ''}`);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BerthError(ErrorCode.BAD_REQUEST, 'the body must be a JSON object like {"weight": 2, "quotaGuarantee": {"cpus": 4, "memMb": 8192}}', { field: 'body' });
  }
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b)) if (!FIELDS.has(key)) problems.push(`${key} is not a role field (weight, quotaGuarantee, quotaLimit)`);
  const weight = b.weight ?? 1;
  if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0) problems.push(`weight must be a number > 0, got ${JSON.stringify(weight)}`);
  const record: RoleRecord = { name, weight: weight as number };
  for (const key of ['quotaGuarantee', 'quotaLimit'] as const) {
    const v = b[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'object' || Array.isArray(v)) {
      problems.push(`${key} must be an object like {"cpus": 4, "memMb": 8192}`);
      continue;
    }
    const found = resources.validate(v as Resources, key);
    problems.push(...found);
    if ((v as Resources).ports?.length) problems.push(`${key}.ports: quotas hold scalars only`);
    if (found.length === 0) record[key] = resources.normalize(v as Resources);
  }
  if (problems.length > 0) throw new BerthError(ErrorCode.BAD_REQUEST, problems.join('; '), { field: 'body' });
  return record;
}

export function roleConfig(r: RoleRecord): RoleConfig {
  return { weight: r.weight, quotaGuarantee: r.quotaGuarantee, quotaLimit: r.quotaLimit };
}
