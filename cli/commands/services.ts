// berth services: plan and apply service files, list and inspect services, scale, restart, roll
// back and remove them, through the services framework's HTTP API (docs/api.md).
import { MAX_INSTANCES } from '../../frameworks/services/spec/schema.js';
import { Problems, UsageError, outputFlag, type Command, type Flags, TOKEN_FLAG } from '../flags.js';
import { printAnswer, progressWriter } from '../output.js';
import { readSpecFile } from '../spec-file.js';
import { ServicesClient, serviceId } from '../services/client.js';
import { applyText, detailText, endpointsText, historyText, listText, planText } from '../services/render.js';
import { followStream } from '../stream-follow.js';
import type { EndpointsAnswer, ServiceDetail } from '../services/api-types.js';
import { watchDeployments, type WatchTarget } from '../services/watch.js';

const ACTIONS = ['plan', 'apply', 'ls', 'get', 'endpoints', 'history', 'scale', 'restart', 'rollback', 'rm'] as const;
type Action = (typeof ACTIONS)[number];
const FORMATS = ['table', 'json', 'yaml'] as const;
type Format = (typeof FORMATS)[number];

/** Last segments the API reads as actions on the service before them (docs/api.md). */
const ACTION_SEGMENTS = ['history', 'scale', 'restart', 'rollback', 'endpoints'];

/** How often --wait asks for a service's progress. */
const POLL_MS = 500;

interface Parsed {
  action: Action;
  id: string;
  file: string;
  instances: number;
  toVersion: number | undefined;
  format: Format;
  client: ServicesClient;
}

function parse(flags: Flags, positionals: string[]): Parsed {
  const problems = new Problems('services');
  const base = problems.url(flags, 'services', ['http', 'https']);
  const format = problems.oneOf(flags, 'output', FORMATS);
  const [verb, id = '', ...rest] = positionals;
  const action = (ACTIONS as readonly string[]).includes(verb ?? '') ? (verb as Action) : undefined;
  if (!action) problems.add(verb ? `unknown action '${verb}'; use one of ${ACTIONS.join(', ')}` : `name an action: ${ACTIONS.join(', ')}`);
  const withFile = action === 'plan' || action === 'apply';
  const file = typeof flags.file === 'string' ? flags.file : '';
  if (withFile && !file) problems.add(`${action} needs -f FILE (a service file, YAML or JSON, or Marathon app JSON; - reads stdin)`);
  if (!withFile && file) problems.add(`-f is for plan and apply, not ${action ?? verb}`);
  const needsId = action !== undefined && !withFile && action !== 'ls';
  if (needsId && (!id || id === '/')) problems.add(`${action} needs a service id, such as /team/web (see berth services ls)`);
  const last = id.split('/').at(-1) ?? '';
  if (needsId && ACTION_SEGMENTS.includes(last)) problems.add(`a service id cannot end in '${last}': the API reads ${ACTION_SEGMENTS.join(', ')} as actions, got '${id}'`);
  const extra = needsId ? rest : [id, ...rest].filter((a) => a !== '');
  let instances = 0;
  if (action === 'scale') {
    const raw = extra.shift();
    if (raw === undefined) problems.add('scale needs the number of instances: berth services scale ID N');
    else if (!/^\d+$/.test(raw) || Number(raw) > MAX_INSTANCES) problems.add(`scale: N must be a whole number from 0 to ${MAX_INSTANCES}, got '${raw}'`);
    else instances = Number(raw);
  }
  if (extra.length > 0) problems.add(`unexpected arguments: ${extra.join(' ')}`);
  let toVersion: number | undefined;
  if (flags.to !== undefined) {
    if (action !== 'rollback') problems.add('--to is for rollback');
    else toVersion = problems.int(flags, 'to', 1, Number.MAX_SAFE_INTEGER);
  }
  if (flags.wait && !['apply', 'scale', 'restart', 'rollback'].includes(action ?? '')) problems.add('--wait is for apply, scale, restart and rollback');
  if (flags.watch && action !== 'get' && action !== 'endpoints') problems.add('--watch is for get and endpoints');
  problems.throwIfAny();
  return { action: action as Action, id: serviceId(id), file, instances, toVersion, format, client: new ServicesClient(base) };
}

/** Follows the deployments; 0 when every one succeeded, 1 when one failed or rolled back, 130 on Ctrl-C. */
async function wait(client: ServicesClient, targets: WatchTarget[], write: (line: string) => void): Promise<number> {
  if (targets.length === 0) {
    write('nothing changed: no deployment to wait for');
    return 0;
  }
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  try {
    const outcomes = await watchDeployments(client, targets, { intervalMs: POLL_MS, write, signal: stop.signal });
    if (!outcomes) {
      write(`stopped watching; the deployments go on (berth services get ${targets[0]?.id ?? 'ID'})`);
      return 130;
    }
    return outcomes.every((o) => o.result === 'succeeded') ? 0 : 1;
  } finally {
    process.off('SIGINT', onSignal);
  }
}

/**
 * Follows one service on the services stream (`key`: details or endpoints), once a GET showed it
 * exists (an unknown one is a 404, exit 3, before any watching), until Ctrl-C or its removal.
 */
