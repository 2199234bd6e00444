// Reads and checks an auth file (YAML or JSON) into an AuthConfig: ajv checks the shape, then the
// rules across fields. Every problem names its field path and the rule, all in one error.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import { BerthError, ErrorCode } from '../errors.js';
import { readDocument } from '../read-document.js';
import type { Action } from './actions.js';
import { authFileSchema } from './schema.js';

// ajv is CommonJS: under NodeNext its class is the module's `default`.
const Ajv = AjvModule.default;
let compiled: ValidateFunction | undefined;

/** The schema's check, compiled on first use so that importing this module stays cheap. */
function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTypes: false });
    ajv.addKeyword('x-rule');
    compiled = ajv.compile(authFileSchema);
  }
  return compiled;
}

const MAX_FILE_BYTES = 1024 * 1024;

export interface RateLimit {
  perSecond: number;
  burst: number;
}

export interface PrincipalConfig {
  readonly name: string;
  /** sha256 of the token; the token itself is not kept. */
  readonly tokenDigest: Buffer;
  readonly rateLimit: RateLimit | undefined;
}

export interface AclRule {
  /** Principal names; '*' is any authenticated principal. */
  readonly principals: readonly string[];
  readonly actions: readonly (Action | '*')[];
  /** When set, the rule matches only objects in these roles ('*' any, 'web/*' any below web). */
  readonly roles: readonly string[] | undefined;
  /** When set, the rule matches only launches as these users ('*' any). */
  readonly users: readonly string[] | undefined;
  readonly allow: boolean;
}

export interface AuthConfig {
  readonly source: string;
  readonly principals: readonly PrincipalConfig[];
  /** First match wins; no match denies. */
  readonly acls: readonly AclRule[];
}

interface RawFile {
  principals: { name: string; token?: string; tokenSha256?: string; rateLimit?: { perSecond: number; burst?: number } }[];
  acls: { principals: string[]; actions: (Action | '*')[]; roles?: string[]; users?: string[]; allow: boolean }[];
}

/** `/principals/2/token` as `principals[2].token`. */
function fieldPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path === '' ? part : `${path}.${part}`), '');
}

function problemOf(e: ErrorObject): string {
  const at = fieldPath(e.instancePath);
  const params = e.params as Record<string, unknown>;
  const rule = (e.parentSchema as Record<string, unknown> | undefined)?.['x-rule'] as string | undefined;
  const join = (tail: string): string => (at === '' ? tail : `${at}.${tail}`);
  switch (e.keyword) {
    case 'required':
      return `${join(String(params.missingProperty))}: required`;
    case 'additionalProperties':
      return `${join(String(params.additionalProperty))}: unknown field`;
    case 'minLength':
      return `${at}: at least ${String(params.limit)} characters`;
    case 'maxLength':
      return `${at}: at most ${String(params.limit)} characters`;
    case 'minItems':
      return `${at}: ${rule ?? `at least ${String(params.limit)} items`}`;
    case 'pattern':
      return `${at}: ${rule ?? `must match ${String(params.pattern)}`}`;
    case 'enum':
      return `${at}: must be one of ${((params.allowedValues as unknown[]) ?? []).map(String).join(', ')}`;
    case 'type':
      return `${at || 'the file'}: must be ${String(params.type) === 'object' ? 'an object' : `a ${String(params.type)}`}`;
    default:
      return `${at || 'the file'}: ${e.message ?? e.keyword}`;
  }
}

function crossFieldProblems(file: RawFile): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  file.principals.forEach((p, i) => {
    if (names.has(p.name)) problems.push(`principals[${i}].name: "${p.name}" is given twice; names are unique`);
    names.add(p.name);
    if ((p.token === undefined) === (p.tokenSha256 === undefined)) problems.push(`principals[${i}]: exactly one of token or tokenSha256`);
  });
  file.acls.forEach((rule, i) => {
    rule.principals.forEach((name, j) => {
      if (name !== '*' && !names.has(name)) problems.push(`acls[${i}].principals[${j}]: "${name}" is not a principal of this file`);
    });
  });
  return problems;
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** Checks a parsed auth file; throws BerthError BAD_REQUEST listing every problem with its field path. */
export function parseAuthConfig(doc: unknown, source: string): AuthConfig {
  const fail = (problems: string[]): never => {
    throw new BerthError(ErrorCode.BAD_REQUEST, `${source}: ${problems.join('; ')}`, { field: problems[0]?.split(':')[0] ?? '' });
  };
  const validate = validator();
  if (!validate(doc)) fail([...new Set((validate.errors ?? []).map(problemOf))]);
  const file = doc as RawFile;
  const problems = crossFieldProblems(file);
  if (problems.length > 0) fail(problems);
  return {
    source,
    principals: file.principals.map((p) => ({
      name: p.name,
      tokenDigest: p.token !== undefined ? sha256(p.token) : Buffer.from(p.tokenSha256 ?? '', 'hex'),
      rateLimit: p.rateLimit ? { perSecond: p.rateLimit.perSecond, burst: p.rateLimit.burst ?? Math.max(1, Math.ceil(p.rateLimit.perSecond)) } : undefined,
    })),
    acls: file.acls.map((r) => ({ principals: r.principals, actions: r.actions, roles: r.roles, users: r.users, allow: r.allow })),
  };
}

/** Reads an auth file (YAML, or JSON, which is YAML too) and checks it; every failure is a BerthError naming the file. */
export async function loadAuthFile(path: string): Promise<AuthConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new BerthError(ErrorCode.BAD_REQUEST, `cannot read the auth file ${path}: ${(err as Error).message}`, { field: 'authFile', cause: err });
  }
  if (Buffer.byteLength(text) > MAX_FILE_BYTES) throw new BerthError(ErrorCode.BAD_REQUEST, `${path}: over ${MAX_FILE_BYTES} bytes`, { field: 'authFile' });
  const read = readDocument(text, { filename: path, maxBytes: MAX_FILE_BYTES });
  if (!read.ok) {
    // Each message already names the file, and the line and path where it has one.
    throw new BerthError(ErrorCode.BAD_REQUEST, read.problems.map((p) => p.message).join('; '), { field: 'authFile' });
  }
  const doc = read.document;
  return parseAuthConfig(doc, path);
}
