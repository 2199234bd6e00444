// The DNS server's options: checked once, every problem naming its field, and compiled with the
// defaults filled in, so the rest of the server reads required fields only.
import type { Logger } from 'pino';
import { BerthError, ErrorCode, type ClientTls } from '../../../protocol/index.js';

/** What the server logs through: a pino logger, or anything with these four. */
export type DnsLog = Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;

export interface DnsServerOptions {
  /** The services framework's HTTP API, like http://127.0.0.1:5070; its stream is followed. */
  servicesUrl: string;
  /** Where UDP and TCP listen (default 127.0.0.1). */
  host?: string;
  /** UDP and TCP port (default 8600; 0 picks a port free for both). */
  port?: number;
  /** The zone served (default services.berth). */
  domain?: string;
  /** The TTL of every record, and of negative answers (default 5 s). */
  ttlSeconds?: number;
  log?: DnsLog;
  /** TCP connections idle this long are closed (default 10 s). */
  tcpIdleTimeoutMs?: number;
  /** The token the endpoints stream is read with (a principal allowed services.read), when the services API requires one. */
  servicesToken?: string;
  /** For an https:// services API: the CA to trust and the client certificate to show. */
  tls?: ClientTls | undefined;
}

export type CompiledDnsOptions = Required<Omit<DnsServerOptions, 'servicesToken' | 'tls'>> & { servicesToken: string | undefined } & Pick<DnsServerOptions, 'tls'>;

export const DNS_DEFAULTS = { host: '127.0.0.1', port: 8600, domain: 'services.berth', ttlSeconds: 5, tcpIdleTimeoutMs: 10_000 } as const;

export interface DnsOptionProblem {
  field: string;
  rule: string;
  got: string;
}

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const shown = (v: unknown): string => (typeof v === 'number' ? String(v) : JSON.stringify(v) ?? 'undefined');
const silent: DnsLog = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

/** A domain of lower-case DNS labels joined by dots, at most 200 characters (names go under it). */
export function domainProblem(domain: string): string | undefined {
  const d = domain.replace(/\.$/, '');
  if (d.length === 0 || d.length > 200 || !d.split('.').every((l) => LABEL.test(l))) {
    return 'must be lower-case DNS labels (a-z, 0-9, "-") joined by dots, like services.berth, at most 200 characters';
  }
  return undefined;
}

/** Every problem with the given options; servicesUrl is checked only when given (the CLI checks its own flag). */
export function dnsOptionProblems(options: Partial<DnsServerOptions>): DnsOptionProblem[] {
  const problems: DnsOptionProblem[] = [];
  const problem = (field: string, rule: string, got: unknown): void => void problems.push({ field, rule, got: shown(got) });
  const o = options as Record<string, unknown>;
  if (o.servicesUrl !== undefined) {
    let ok = false;
    try {
      ok = typeof o.servicesUrl === 'string' && ['http:', 'https:', 'ws:', 'wss:'].includes(new URL(o.servicesUrl).protocol);
    } catch {
      ok = false;
    }
    if (!ok) problem('servicesUrl', 'must be an http:// or https:// URL like http://127.0.0.1:5070', o.servicesUrl);
  }
  if (o.host !== undefined && (typeof o.host !== 'string' || o.host.trim() === '')) problem('host', 'must be an address to listen on, like 127.0.0.1', o.host);
  if (o.port !== undefined && !(typeof o.port === 'number' && Number.isInteger(o.port) && o.port >= 0 && o.port <= 65_535)) problem('port', 'must be a whole number from 0 to 65535 (0 picks a free one)', o.port);
  if (o.domain !== undefined) {
    const why = typeof o.domain === 'string' ? domainProblem(o.domain) : 'must be a string';
    if (why) problem('domain', why, o.domain);
  }
  if (o.ttlSeconds !== undefined && !(typeof o.ttlSeconds === 'number' && Number.isInteger(o.ttlSeconds) && o.ttlSeconds >= 0 && o.ttlSeconds <= 86_400)) problem('ttlSeconds', 'must be a whole number of seconds from 0 to 86400', o.ttlSeconds);
  if (o.tcpIdleTimeoutMs !== undefined && !(typeof o.tcpIdleTimeoutMs === 'number' && o.tcpIdleTimeoutMs > 0)) problem('tcpIdleTimeoutMs', 'must be a number of ms > 0', o.tcpIdleTimeoutMs);
  if (o.log !== undefined && typeof (o.log as Partial<DnsLog>)?.warn !== 'function') problem('log', 'must be a logger with info, warn, error and debug (pino fits)', typeof o.log);
  return problems;
}

/** Fills in the defaults; throws one BerthError (INVALID_CALL) listing every problem. */
export function compileDnsOptions(options: DnsServerOptions): CompiledDnsOptions {
  const problems = [
    ...((options as Partial<DnsServerOptions>).servicesUrl === undefined ? [{ field: 'servicesUrl', rule: 'must be an http:// or https:// URL like http://127.0.0.1:5070', got: 'undefined' }] : []),
    ...dnsOptionProblems(options),
  ];
  if (problems.length > 0) {
    throw new BerthError(ErrorCode.INVALID_CALL, `invalid DNS server options: ${problems.map((p) => `${p.field} ${p.rule}, got ${p.got}`).join('; ')}`, { field: problems.map((p) => p.field).join(',') });
  }
  return {
    servicesUrl: options.servicesUrl.replace(/\/+$/, ''),
    host: options.host ?? DNS_DEFAULTS.host,
    port: options.port ?? DNS_DEFAULTS.port,
    domain: (options.domain ?? DNS_DEFAULTS.domain).replace(/\.$/, ''),
    ttlSeconds: options.ttlSeconds ?? DNS_DEFAULTS.ttlSeconds,
    tcpIdleTimeoutMs: options.tcpIdleTimeoutMs ?? DNS_DEFAULTS.tcpIdleTimeoutMs,
    log: options.log ?? silent,
    servicesToken: options.servicesToken,
    tls: options.tls,
  };
}
