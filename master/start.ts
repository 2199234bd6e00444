// Builds and starts one master on a host and port: the Master, its HTTP/WebSocket server and its
// store wiring. The CLI (the composition root) calls this.
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { newId, type ChannelOptions, type ServerTls } from '../protocol/index.js';
import type { Allocator, RoleConfig } from './allocator/types.js';
import { ApiServer, type ApiServerOptions } from './http/api-server.js';
import { Master, type MasterOptions } from './master.js';
import { MASTER_DEFAULTS } from './options.js';
import type { ClusterStore } from './store/cluster-store.js';

export interface StartMasterOptions extends Partial<Omit<MasterOptions, 'store' | 'log' | 'url'>> {
  host?: string;
  port?: number;
  store: ClusterStore;
  log: Logger;
  allocator?: Allocator;
  roles?: ReadonlyMap<string, RoleConfig>;
  channel?: ChannelOptions;
  processMetrics?: boolean;
  /** How often the state stream sends its batched deltas (default 250 ms). */
  streamTickMs?: number;
  /** How many deltas each stream view keeps for clients that resume (default 1,000). */
  streamHistory?: number;
  /** The framework APIs the web UI reads (docs/ui.md). */
  frameworkLinks?: ApiServerOptions['frameworkLinks'];
  /** For https:// framework links: the CA to trust and the client certificate to show. */
  frameworkTls?: ApiServerOptions['frameworkTls'];
  /** Where the web UI's bundle is (default dist/master/ui). */
  uiDir?: string;
  /** How often the Mesos scheduler API sends HEARTBEAT events (default 15 s). */
  mesosHeartbeatIntervalMs?: number;
  /** The URL others should use, when it differs from ws://host:port (wss://host:port with tls). */
  advertiseUrl?: string;
  /** Serve https and wss (with a client CA: only to clients with a certificate it signed). */
  tls?: ServerTls | undefined;
}

export interface RunningMaster {
  master: Master;
  api: ApiServer;
  port: number;
  /** ws://host:port of this master (wss:// with TLS). */
  url: string;
  /** http://host:port of this master (https:// with TLS). */
  httpUrl: string;
  close(): Promise<void>;
}

export async function startMaster(options: StartMasterOptions): Promise<RunningMaster> {
  const host = options.host ?? '127.0.0.1';
  const masterId = options.masterId ?? newId(`master-${hostname()}`);
  // The master keeps the heartbeat it announces: pinging at its own default instead would make
  // detection of a silent peer as slow as that default, whatever --heartbeat-interval says.
  const channel: ChannelOptions = { heartbeatIntervalMs: options.heartbeatIntervalMs ?? MASTER_DEFAULTS.heartbeatIntervalMs, ...options.channel };
  const api = new ApiServer(options.log, { channel, processMetrics: options.processMetrics ?? false, ...(options.streamTickMs ? { streamTickMs: options.streamTickMs } : {}), ...(options.streamHistory ? { streamHistory: options.streamHistory } : {}), ...(options.frameworkLinks ? { frameworkLinks: options.frameworkLinks } : {}), ...(options.uiDir ? { uiDir: options.uiDir } : {}), ...(options.mesosHeartbeatIntervalMs ? { mesosHeartbeatIntervalMs: options.mesosHeartbeatIntervalMs } : {}), tls: options.tls, frameworkTls: options.frameworkTls });
  const port = await api.listen(host, options.port ?? 5050);
  if (!options.auth) {
    options.log.warn({ component: 'master' }, 'authentication is off: anyone who reaches this master may register agents, subscribe frameworks and drain hosts; start it with --auth-file FILE (docs/security.md)');
  }
  const secure = options.tls ? 's' : '';
  const url = options.advertiseUrl ?? `ws${secure}://${host}:${port}`;
  let master: Master;
  try {
    master = new Master({ ...options, masterId, url, store: options.store, log: options.log });
  } catch (err) {
    // Invalid options: give the port back before saying so.
    await api.close();
    throw err;
  }
  api.attach(master);
  await master.start();
  return {
    master,
    api,
    port,
    url,
    httpUrl: `http${secure}://${host}:${port}`,
    async close() {
      await master.stop();
      await api.close();
    },
  };
}
