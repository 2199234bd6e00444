// The batch framework's HTTP API (node:http, JSON): jobs, runs, cancel and re-run. Every body is
// checked before anything is done; errors are {code, message, field} with the status from STATUS.
// Every change (submit, run, cancel, re-run, rm), refused ones too, is recorded in the audit log
// before its answer, with who asked (the x-berth-user header); GET /api/v1/audit reads it.
// GET /api/v1/stream (WebSocket) streams the jobs and recent runs (state-stream.ts). With an
// Authenticator every route but GET /health needs a token: jobs.read for GETs and the stream,
// jobs.write for the rest.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { createHttpServer, httpScheme, serveStateStream, type ServerTls } from '../../protocol/index.js';
import type { Authenticator } from '../../protocol/auth/index.js';
import { MAX_SPEC_BYTES } from './spec/index.js';
import type { BatchCommands, Refusal } from './commands.js';
import type { BatchLog } from './scheduler.js';
import { batchStatePublisher, parseBatchStreamQuery } from './state-stream.js';
import { FrameworkAudit, allowCall, auditCaller, auditReadLimit, auditUser, guardUpgrades, type AuditWhat, type FrameworkAuditStore } from './sdk-adapter.js';

/** The HTTP status of every error code this API answers with, in one table. */
export const STATUS: Readonly<Record<string, number>> = {
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UPGRADE_REQUIRED: 426,
  STORE_UNAVAILABLE: 503,
  INTERNAL: 500,
};

class HttpError extends Error {
  constructor(readonly code: string, message: string, readonly field = '', readonly extra: object = {}) {
    super(message);
  }
}

const fromRefusal = (r: Refusal) => new HttpError(r.code, r.message, r.field, r.problems ? { problems: r.problems } : {});

export interface BatchHttpApi {
  url: string;
  /** Every route as `METHOD PATTERN` ({job} a job id, {run} a run id); the stream is `WS /api/v1/stream`. */
  routes: readonly string[];
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_SPEC_BYTES) throw new HttpError('PAYLOAD_TOO_LARGE', `the body is over ${MAX_SPEC_BYTES} bytes`, 'body');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function json(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new HttpError('BAD_REQUEST', `the body is not JSON: ${(err as Error).message}`, 'body');
  }
}

/** `{ params: { NAME: "value" } }`, every value a string. */
function paramsOf(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError('BAD_REQUEST', 'the body must be a JSON object', 'body');
  const extra = Object.keys(value).filter((k) => k !== 'params');
  if (extra.length > 0) throw new HttpError('BAD_REQUEST', `unknown field ${extra[0]}; only params is allowed`, extra[0]!);
  const params = (value as { params?: unknown }).params ?? {};
  if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new HttpError('BAD_REQUEST', 'params must be an object of strings', 'params');
  for (const [k, v] of Object.entries(params)) if (typeof v !== 'string') throw new HttpError('BAD_REQUEST', `params.${k} must be a string`, `params.${k}`);
  return params as Record<string, string>;
}

/** A call that takes no body: nothing, or `{}`. */
function noBody(value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.keys(value).length > 0) {
    const field = typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.keys(value)[0]! : 'body';
    throw new HttpError('BAD_REQUEST', 'this call takes no body (or {})', field);
  }
}

/** A job submission: the job file's text (YAML or JSON) as the body, or `{ "spec": "<text>" }`. */
function specText(req: IncomingMessage, text: string): string {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
  if (type === 'application/json') {
    const value = json(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && typeof (value as { spec?: unknown }).spec === 'string') {
      return (value as { spec: string }).spec;
    }
    return text;
  }
  if (type === '' || type === 'text/plain' || type === 'application/yaml' || type === 'application/x-yaml' || type === 'text/yaml') return text;
  throw new HttpError('UNSUPPORTED_MEDIA_TYPE', `content-type ${type} is not accepted; send YAML or JSON`, 'content-type');
}

type Answer = [number, unknown];
type Handler = (req: IncomingMessage, m: string[], url: URL) => Promise<Answer>;

interface Route {
  method: string;
  pattern: string;
  path: RegExp;
  handle: Handler;
}

