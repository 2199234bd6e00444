// Parses Docker's multiplexed log stream (non-TTY containers): frames of an 8-byte header
// [stream, 0, 0, 0, size uint32 BE] and size bytes of payload. Pure, so it is tested with bytes.

export const DockerStream = { STDIN: 0, STDOUT: 1, STDERR: 2 } as const;
export type DockerStream = (typeof DockerStream)[keyof typeof DockerStream];

export interface DockerFrame {
  stream: DockerStream;
  payload: Buffer;
}

const HEADER_BYTES = 8;

export class DockerFrameParser {
  #buffer: Buffer = Buffer.alloc(0);

  /** The whole frames completed by chunk; a frame cut across chunks waits for the rest. */
  push(chunk: Buffer): DockerFrame[] {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const frames: DockerFrame[] = [];
    while (this.#buffer.length >= HEADER_BYTES) {
      const size = this.#buffer.readUInt32BE(4);
      if (this.#buffer.length < HEADER_BYTES + size) break;
      const kind = this.#buffer[0] ?? DockerStream.STDOUT;
      const stream = kind === DockerStream.STDERR ? DockerStream.STDERR : kind === DockerStream.STDIN ? DockerStream.STDIN : DockerStream.STDOUT;
      frames.push({ stream, payload: this.#buffer.subarray(HEADER_BYTES, HEADER_BYTES + size) });
      this.#buffer = this.#buffer.subarray(HEADER_BYTES + size);
    }
    return frames;
  }

  /** Bytes left over that never made a whole frame (non-empty only on a truncated stream). */
  get leftoverBytes(): number {
    return this.#buffer.length;
  }
}
