// The TLS flags of the commands that start servers (--tls-cert, --tls-key, --tls-client-ca), of
// those that call them (--ca-file, env BERTH_CA_FILE) and of Redis (--redis-ca-file), read once
// with every problem naming its flag (docs/operations.md, "TLS").
import { readTlsFlags, type ClientTls, type ServerTls } from '../protocol/index.js';
import type { FlagSpec, Flags, Problems } from './flags.js';

/** A server's certificate: both flags or neither; with --tls-client-ca, clients must show a certificate. */
export const SERVER_TLS_FLAGS: Record<string, FlagSpec> = {
  'tls-cert': { type: 'string', help: 'serve https (and wss) with this certificate; also shown to a server that asks this process for a client certificate', rule: 'a PEM file, with --tls-key', placeholder: 'FILE' },
  'tls-key': { type: 'string', help: 'the private key of --tls-cert', rule: 'a PEM file, with --tls-cert', placeholder: 'FILE' },
  'tls-client-ca': { type: 'string', help: 'require client certificates signed by this CA (mutual TLS)', rule: 'a PEM file; needs --tls-cert', placeholder: 'FILE' },
};

/** The CA that signed the certificates of the berth servers this command calls. */
export const CA_FILE_FLAG: FlagSpec = { type: 'string', env: 'BERTH_CA_FILE', help: "trust the https:// and wss:// servers whose certificates this CA signed (default: the system's CAs)", rule: 'a PEM file', placeholder: 'FILE' };

/** The CA that signed Redis' certificate (rediss://). */
export const REDIS_CA_FILE_FLAG: FlagSpec = { type: 'string', help: "trust the rediss:// server whose certificate this CA signed (default: the system's CAs)", rule: 'a PEM file', placeholder: 'FILE' };

export interface TlsFlags {
  server: ServerTls | undefined;
  client: ClientTls | undefined;
  redisCa: Buffer | undefined;
}

const str = (flags: Flags, name: string): string | undefined => (typeof flags[name] === 'string' ? (flags[name] as string) : undefined);

/** Reads whichever of the TLS flags the command has; problems go to `problems`. */
export function tlsFlags(flags: Flags, problems: Problems): TlsFlags {
  const read = readTlsFlags({
    certFile: str(flags, 'tls-cert'),
    keyFile: str(flags, 'tls-key'),
    clientCaFile: str(flags, 'tls-client-ca'),
    caFile: str(flags, 'ca-file'),
    redisCaFile: str(flags, 'redis-ca-file'),
  });
  for (const p of read.problems) problems.add(p);
  return { server: read.server, client: read.client, redisCa: read.redisCa };
}
