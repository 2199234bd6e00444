// Answers the master's ReadLogs with LogLines frames: lines batched up to about 64 KiB a frame,
// eof on the last one; with follow, new lines stream until the task's output ends, the master
// cancels, or the connection drops (cancelAll). An unknown task gets one frame with an error.
import type { Logger } from 'pino';
import type { pb } from '../protocol/index.js';
import type { ReadLogsCommand } from './agent-events.js';
import type { ContainerRuntime } from './runtime/runtime.js';

/** Room for lines in one frame, under 64 KiB with the envelope around it. */
export const MAX_FRAME_LINE_BYTES = 60 * 1024;
/** Each line costs its bytes plus a field tag and a length prefix. */
const PER_LINE_OVERHEAD = 4;
const TRUNCATED = ' [truncated by berth]';

export interface LogServerOptions {
  runtime: ContainerRuntime;
  /** The container holding the task's logs, or why there is none. */
  containerOf: (taskId: string) => { containerId: string } | { error: string };
  send: (lines: pb.AgentCall.ILogLines) => boolean;
  maxFrameBytes?: number;
  /** While following, how long lines may wait before a frame goes out anyway. */
  flushMs?: number;
  log?: Logger;
}

export class LogServer {
  #o: LogServerOptions;
  #max: number;
  #streams = new Map<string, AbortController>();

  constructor(options: LogServerOptions) {
    this.#o = options;
    this.#max = options.maxFrameBytes ?? MAX_FRAME_LINE_BYTES;
  }

  /** Requests being streamed now. */
  get active(): number {
    return this.#streams.size;
  }

  read(request: ReadLogsCommand): void {
    const { requestId, taskId } = request;
    if (requestId === '') {
      this.#o.log?.warn({ taskId }, 'ignoring readLogs without a request id');
      return;
    }
    if (this.#streams.has(requestId)) {
      this.#o.send({ requestId, eof: true, error: `request ${requestId} is already streaming` });
      return;
    }
    const found = this.#o.containerOf(taskId);
    if ('error' in found) {
      this.#o.send({ requestId, eof: true, error: found.error });
      return;
    }
    const controller = new AbortController();
    this.#streams.set(requestId, controller);
    const options = { follow: request.follow, tail: request.tail > 0 ? request.tail : undefined, signal: controller.signal };
    void this.#pump(requestId, found.containerId, options)
      .catch((err: unknown) => {
        this.#o.log?.warn({ requestId, taskId, err }, 'reading logs failed');
        if (!controller.signal.aborted) this.#o.send({ requestId, eof: true, error: `reading the logs of ${taskId} failed: ${(err as Error).message}` });
      })
      .finally(() => this.#streams.delete(requestId));
  }

  /** Stops one stream; it ends with an eof frame. */
  cancel(requestId: string): void {
    this.#streams.get(requestId)?.abort();
  }

  /** Stops every stream (the connection they answer is gone). */
  cancelAll(): void {
    for (const c of this.#streams.values()) c.abort();
    this.#streams.clear();
  }

  async #pump(requestId: string, containerId: string, options: { follow: boolean; tail: number | undefined; signal: AbortSignal }): Promise<void> {
    let batch: string[] = [];
    let bytes = 0;
    const flush = (eof: boolean): void => {
      if (batch.length === 0 && !eof) return;
      const lines = batch;
      batch = [];
      bytes = 0;
      // A frame that cannot go out means the connection is gone: stop reading.
      if (!this.#o.send({ requestId, lines, eof })) this.#streams.get(requestId)?.abort();
    };
    const timer = options.follow ? setInterval(() => flush(false), this.#o.flushMs ?? 100) : undefined;
    try {
      for await (const raw of this.#o.runtime.logs(containerId, options)) {
        const line = this.#fit(raw);
        const cost = Buffer.byteLength(line) + PER_LINE_OVERHEAD;
        if (bytes + cost > this.#max) flush(false);
        batch.push(line);
        bytes += cost;
        if (options.signal.aborted) break;
      }
    } finally {
      clearInterval(timer);
    }
    flush(true);
  }

  /** A line longer than a frame is cut, saying so. */
  #fit(line: string): string {
    const room = this.#max - PER_LINE_OVERHEAD;
    if (Buffer.byteLength(line) <= room) return line;
    return Buffer.from(line).subarray(0, room - Buffer.byteLength(TRUNCATED)).toString('utf8') + TRUNCATED;
  }
}
