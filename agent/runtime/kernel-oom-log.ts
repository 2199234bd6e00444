// Which containers the kernel's OOM killer struck, read from the kernel log (/dev/kmsg). The
// kernel writes its "oom-kill:" record before it sends the kill, so once a container's exit has
// been seen, the record is already there to read. The engine's own account (the OOMKilled flag,
// the "oom" event) comes from a separate notification that races the exit and, under load, is
// sometimes dropped altogether; the kernel's record does not race.
import { constants, type promises as fsp } from 'node:fs';
import { open } from 'node:fs/promises';

/** Tells whether the kernel OOM-killed a process of a container. */
export interface OomWitness {
  /** true or false when it can tell, undefined when it cannot (no access to the kernel log). */
  killedIn(containerId: string): Promise<boolean | undefined>;
  close(): Promise<void>;
}

const CONTAINER_ID = /[0-9a-f]{64}/g;
const READ_BYTES = 8192;
/** Ids remembered; an OOM that old has long been reported. */
const REMEMBERED = 4096;

/**
 * The container id (64 hex digits) named by one kernel log record of an OOM kill, else undefined.
 * Kernels since 4.19 write `oom-kill:...,task_memcg=/docker/ID,...`; older ones
 * `Task in /docker/ID killed as a result of limit of ...`. With the systemd cgroup driver the
 * path is `/system.slice/docker-ID.scope`; the last id in the path is the container's.
 */
export function oomContainerId(record: string): string | undefined {
  const text = record.slice(record.indexOf(';') + 1);
  const memcg = /(?:^|\W)oom-kill:.*?task_memcg=([^,\s]+)/.exec(text)?.[1] ?? /Task in (\S+) killed as a result of limit/.exec(text)?.[1];
  if (!memcg) return undefined;
  return memcg.match(CONTAINER_ID)?.at(-1);
}

/**
 * Follows /dev/kmsg from the start of the kernel's ring buffer. Every question first reads what
 * the kernel wrote since the last one (each read of /dev/kmsg returns one record; a non-blocking
 * read past the last record fails with EAGAIN), so an answer covers every record written before it.
 */
export class KernelOomLog implements OomWitness {
  #path: string;
  #handle: fsp.FileHandle | undefined;
  #unavailable = false;
  #killed = new Set<string>();
  #carry = '';
  #queue: Promise<void> = Promise.resolve();

  constructor(path = '/dev/kmsg') {
    this.#path = path;
  }

  killedIn(containerId: string): Promise<boolean | undefined> {
    const answer = this.#queue.then(async () => {
      await this.#catchUp();
      return this.#unavailable ? undefined : this.#killed.has(containerId);
    });
    this.#queue = answer.then(() => undefined, () => undefined);
    return answer;
  }

  async close(): Promise<void> {
    await this.#queue;
    await this.#handle?.close();
    this.#handle = undefined;
  }

  async #catchUp(): Promise<void> {
    if (this.#unavailable) return;
    if (!this.#handle) {
      try {
        this.#handle = await open(this.#path, constants.O_RDONLY | constants.O_NONBLOCK);
      } catch {
        // Not root, or no kernel log in this sandbox: the caller falls back to the engine's word.
        this.#unavailable = true;
        return;
      }
    }
    const buffer = Buffer.alloc(READ_BYTES);
    for (;;) {
      let bytes: number;
      try {
        ({ bytesRead: bytes } = await this.#handle.read(buffer, 0, READ_BYTES, null));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // EPIPE: records we had not read yet were overwritten in the ring; reading goes on after them.
        if (code === 'EPIPE') continue;
        if (code === 'EAGAIN') return;
        this.#unavailable = true;
        return;
      }
      if (bytes === 0) return; // a plain file (tests) ends; /dev/kmsg answers EAGAIN instead
      this.#take(buffer.toString('utf8', 0, bytes));
    }
  }

  /** Splits what was read into lines (a plain file may cut one), remembering OOM-killed ids. */
  #take(chunk: string): void {
    const lines = (this.#carry + chunk).split('\n');
    this.#carry = lines.pop() ?? '';
    for (const line of lines) {
      const id = oomContainerId(line);
      if (!id) continue;
      this.#killed.delete(id);
      this.#killed.add(id);
      if (this.#killed.size > REMEMBERED) this.#killed.delete(this.#killed.values().next().value as string);
    }
  }
}
