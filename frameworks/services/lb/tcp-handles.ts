// Node's own TCP handles (the libuv wrappers under node:net), typed, for the load balancer's
// forwarding path. A proxied connection through net.Socket costs about 100 µs of CPU in streams,
// event emitters and per-socket state before a byte moves; on the handles it costs about 20, which
// is what brings berth lb near HAProxy when every request is a new connection (docs/performance.md,
// the lb bench). The handles are not a documented API, so they are probed once and, when their
// shape is not the one expected here, the load balancer forwards through node:net instead.

/** A libuv TCP handle as Node's binding exposes it; methods return 0 or a negative libuv error. */
export interface TcpHandle {
  bind(ip: string, port: number): number;
  bind6(ip: string, port: number, flags: number): number;
  listen(backlog: number): number;
  connect(req: ConnectReq, ip: string, port: number): number;
  connect6(req: ConnectReq, ip: string, port: number): number;
  setNoDelay(on: boolean): number;
  readStart(): number;
  readStop(): number;
  writeBuffer(req: WriteReq, data: Uint8Array): number;
  shutdown(req: ShutdownReq): number;
  close(): void;
  /** Bytes queued by writes that did not complete at once. */
  readonly writeQueueSize: number;
  /** Called with the handle as `this`; the count of bytes (or the error) is in the shared state. */
  onread: ((this: TcpHandle, data: ArrayBuffer | undefined) => void) | null;
  onconnection: ((this: TcpHandle, status: number, client: TcpHandle | undefined) => void) | null;
  /** Ours: the object the handle's callbacks are for, so that no closure is made per connection. */
  owner: unknown;
}

export interface ConnectReq {
  oncomplete: (this: ConnectReq, status: number, handle: TcpHandle) => void;
  address: string;
  port: number;
  owner: unknown;
}

export interface WriteReq {
  oncomplete: (this: WriteReq, status: number, handle: TcpHandle) => void;
  handle: TcpHandle;
  /** Keeps the bytes alive while a write is queued. */
  buffer: Uint8Array;
  owner: unknown;
}

export interface ShutdownReq {
  oncomplete: (this: ShutdownReq, status: number, handle: TcpHandle) => void;
  handle: TcpHandle;
  owner: unknown;
}

export interface TcpHandles {
  newServer(): TcpHandle;
  newSocket(): TcpHandle;
  newConnectReq(): ConnectReq;
  newWriteReq(): WriteReq;
  newShutdownReq(): ShutdownReq;
  /** Set before each onread call: the bytes read (> 0), 0, or a negative libuv error. */
  readonly state: Int32Array;
  readonly readBytesOrError: number;
  readonly arrayBufferOffset: number;
  readonly lastWriteWasAsync: number;
  /** The libuv error a read reports at the end of the stream. */
  readonly eof: number;
}

type Ctor<T> = new (arg?: number) => T;

interface Binding {
  TCP: Ctor<TcpHandle>;
  TCPConnectWrap: Ctor<ConnectReq>;
  constants: { SOCKET: number; SERVER: number };
  WriteWrap: Ctor<WriteReq>;
  ShutdownWrap: Ctor<ShutdownReq>;
  streamBaseState: Int32Array;
  kReadBytesOrError: number;
  kArrayBufferOffset: number;
  kLastWriteWasAsync: number;
  UV_EOF: number;
}

const METHODS = ['bind', 'bind6', 'listen', 'connect', 'connect6', 'setNoDelay', 'readStart', 'readStop', 'writeBuffer', 'shutdown', 'close'] as const;

function probe(): TcpHandles | undefined {
  const binding = (process as unknown as { binding?: (name: string) => unknown }).binding;
  if (typeof binding !== 'function') return undefined;
  let b: Partial<Binding>;
  try {
    b = { ...(binding('tcp_wrap') as object), ...(binding('stream_wrap') as object), UV_EOF: (binding('uv') as { UV_EOF?: number }).UV_EOF };
  } catch {
    return undefined;
  }
  const { TCP, TCPConnectWrap, constants, WriteWrap, ShutdownWrap, streamBaseState, kReadBytesOrError, kArrayBufferOffset, kLastWriteWasAsync, UV_EOF } = b;
  if (typeof TCP !== 'function' || typeof TCPConnectWrap !== 'function' || typeof WriteWrap !== 'function' || typeof ShutdownWrap !== 'function') return undefined;
  if (!(streamBaseState instanceof Int32Array) || typeof constants?.SOCKET !== 'number' || typeof constants.SERVER !== 'number') return undefined;
  if (![kReadBytesOrError, kArrayBufferOffset, kLastWriteWasAsync, UV_EOF].every((k) => typeof k === 'number')) return undefined;
  const proto = TCP.prototype as unknown as Record<string, unknown>;
  if (!METHODS.every((m) => typeof proto[m] === 'function')) return undefined;
  const { SOCKET, SERVER } = constants;
  return {
    newServer: () => new TCP(SERVER),
    newSocket: () => new TCP(SOCKET),
    newConnectReq: () => new TCPConnectWrap(),
    newWriteReq: () => new WriteWrap(),
    newShutdownReq: () => new ShutdownWrap(),
    state: streamBaseState,
    readBytesOrError: kReadBytesOrError as number,
    arrayBufferOffset: kArrayBufferOffset as number,
    lastWriteWasAsync: kLastWriteWasAsync as number,
    eof: UV_EOF as number,
  };
}

let probed: { handles: TcpHandles | undefined } | undefined;

/** Node's TCP handles, or undefined when this Node does not have them in the shape used here. */
export function tcpHandles(): TcpHandles | undefined {
  probed ??= { handles: probe() };
  return probed.handles;
}
