// POST /api/v1/scheduler, the Mesos v1 scheduler HTTP API: SUBSCRIBE opens a RecordIO event stream
// with a Mesos-Stream-Id; every other call is checked against its framework's stream and answered
// 202 once the master has taken it. Bad bodies are 400 with a plain message, calls without a
// subscription or with another stream's id 403; nothing is changed by a refused call.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Principal } from '../../protocol/auth/index.js';
import { BerthError, ChannelError, ErrorCode, TaskState, type pb, type Route } from '../../protocol/index.js';
import { decodeCall, encodeEvent } from './proto.js';
import { readCall, type FrameworkCall, type SubscribeCall } from './read-call.js';
import { jsonRecord, record } from './recordio.js';
import { MesosSession } from './session.js';
import type { MesosEvent } from './types.js';

export interface MesosSchedulerApiDeps {
  /** The master's scheduler route (what a berth scheduler's WebSocket would be handed to). */
  route(): Route;
  /** Reads a request body, throwing a BAD_REQUEST BerthError when it is too large. */
  readBody(req: IncomingMessage): Promise<Buffer>;
  log: Logger;
  /** How often HEARTBEAT events are sent (Mesos announces 15 s). */
  heartbeatIntervalMs: number;
}

const STREAM_ID = 'mesos-stream-id';
const JSON_TYPE = 'application/json';
const PROTOBUF_TYPE = 'application/x-protobuf';

/** The event encoding an Accept header asks for (JSON when it takes anything), or undefined for none berth has. */
function streamType(accept: string): string | undefined {
  const types = accept.split(',').map((t) => t.split(';')[0]?.trim().toLowerCase());
  if (types.some((t) => t === JSON_TYPE || t === '*/*' || t === 'application/*')) return JSON_TYPE;
  return types.includes(PROTOBUF_TYPE) ? PROTOBUF_TYPE : undefined;
}

function parseJson(body: Buffer): unknown {
  const text = body.toString('utf8');
  try {
    return text === '' ? {} : (JSON.parse(text) as unknown);
  } catch (err) {
    throw new HttpAnswer(400, `request body is not JSON: ${(err as Error).message}`);
  }
}

function parseProtobuf(body: Buffer): unknown {
  try {
    return decodeCall(body);
  } catch (err) {
    throw new HttpAnswer(400, `request body is not a protobuf mesos.v1.scheduler.Call: ${(err as Error).message}`);
  }
}
/** Refusals of a whole ACCEPT that Mesos reports as the tasks' TASK_LOST / TASK_DROPPED with REASON_INVALID_OFFERS. */
const OFFER_CODES = new Set<string>([ErrorCode.OFFER_UNKNOWN, ErrorCode.OFFER_NOT_OWNED, ErrorCode.OFFERS_SPAN_AGENTS]);

class HttpAnswer extends Error {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

function answer(res: ServerResponse, status: number, message = '', headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(message ? `${message}\n` : undefined);
}

export class MesosSchedulerApi {
  #d: MesosSchedulerApiDeps;
  #log: Logger;
  /** The current subscription of each framework. */
  #sessions = new Map<string, MesosSession>();

  constructor(deps: MesosSchedulerApiDeps) {
    this.#d = deps;
    this.#log = deps.log.child({ component: 'mesos' });
  }

  /** Subscriptions open now (frameworks on the Mesos API). */
  get subscriptions(): number {
    return this.#sessions.size;
  }

