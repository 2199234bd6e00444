// A bare Mesos v1 scheduler HTTP client for tests: subscribes with a JSON body, reads the event
// stream with an independent RecordIO parser (@dcos/recordio), and posts calls with the stream id.
import { request, type IncomingMessage } from 'node:http';
import { read } from '@dcos/recordio';
import type { Test } from 'tap';
import { untilPicked } from './poll.js';

export interface MesosEventJson {
  type: string;
  [key: string]: unknown;
}

export interface PostAnswer {
  status: number;
  body: string;
  headers: IncomingMessage['headers'];
}

/** POSTs a body to /api/v1/scheduler and reads the whole answer. */
export function post(httpUrl: string, body: string | Uint8Array, headers: Record<string, string> = {}): Promise<PostAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(`${httpUrl}/api/v1/scheduler`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** One open SUBSCRIBE stream and the events read from it so far. */
export class MesosStream {
  readonly events: MesosEventJson[] = [];
  /** Every byte of the stream as text, for reading back with the RecordIO parser as a whole. */
  raw = '';
  ended = false;
  /** When set, called with every event as it arrives (to answer offers). */
  onEvent: ((e: MesosEventJson) => void) | undefined;
  #rest = '';

  constructor(
    readonly httpUrl: string,
    readonly streamId: string,
    public frameworkId: string,
    readonly response: IncomingMessage,
    readonly abort: () => void,
  ) {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      this.raw += chunk;
      const [records, rest] = read(this.#rest + chunk);
      this.#rest = rest;
      for (const r of records) {
        const e = JSON.parse(r) as MesosEventJson;
        this.events.push(e);
        this.onEvent?.(e);
      }
    });
    response.on('end', () => (this.ended = true));
    response.on('close', () => (this.ended = true));
  }

  /** Posts a call of this framework with this stream's id. */
  call(call: Record<string, unknown>, headers: Record<string, string> = {}): Promise<PostAnswer> {
    return post(this.httpUrl, JSON.stringify({ framework_id: { value: this.frameworkId }, ...call }), { 'Mesos-Stream-Id': this.streamId, ...headers });
  }

  /** The first event at index >= from that pick() accepts. */
  next<T>(what: string, pick: (e: MesosEventJson) => T | undefined, from = 0, timeoutMs = 20_000): Promise<T> {
    return untilPicked(what, this.events, pick, from, timeoutMs);
  }

  /** The states of one task's UPDATE events, in order. */
  states(taskId: string): string[] {
    return this.events.flatMap((e) => {
      const status = (e.update as { status?: { task_id: { value: string }; state: string } } | undefined)?.status;
      return e.type === 'UPDATE' && status?.task_id.value === taskId ? [status.state] : [];
    });
  }
}

/** Subscribes; resolves with the stream once SUBSCRIBED has arrived, or rejects with the HTTP answer. */
export function subscribe(t: Test, httpUrl: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<MesosStream> {
  return new Promise((resolve, reject) => {
    const req = request(`${httpUrl}/api/v1/scheduler`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', ...headers } }, (res) => {
      if (res.statusCode !== 200) {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => reject(Object.assign(new Error(`SUBSCRIBE answered ${res.statusCode}: ${text}`), { status: res.statusCode, body: text, headers: res.headers })));
        return;
      }
      const streamId = String(res.headers['mesos-stream-id'] ?? '');
      const stream = new MesosStream(httpUrl, streamId, '', res, () => req.destroy());
      t.teardown(() => req.destroy());
      stream.next('SUBSCRIBED', (e) => (e.type === 'SUBSCRIBED' ? e : undefined), 0, 10_000).then((e) => {
        const id = (e.subscribed as { framework_id: { value: string } }).framework_id.value;
        stream.frameworkId = id;
        resolve(stream);
      }, reject);
    });
    req.on('error', reject);
    req.end(JSON.stringify({ type: 'SUBSCRIBE', ...body }));
  });
}

/** Mesos Resources for a task: cpus and mem as SCALARs, as the documentation's examples give them. */
export function taskResources(cpus: number, mem: number): Record<string, unknown>[] {
  return [
    { allocation_info: { role: '*' }, name: 'cpus', role: '*', type: 'SCALAR', scalar: { value: cpus } },
    { allocation_info: { role: '*' }, name: 'mem', role: '*', type: 'SCALAR', scalar: { value: mem } },
  ];
}

/** An ACCEPT of offers with one LAUNCH operation of these TaskInfos. */
export function launchCall(offerIds: { value: string }[], taskInfos: Record<string, unknown>[], filters?: { refuse_seconds: number }): Record<string, unknown> {
  return { type: 'ACCEPT', accept: { offer_ids: offerIds, operations: [{ type: 'LAUNCH', launch: { task_infos: taskInfos } }], ...(filters ? { filters } : {}) } };
}
