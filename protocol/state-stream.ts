// A state document published as versioned JSON Patch deltas: a snapshot with a version, then one
// patch per tick in which the document changed. Each distinct view (a filter of the document) keeps
// its last document and its recent patches, so a client that reconnects with the stream id and
// the last version it applied gets only the patches it missed, or a fresh snapshot when they are
// gone. The master serves its state this way on /api/v1/stream; frameworks may serve theirs.
import { randomUUID } from 'node:crypto';
import { diffState, type PatchOperation } from './state-diff.js';

type Doc = Record<string, unknown>;

/** One frame as sent: JSON text of a snapshot or a patch. */
export type StreamFrame =
  | { stream: string; version: number; snapshot: Doc }
  | { stream: string; version: number; patch: PatchOperation[] };

/** A filter of the document; views with the same key share their documents and patches. */
export interface StreamView {
  key: string;
  select(doc: Doc): Doc;
}

/** Where a client left off: the stream's id and the last version it applied. */
export interface ResumePoint {
  stream: string;
  version: number;
}

/** A subscriber: `send` gets each frame's JSON text; returning false drops the subscriber. */
export type FrameSink = (text: string) => boolean;

export interface StatePublisherOptions {
  /** Reads the whole current document (called once per tick while anyone watches). */
  read(): Doc;
  /** How many patches each view keeps for resuming (default 1,000). */
  historyLimit?: number;
  /** And at most this many bytes of them (default 16 MiB). */
  historyBytes?: number;
}

interface ViewState {
  view: StreamView;
  doc: Doc;
  /** The version `doc` is at. */
  version: number;
  /** The version history starts after: a client at `base` or later can be caught up. */
  base: number;
  history: { version: number; text: string }[];
  historyBytes: number;
  sinks: Set<FrameSink>;
}

const MAX_VIEWS = 64;

export class StatePublisher {
  /** Names this publisher's versions; a resume point from another stream gets a snapshot. */
  readonly id = randomUUID();
  #options: Required<StatePublisherOptions>;
  #version = 0;
  #views = new Map<string, ViewState>();
  stats = { ticks: 0, frames: 0, bytes: 0, snapshots: 0 };

  constructor(options: StatePublisherOptions) {
    this.#options = { historyLimit: 1_000, historyBytes: 16 * 1024 * 1024, ...options };
  }

  get version(): number {
    return this.#version;
  }

  get watchers(): number {
    let n = 0;
    for (const v of this.#views.values()) n += v.sinks.size;
    return n;
  }

  /** Starts sending `view` to `sink`: missed patches after `since`, or a snapshot. Returns the unsubscribe. */
  subscribe(view: StreamView, sink: FrameSink, since?: ResumePoint): () => void {
    let state = this.#views.get(view.key);
    if (!state) {
      this.#forgetIdleViews();
      const version = ++this.#version;
      state = { view, doc: view.select(this.#options.read()), version, base: version, history: [], historyBytes: 0, sinks: new Set() };
      this.#views.set(view.key, state);
    }
    const s = state;
    const resumable = since !== undefined && since.stream === this.id && since.version >= s.base && since.version <= s.version;
    if (resumable) {
      for (const h of s.history) if (h.version > since.version) this.#send(sink, h.text);
    } else {
      this.stats.snapshots++;
      this.#send(sink, JSON.stringify({ stream: this.id, version: s.version, snapshot: s.doc }));
    }
    s.sinks.add(sink);
    return () => {
      s.sinks.delete(sink);
    };
  }

  /** Keeps at most MAX_VIEWS views: idle ones (no watchers) go first, oldest first. */
  #forgetIdleViews(): void {
    for (const [key, v] of this.#views) {
      if (this.#views.size < MAX_VIEWS) return;
      if (v.sinks.size === 0) this.#views.delete(key);
    }
  }

  /** Reads the document once and sends each watched view's patch, if it changed. */
  tick(): void {
    const watched = [...this.#views.values()].filter((v) => v.sinks.size > 0);
    if (watched.length === 0) return;
    this.stats.ticks++;
    const doc = this.#options.read();
    for (const v of watched) {
      const next = v.view.select(doc);
      const patch = diffState(v.doc, next);
      if (patch.length === 0) continue;
      const version = ++this.#version;
      const text = JSON.stringify({ stream: this.id, version, patch });
      v.doc = next;
      v.version = version;
      this.#remember(v, version, text);
      for (const sink of [...v.sinks]) this.#send(sink, text, v);
    }
  }

  #remember(v: ViewState, version: number, text: string): void {
    v.history.push({ version, text });
    v.historyBytes += text.length;
    while (v.history.length > this.#options.historyLimit || (v.historyBytes > this.#options.historyBytes && v.history.length > 1)) {
      const dropped = v.history.shift()!;
      v.historyBytes -= dropped.text.length;
      v.base = dropped.version;
    }
  }

  #send(sink: FrameSink, text: string, v?: ViewState): void {
    this.stats.frames++;
    this.stats.bytes += text.length;
    if (!sink(text)) v?.sinks.delete(sink);
  }
}