  /** Serves one call of `principal` (authenticated by the HTTP edge; ANONYMOUS when authentication is off). */
  handle(req: IncomingMessage, res: ServerResponse, principal: Principal): void {
    void this.#handle(req, res, principal).catch((err: unknown) => {
      if (err instanceof HttpAnswer) return answer(res, err.status, err.message, err.headers);
      const e = err instanceof BerthError ? err : undefined;
      if (!e) this.#log.error({ err }, 'mesos call failed');
      if (res.headersSent) return void res.end();
      answer(res, e?.code === ErrorCode.BAD_REQUEST ? 400 : 500, e ? e.message : 'internal error; see the master log');
    });
  }

  /** Ends every subscription (the master is stopping). */
  close(): void {
    for (const s of this.#sessions.values()) s.close();
  }

  async #handle(req: IncomingMessage, res: ServerResponse, principal: Principal): Promise<void> {
    const type = (req.headers['content-type'] ?? 'application/json').split(';')[0]?.trim().toLowerCase();
    if (type !== JSON_TYPE && type !== PROTOBUF_TYPE) throw new HttpAnswer(415, `Content-Type must be ${JSON_TYPE} or ${PROTOBUF_TYPE}, got "${type}"`);
    const stream = streamType(req.headers.accept ?? '*/*');
    if (!stream) throw new HttpAnswer(406, `berth streams ${JSON_TYPE} or ${PROTOBUF_TYPE}; the Accept header asks for "${req.headers.accept}"`);
    const body = await this.#d.readBody(req);
    const read = readCall(type === PROTOBUF_TYPE ? parseProtobuf(body) : parseJson(body));
    if (!read.call) throw new HttpAnswer(400, `Failed to validate scheduler::Call: ${read.problems.join('; ')}`);
    if (read.call.type === 'SUBSCRIBE') return this.#subscribe(req, res, read.call, stream, principal);
    return this.#call(req, res, read.call, principal);
  }

  async #subscribe(req: IncomingMessage, res: ServerResponse, call: SubscribeCall, stream: string, principal: Principal): Promise<void> {
    if (req.headers[STREAM_ID] !== undefined) throw new HttpAnswer(400, 'Subscribe calls should not include the Mesos-Stream-Id header');
    let session: MesosSession;
    try {
      session = await MesosSession.open(this.#d.route(), this.#log, this.#d.heartbeatIntervalMs, principal);
    } catch (err) {
      const leader = err instanceof ChannelError ? err.leaderUrl : '';
      if (leader) throw new HttpAnswer(307, '', { location: `${leader.replace(/^ws/, 'http')}/api/v1/scheduler` });
      throw new HttpAnswer(503, `no leading master to subscribe with: ${(err as Error).message}`);
    }
    // A scheduler that goes away before it is subscribed leaves a disconnected framework behind.
    res.on('close', () => session.close());
    try {
      await session.subscribe(call);
    } catch (err) {
      session.close();
      const e = err as BerthError;
      throw new HttpAnswer(e.code === ErrorCode.NOT_LEADER || e.code === ErrorCode.STORE_UNAVAILABLE ? 503 : e.code === ErrorCode.FORBIDDEN ? 403 : 400, `${e.code}: ${e.message}`);
    }
    const id = session.frameworkId;
    this.#sessions.get(id)?.close();
    this.#sessions.set(id, session);
    session.onClosed(() => {
      if (this.#sessions.get(id) === session) this.#sessions.delete(id);
    });
    res.writeHead(200, { 'content-type': stream, 'cache-control': 'no-store', 'Mesos-Stream-Id': session.streamId });
    const frame = stream === PROTOBUF_TYPE ? (event: MesosEvent) => record(encodeEvent(event)) : jsonRecord;
    session.attach({ write: (event) => res.write(frame(event)), end: () => res.end() });
    this.#log.info({ frameworkId: id, streamId: session.streamId }, 'mesos framework subscribed');
  }

  async #call(req: IncomingMessage, res: ServerResponse, call: FrameworkCall, principal: Principal): Promise<void> {
    const session = this.#sessions.get(call.frameworkId);
    if (!session) throw new HttpAnswer(403, `Framework ${call.frameworkId} is not subscribed; send SUBSCRIBE first`);
    if (session.principal.name !== principal.name) throw new HttpAnswer(403, `principal ${principal.name} may not call for framework ${call.frameworkId}: principal ${session.principal.name} subscribed it`);
    const streamId = req.headers[STREAM_ID];
    if (streamId === undefined) throw new HttpAnswer(403, 'All non-subscribe calls must include the Mesos-Stream-Id header');
    if (streamId !== session.streamId) throw new HttpAnswer(403, `The stream ID '${String(streamId).slice(0, 128)}' is not the stream of framework ${call.frameworkId}`);
    if (call.berth) await this.#send(session, call.type, call.berth);
    answer(res, 202);
  }

  /** Sends the berth call, answering master refusals as Mesos would where Mesos reports them by events. */
  async #send(session: MesosSession, type: FrameworkCall['type'], berth: NonNullable<FrameworkCall['berth']>): Promise<void> {
    try {
      // Mesos ignores the unknown offers of a DECLINE and declines the rest: one call per offer.
      const decline = berth.decline;
      if (decline) await Promise.all((decline.offerIds ?? []).map((id) => this.#tolerate(session.call({ decline: { ...decline, offerIds: [id] } }), [ErrorCode.OFFER_UNKNOWN, ErrorCode.OFFER_NOT_OWNED])));
      else await session.call(berth);
    } catch (err) {
      const e = err as BerthError;
      if (!(e instanceof BerthError)) throw err;
      if (berth.accept && this.#refusedAccept(session, berth.accept, e)) return;
      const taskId = berth.kill?.taskId;
      // Killing an unknown task answers its state by reconciliation, as Mesos does (TASK_LOST or TASK_UNKNOWN).
      if (taskId && (e.code === ErrorCode.TASK_UNKNOWN || e.code === ErrorCode.AGENT_UNKNOWN)) return session.call({ reconcile: { tasks: [{ taskId }] } });
      if (berth.acknowledge && e.code === ErrorCode.TASK_UNKNOWN) return;
      const status = e.code === ErrorCode.NOT_LEADER || e.code === ErrorCode.STORE_UNAVAILABLE ? 503 : e.code === ErrorCode.INTERNAL ? 500 : 400;
      throw new HttpAnswer(status, `${type} refused: ${e.code}: ${e.message}${e.field ? ` (${e.field})` : ''}`);
    }
  }

  /**
   * A whole ACCEPT the master refused: Mesos reports it through its tasks' updates and gives the
   * offers back, so the adapter does the same (202, an update per task, the offers declined).
   */
  #refusedAccept(session: MesosSession, accept: pb.SchedulerCall.Accept.$Properties, e: BerthError): boolean {
    if (e.code === ErrorCode.NOT_LEADER || e.code === ErrorCode.STORE_UNAVAILABLE || e.code === ErrorCode.INTERNAL) return false;
    const offers = OFFER_CODES.has(e.code);
    const forbidden = e.code === ErrorCode.FORBIDDEN;
    for (const op of accept.operations ?? []) {
      for (const task of op.tasks ?? []) {
        session.emit({
          type: 'UPDATE',
          update: {
            status: {
              task_id: { value: task.taskId ?? '' },
              state: TaskState[offers ? TaskState.TASK_LOST : TaskState.TASK_ERROR],
              message: `${e.code}: ${e.message}`,
              source: 'SOURCE_MASTER',
              reason: offers ? 'REASON_INVALID_OFFERS' : forbidden ? 'REASON_TASK_UNAUTHORIZED' : 'REASON_TASK_INVALID',
              ...(task.agentId ? { agent_id: { value: task.agentId } } : {}),
              timestamp: Date.now() / 1000,
            },
          },
        });
      }
    }
    for (const id of accept.offerIds ?? []) void this.#tolerate(session.call({ decline: { offerIds: [id], filters: { refuseSeconds: 0 } } }), [ErrorCode.OFFER_UNKNOWN, ErrorCode.OFFER_NOT_OWNED]).catch(() => undefined);
    return true;
  }

  async #tolerate(p: Promise<void>, codes: string[]): Promise<void> {
    try {
      await p;
    } catch (err) {
      if (!(err instanceof BerthError && codes.includes(err.code))) throw err;
    }
  }
}
