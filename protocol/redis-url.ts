// The URL of a Redis store, for the master's and every framework's: one server (redis://, rediss://
// for TLS, with ACL user and password in the URL) or the primary that Redis Sentinel names
// (redis-sentinel://, rediss-sentinel://). Parsing only; each store opens its own connection.
import { BerthError, ErrorCode } from './errors.js';

/** Where the data lives, as parsed from the store's URL. */
export type RedisTarget =
  | { kind: 'server'; url: string }
  | {
      kind: 'sentinel';
      /** The name the sentinels monitor the primary under (`sentinel monitor NAME ...`). */
      masterName: string;
      sentinels: { host: string; port: number }[];
      /** ACL user and password of the data nodes (the sentinels are asked without them). */
      username: string | undefined;
      password: string | undefined;
      tls: boolean;
    };

export const SENTINEL_URL_RULE = 'redis-sentinel://[user[:password]@]host:port[,host:port...]/MASTER-NAME (rediss-sentinel:// for TLS)';

/** Reads a store URL; throws BAD_REQUEST naming the rule when it is neither form. */
export function parseRedisTarget(url: string): RedisTarget {
  const m = /^(rediss?)-sentinel:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/@]+)\/([^/?#]+)\/?$/.exec(url);
  if (!m) {
    if (/^rediss?:\/\//.test(url)) return { kind: 'server', url };
    throw new BerthError(ErrorCode.BAD_REQUEST, `url must be redis://, rediss:// or ${SENTINEL_URL_RULE}`, { field: 'url' });
  }
  const [, scheme, user, password, hosts, name] = m as unknown as [string, string, string | undefined, string | undefined, string, string];
  const sentinels = hosts.split(',').map((hostPort) => {
    const hp = /^([^:,]+):(\d{1,5})$/.exec(hostPort);
    const port = Number(hp?.[2]);
    if (!hp || !(port >= 1 && port <= 65535)) {
      throw new BerthError(ErrorCode.BAD_REQUEST, `url: sentinel "${hostPort}" must be host:port with a port 1-65535 (${SENTINEL_URL_RULE})`, { field: 'url' });
    }
    return { host: hp[1] as string, port };
  });
  return {
    kind: 'sentinel',
    masterName: decodeURIComponent(name),
    sentinels,
    username: user ? decodeURIComponent(user) : undefined,
    password: password === undefined ? undefined : decodeURIComponent(password),
    tls: scheme === 'rediss',
  };
}

/** The URL with its credentials hidden, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

/**
 * What is wrong with a --redis flag's value, as one line naming the flag and the rule, or
 * undefined when it is a server or sentinel URL.
 */
export function redisUrlProblem(flag: string, url: string): string | undefined {
  try {
    parseRedisTarget(url);
    return undefined;
  } catch (err) {
    const detail = (err as Error).message.startsWith('url: ') ? ` (${(err as Error).message.slice(5)})` : '';
    return `${flag} must be a redis:// or rediss:// URL like redis://127.0.0.1:6379, or ${SENTINEL_URL_RULE}, got '${redactUrl(url)}'${detail}`;
  }
}
