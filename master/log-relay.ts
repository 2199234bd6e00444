// Relays a task's stdout and stderr from its agent to an operator: the master asks the agent
// (ReadLogs), the agent streams LogLines back, the relay hands them to the waiting sink.
import { newId, type AgentEvent, type pb } from '../protocol/index.js';

export interface LogSink {
  write(lines: readonly string[]): void;
  /** No more lines; error is set when the logs could not be read. */
  end(error?: string): void;
}

interface Stream {
  agentId: string;
  sink: LogSink;
}

export class LogRelay {
  #streams = new Map<string, Stream>();
  #send: (agentId: string, event: AgentEvent) => boolean;

  /** send delivers an event to an agent; false when the agent is not connected. */
  constructor(send: (agentId: string, event: AgentEvent) => boolean) {
    this.#send = send;
  }

  get open(): number {
    return this.#streams.size;
  }

  /** Starts a stream; returns a function that cancels it (when the reader goes away). */
  start(agentId: string, taskId: string, options: { follow: boolean; tail: number }, sink: LogSink): () => void {
    const requestId = newId('logs');
    this.#streams.set(requestId, { agentId, sink });
    if (!this.#send(agentId, { readLogs: { requestId, taskId, follow: options.follow, tail: options.tail } })) {
      this.#streams.delete(requestId);
      sink.end(`agent ${agentId} is not connected; the logs are on that agent`);
      return () => undefined;
    }
    return () => {
      if (this.#streams.delete(requestId)) this.#send(agentId, { cancelLogs: { requestId } });
    };
  }

  /** Lines from an agent; lines for streams it does not own are dropped. */
  receive(agentId: string, lines: pb.AgentCall.LogLines.$Properties): void {
    const id = lines.requestId ?? '';
    const stream = this.#streams.get(id);
    if (!stream || stream.agentId !== agentId) return;
    if (lines.lines?.length) stream.sink.write(lines.lines);
    if (lines.eof) {
      this.#streams.delete(id);
      stream.sink.end(lines.error || undefined);
    }
  }

  /** Ends every stream from an agent that went away. */
  agentGone(agentId: string): void {
    for (const [id, stream] of this.#streams) {
      if (stream.agentId !== agentId) continue;
      this.#streams.delete(id);
      stream.sink.end(`agent ${agentId} disconnected`);
    }
  }
}