/** `GET /api/v1/jobs/{job}/runs`: {job} takes the rest of a path (job ids hold slashes), {run} one segment. */
function route(spec: string, handle: Handler): Route {
  const [method = '', pattern = ''] = spec.split(' ');
  const source = pattern.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace('{job}', '(.+)').replace('{run}', '([^/]+)');
  return { method, pattern, path: new RegExp(`^${source}$`), handle };
}

export interface BatchHttpApiOptions {
  port: number;
  host: string;
  /** Serve https (with a client CA: only to clients with a certificate it signed). */
  tls?: ServerTls | undefined;
  log: BatchLog;
  metrics?: Registry;
  /** Where the audit events of changes are kept (the batch store). */
  audit: FrameworkAuditStore;
  /** How often the state stream sends what changed (default 250 ms). */
  streamTickMs?: number;
  /** Checks every call but GET /health (docs/security.md); absent or disabled: open. */
  auth?: Authenticator;
}

const refused = (err: unknown) => err instanceof HttpError && err.code !== 'INTERNAL' && err.code !== 'STORE_UNAVAILABLE';

export async function startBatchHttpApi(commands: BatchCommands, options: BatchHttpApiOptions): Promise<BatchHttpApi> {
  const log = new FrameworkAudit(options.audit);
  /** Runs a change as `what`, recorded with who asked; `done` names the events of a success. */
  const audited = (req: IncomingMessage, what: AuditWhat, change: () => Promise<Answer>, done?: (value: Answer) => AuditWhat[]): Promise<Answer> => {
    const user = auditUser(req.headers['x-berth-user']);
    if (typeof user !== 'string') return Promise.reject(new HttpError('BAD_REQUEST', user.message, user.field));
    return log.record({ who: auditCaller(req, user), what, refused, ...(done ? { done } : {}) }, change);
  };
  const submitted = ([, value]: Answer): AuditWhat[] => (value as { jobs: string[] }).jobs.map((id) => ({ action: 'job.submit', subject: `job${id}` }));

  const routes: Route[] = [
    route('GET /health', async () => [200, { ok: true }]),
    route('POST /api/v1/jobs', (req) => audited(req, { action: 'job.submit', subject: 'job/*' }, async () => {
      const r = await commands.submit(specText(req, await body(req)));
      if (!r.ok) throw fromRefusal(r);
      return [201, { jobs: r.jobs, warnings: r.warnings }];
    }, submitted)),
    route('GET /api/v1/audit', async (_req, _m, url) => {
      const limit = auditReadLimit(url.searchParams.get('limit'));
      if (typeof limit !== 'number') throw new HttpError('BAD_REQUEST', limit.message, limit.field);
      return [200, { events: await log.read(limit) }];
    }),
    route('GET /api/v1/jobs', async () => [200, { jobs: commands.listJobs() }]),
    route('GET /api/v1/stream', () => Promise.reject(new HttpError('UPGRADE_REQUIRED', 'the state stream is a WebSocket: open it with an upgrade (docs/batch.md, "State stream")', 'upgrade'))),
    route('GET /api/v1/jobs/{job}/runs', async (_req, [id]) => {
      const r = await commands.listRuns(id!);
      if (!r.ok) throw fromRefusal(r);
      return [200, { runs: r.runs }];
    }),
    route('POST /api/v1/jobs/{job}/runs', async (req, [id]) => {
      const what = { action: 'job.run', subject: `job${id!}` };
      const params = await body(req).then((text) => paramsOf(json(text))).catch((err: unknown) => err as Error);
      if (params instanceof Error) return audited(req, what, () => Promise.reject(params));
      return audited(req, { ...what, details: { params } }, async () => {
        const r = await commands.runNow(id!, params);
        if (!r.ok) throw fromRefusal(r);
        return [201, { runId: r.runId, workflowRunId: r.workflowRunId }];
      }, ([, v]) => [{ ...what, details: { params, runId: (v as { runId: string }).runId } }]);
    }),
    route('GET /api/v1/jobs/{job}', async (_req, [id]) => {
      const job = commands.getJob(id!);
      if (!job) throw new HttpError('NOT_FOUND', `no job ${id}`, 'id');
      return [200, { job, nextRunsMs: commands.nextRuns(id!, 3) }];
    }),
    route('DELETE /api/v1/jobs/{job}', (req, [id]) => audited(req, { action: 'job.remove', subject: `job${id!}` }, async () => {
      const r = await commands.deleteJob(id!);
      if (!r.ok) throw fromRefusal(r);
      return [200, { deleted: id, cancelled: r.cancelled }];
    })),
    route('GET /api/v1/runs/{run}', async (_req, [id]) => {
      const r = await commands.getRun(id!);
      if (!r.ok) throw fromRefusal(r);
      const { ok: _ok, ...view } = r;
      return [200, view];
    }),
    route('POST /api/v1/runs/{run}/cancel', (req, [id]) => audited(req, { action: 'run.cancel', subject: `run/${id!}` }, async () => {
      noBody(json(await body(req)));
      const r = await commands.cancel(id!);
      if (!r.ok) throw fromRefusal(r);
      return [200, { run: r.run }];
    })),
    route('POST /api/v1/runs/{run}/rerun', (req, [id], url) => {
      const from = url.searchParams.get('from');
      return audited(req, { action: 'run.rerun', subject: `run/${id!}`, details: from === null ? {} : { from } }, async () => {
        noBody(json(await body(req)));
        if (!from) throw new HttpError('BAD_REQUEST', 'from must name the job to re-run from (?from=/a/job)', 'from');
        const r = await commands.rerun(id!, from);
        if (!r.ok) throw fromRefusal(r);
        return [200, { workflow: r.workflow, started: r.started }];
      });
    }),
  ];

  const send = (res: ServerResponse, status: number, value: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(value));
  };

  const server: Server = createHttpServer(options.tls, (req, res) => {
    const url = new URL(req.url ?? '/', 'http://batch');
    const reads = req.method === 'GET' || req.method === 'HEAD';
    if (url.pathname !== '/health' && !allowCall(options.auth, req, res, reads ? 'jobs.read' : 'jobs.write')) return;
    if (req.method === 'GET' && url.pathname === '/metrics' && options.metrics) {
      const registry = options.metrics;
      void registry.metrics().then((text) => {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(text);
      }, (err: unknown) => send(res, 500, { code: 'INTERNAL', message: (err as Error).message, field: '' }));
      return;
    }
    const path = decodeURIComponent(url.pathname);
    const matching = routes.filter((r) => r.path.test(path));
    const found = matching.find((r) => r.method === req.method);
    const run = async (): Promise<[number, unknown]> => {
      if (!found) {
        if (matching.length > 0) throw new HttpError('METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${path}`, 'method');
        throw new HttpError('NOT_FOUND', `no such endpoint ${path}`, 'path');
      }
      return found.handle(req, found.path.exec(path)!.slice(1), url);
    };
    run().then(
      ([status, value]) => send(res, status, value),
      (err: unknown) => {
        const known = err instanceof HttpError ? err : typeof err === 'object' && err !== null && (err as { code?: string }).code === 'STORE_UNAVAILABLE'
          ? new HttpError('STORE_UNAVAILABLE', (err as Error).message)
          : undefined;
        if (!known) options.log.error({ err, path }, 'batch api failed');
        const e = known ?? new HttpError('INTERNAL', 'internal error');
        send(res, STATUS[e.code] ?? 500, { code: e.code, message: e.message, field: e.field, ...e.extra });
      },
    );
  });
  const stream = serveStateStream(server, '/api/v1/stream', batchStatePublisher(commands), parseBatchStreamQuery, {
    ...(options.streamTickMs ? { tickMs: options.streamTickMs } : {}),
    onError: (err) => options.log.error({ err }, 'batch state stream tick failed'),
  });
  guardUpgrades(stream.channels, options.auth, () => 'jobs.read');
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `${httpScheme(options.tls)}://${host}:${port}`,
    routes: [...routes.map((r) => `${r.method} ${r.pattern}`), ...(options.metrics ? ['GET /metrics'] : []), 'WS /api/v1/stream'],
    close: () => new Promise<void>((resolve) => {
      stream.close();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