function follow<T>(p: Parsed, key: 'details' | 'endpoints', render: (value: T) => string): Promise<number> {
  const query = new URLSearchParams({ include: key, service: p.id });
  return followStream<T>({
    base: p.client.base,
    path: `/api/v1/stream?${query.toString()}`,
    command: `berth services ${p.action}`,
    format: p.format,
    pick: (doc) => (doc[key] as T[] | undefined)?.[0],
    render,
    gone: `${p.id} was removed; stopped watching`,
  });
}

export const servicesCommand: Command = {
  name: 'services',
  summary: 'Plan and apply service files; list, inspect, scale, restart, roll back and remove services.',
  usage: 'berth services plan -f FILE | apply -f FILE [--wait] | ls | get ID [--watch] | endpoints ID [--watch] | history ID | scale ID N | restart ID | rollback ID [--to VERSION] | rm ID  [--services URL] [-o table|json|yaml]',
  actions: ACTIONS,
  flags: {
    token: TOKEN_FLAG,
    services: { type: 'string', default: 'http://127.0.0.1:5070', env: 'BERTH_SERVICES', help: "the services framework's HTTP API (berth dev serves it on :5070)", rule: 'an http:// or https:// URL', placeholder: 'URL' },
    file: { type: 'string', short: 'f', help: 'with plan and apply: the service file, YAML or JSON (one service or a group), or Marathon app or group JSON; - reads stdin', placeholder: 'FILE' },
    wait: { type: 'boolean', short: 'w', help: 'with apply, scale, restart and rollback: show the deployment\'s progress until it ends; exit 0 when it succeeded, 1 when it failed or rolled back' },
    watch: { type: 'boolean', help: 'with get and endpoints: keep printing the service as it changes (the services API streams deltas); Ctrl-C stops. With -o json, one document per line; with -o yaml, one document per change' },
    to: { type: 'string', help: 'with rollback: the version to go back to (default: the last good version before the current one; see history)', rule: 'a whole number >= 1', placeholder: 'VERSION' },
    output: outputFlag(FORMATS),
  },
  examples: [
    'berth services plan -f examples/services/web.yaml           # what would change, where, and why',
    'berth services apply -f examples/services/web.yaml --wait    # apply and follow the deployment',
    'berth services plan -f examples/services/marathon-web.json   # Marathon JSON: lists the fields not translated',
    'berth services ls',
    'berth services get /demo/web -o yaml                         # or: berth services get demo/web',
    'berth services get /demo/web --watch                          # redrawn on every change',
    'berth services endpoints /demo/web                           # the instances in rotation, and those draining',
    'berth services endpoints /demo/web --watch -o json           # one JSON document per change',
    'berth services history /demo/web',
    'berth services scale /demo/web 5 --wait',
    'berth services restart /demo/web',
    'berth services rollback /demo/web --to 2',
    'berth services rm /demo/web',
  ],
  async run(flags, positionals) {
    const p = parse(flags, positionals);
    const print = (value: unknown, text: () => string): number => printAnswer(p.format, value, text);
    const progress = progressWriter(p.format);
    const c = p.client;
    switch (p.action) {
      case 'plan': {
        const file = await readSpecFile('services plan', p.file);
        const plan = await c.plan(file.text, file.contentType);
        print(plan, () => planText(plan, Date.now()));
        return 0;
      }
      case 'apply': {
        const file = await readSpecFile('services apply', p.file);
        const applied = await c.apply(file.text, file.contentType);
        print(applied, () => applyText(applied));
        if (!flags.wait) return 0;
        return wait(c, applied.services.filter((s) => s.change !== 'unchanged').map((s) => ({ id: s.id, version: s.version })), progress);
      }
      case 'ls': {
        const list = await c.list();
        print({ services: list }, () => listText(list));
        return 0;
      }
      case 'get': {
        const s = await c.get(p.id);
        if (flags.watch) return follow<ServiceDetail>(p, 'details', (d) => detailText(d, Date.now()));
        print(s, () => detailText(s, Date.now()));
        return 0;
      }
      case 'endpoints': {
        const e = await c.endpoints(p.id);
        if (flags.watch) return follow<EndpointsAnswer>(p, 'endpoints', (x) => endpointsText(x, Date.now()));
        print(e, () => endpointsText(e, Date.now()));
        return 0;
      }
      case 'history': {
        const h = await c.history(p.id);
        print(h, () => historyText(h));
        return 0;
      }
      case 'rm': {
        const r = await c.remove(p.id);
        print(r, () => `${r.id}: removed; its instances are being killed`);
        return 0;
      }
      case 'scale':
      case 'restart':
      case 'rollback': {
        const r = p.action === 'scale' ? await c.scale(p.id, p.instances) : p.action === 'restart' ? await c.restart(p.id) : await c.rollback(p.id, p.toVersion);
        const what = p.action === 'scale' ? `scaled to ${p.instances} instances` : p.action === 'restart' ? 'restarting every instance, rolling' : 'rolling back';
        print(r, () => `${r.id}: ${what}: version ${r.version}`);
        return flags.wait ? wait(c, [{ id: r.id, version: r.version }], progress) : 0;
      }
      default:
        throw new UsageError(`berth services: unknown action ${String(p.action)}`);
    }
  },
};
