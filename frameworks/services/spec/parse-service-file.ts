// The one entry point from text to services: read the file, translate Marathon JSON if it is
// that, check the schema, fill defaults, then run the checks a schema cannot express.
import { autoscaleWarnings } from './autoscale.js';
import { fillDefaults } from './defaults.js';
import { readDocument, type ReadLimits } from './read-document.js';
import { isMarathonDocument, toMarathonProblem, translateMarathon } from './marathon.js';
import { semanticProblems } from './semantic-checks.js';
import { schemaProblems } from './validate-schema.js';
import type { GroupInput, ParseResult, ServiceInput, SpecFormat } from './types.js';

export interface ParseOptions extends ReadLimits {
  /** The file's name: used in messages, and `.json` / `.yaml` / `.yml` choose the parser. */
  filename?: string;
  /** `auto` (the default) reads Marathon JSON when the document looks like it (isMarathonDocument). */
  format?: SpecFormat | 'auto';
  /** Ids of services outside the file (the cluster's) that dependencies may name. */
  knownIds?: Iterable<string>;
}

/**
 * Parses a service file — one service or a group `{ services: [...] }`, YAML or JSON, or a
 * Marathon app or group — into services with every default filled. Never throws: a file that is
 * refused comes back with every problem found, each naming its field path and rule.
 */
export function parseServiceFile(text: string, options: ParseOptions = {}): ParseResult {
  const read = readDocument(text, options);
  if (!read.ok) return { ok: false, problems: read.problems, warnings: [] };
  const marathon = options.format === 'marathon' || (options.format !== 'berth' && isMarathonDocument(read.document));
  return marathon ? parseMarathonDocument(read.document, options) : parseServiceDocument(read.document, options);
}

/** Validates an already parsed berth document (a service or a group) and fills its defaults. */
export function parseServiceDocument(document: unknown, options: Pick<ParseOptions, 'knownIds'> = {}): ParseResult {
  const problems = schemaProblems(document);
  if (problems.length > 0) return { ok: false, format: 'berth', problems, warnings: [] };
  const group = document as Partial<GroupInput>;
  const inputs = group.services ?? [document as ServiceInput];
  const prefixes = group.services ? inputs.map((_, i) => `services[${i}]`) : [''];
  const services = inputs.map(fillDefaults);
  const semantic = semanticProblems(services, prefixes, new Set(options.knownIds ?? []));
  if (semantic.length > 0) return { ok: false, format: 'berth', problems: semantic, warnings: [] };
  return { ok: true, format: 'berth', services, warnings: autoscaleWarnings(inputs, services, prefixes) };
}

/**
 * Translates a parsed Marathon app or group and validates the result as a berth group. Problems
 * name Marathon's fields where there is one (`apps[0].mem`); every field berth does not support
 * is a warning with rule `unsupported field`, on success and on failure alike.
 */
export function parseMarathonDocument(document: unknown, options: Pick<ParseOptions, 'knownIds'> = {}): ParseResult {
  const t = translateMarathon(document);
  if (t.problems.length > 0) return { ok: false, format: 'marathon', problems: t.problems, warnings: t.warnings };
  if (t.services.length === 0) {
    return { ok: false, format: 'marathon', problems: [{ path: '', rule: 'no apps', message: 'the Marathon group has no apps' }], warnings: t.warnings };
  }
  const schema = schemaProblems({ services: t.services }).map((p) => toMarathonProblem(p, t));
  if (schema.length > 0) return { ok: false, format: 'marathon', problems: schema, warnings: t.warnings };
  const services = (t.services as unknown as ServiceInput[]).map(fillDefaults);
  const semantic = semanticProblems(services, services.map((_, i) => `services[${i}]`), new Set(options.knownIds ?? [])).map((p) => toMarathonProblem(p, t));
  if (semantic.length > 0) return { ok: false, format: 'marathon', problems: semantic, warnings: t.warnings };
  return { ok: true, format: 'marathon', services, warnings: t.warnings };
}
