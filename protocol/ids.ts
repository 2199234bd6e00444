// Identifier helpers. Ids are strings on the wire; randomness comes from node:crypto.
import { randomUUID } from 'node:crypto';

export function newId(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

export function newUuid(): string {
  return randomUUID();
}

const ID_RULE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

/** Null when id is an acceptable task, framework or agent id, else the rule it breaks. */
export function checkId(id: string | null | undefined, field: string): string | null {
  if (!id) return `${field} must not be empty`;
  if (!ID_RULE.test(id)) return `${field} "${id.slice(0, 40)}" must be 1-200 characters of letters, digits, '.', '_', ':' or '-', starting with a letter or digit`;
  return null;
}
