// TLS for berth's endpoints and their clients: certificate files read and checked once (each problem
// naming its flag), one way to create an http or https server from them, and the messages that turn
// a certificate failure into what to do about it.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createPlainServer, type RequestListener, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';

/** A server's certificate and key (PEM); with clientCa, clients must show a certificate it signed. */
export interface ServerTls {
  cert: Buffer;
  key: Buffer;
  clientCa?: Buffer;
}

/** What a client trusts (ca, in place of the system's CAs) and the certificate it shows (mutual TLS). */
export interface ClientTls {
  ca?: string | Buffer | undefined;
  cert?: string | Buffer | undefined;
  key?: string | Buffer | undefined;
}

/** The files named by a server's flags (--tls-cert, --tls-key, --tls-client-ca). */
export interface ServerTlsFiles {
  certFile?: string | undefined;
  keyFile?: string | undefined;
  clientCaFile?: string | undefined;
}

/** The files named by a client's flags (--ca-file, and --tls-cert, --tls-key for a client certificate). */
export interface ClientTlsFiles {
  caFile?: string | undefined;
  certFile?: string | undefined;
  keyFile?: string | undefined;
}

/** The flag each file came from, for the messages. */
export interface TlsFlagNames {
  cert: string;
  key: string;
  ca: string;
}

export const SERVER_TLS_FLAGS: TlsFlagNames = { cert: '--tls-cert', key: '--tls-key', ca: '--tls-client-ca' };
export const CLIENT_TLS_FLAGS: TlsFlagNames = { cert: '--tls-cert', key: '--tls-key', ca: '--ca-file' };

type Read = { value?: Buffer; problem?: string };

function readPem(file: string, flag: string, check: (pem: Buffer) => void, what: string): Read {
  let pem: Buffer;
  try {
    pem = readFileSync(file);
  } catch (err) {
    return { problem: `${flag} ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
  }
  try {
    check(pem);
  } catch (err) {
    return { problem: `${flag} ${file}: must be ${what} in PEM form (${(err as Error).message})` };
  }
  return { value: pem };
}

const certificate = (pem: Buffer): void => void new X509Certificate(pem);
const privateKey = (pem: Buffer): void => void createPrivateKey(pem);

/** Reads a certificate and its key, given both or neither; problems name the flags. */
function readPair(certFile: string | undefined, keyFile: string | undefined, flags: TlsFlagNames, problems: string[]): { cert: Buffer; key: Buffer } | undefined {
  if ((certFile === undefined) !== (keyFile === undefined)) {
    problems.push(`${flags.cert} and ${flags.key} go together: give both (a certificate and its private key) or neither`);
    return undefined;
  }
  if (certFile === undefined || keyFile === undefined) return undefined;
  const cert = readPem(certFile, flags.cert, certificate, 'an X.509 certificate');
  const key = readPem(keyFile, flags.key, privateKey, 'a private key');
  if (cert.problem) problems.push(cert.problem);
  if (key.problem) problems.push(key.problem);
  if (!cert.value || !key.value) return undefined;
  if (!new X509Certificate(cert.value).checkPrivateKey(createPrivateKey(key.value))) {
    problems.push(`${flags.key} ${keyFile}: is not the private key of the certificate in ${flags.cert} ${certFile}`);
    return undefined;
  }
  return { cert: cert.value, key: key.value };
}

function readCa(file: string | undefined, flag: string, problems: string[]): Buffer | undefined {
  if (file === undefined) return undefined;
  const ca = readPem(file, flag, certificate, 'a CA certificate');
  if (ca.problem) problems.push(ca.problem);
  return ca.value;
}

/** A server's TLS from its flags' files: undefined (plain HTTP) when none is given. Never throws. */
export function readServerTls(files: ServerTlsFiles, flags: TlsFlagNames = SERVER_TLS_FLAGS): { tls?: ServerTls; problems: string[] } {
  const problems: string[] = [];
  const pair = readPair(files.certFile, files.keyFile, flags, problems);
  const clientCa = readCa(files.clientCaFile, flags.ca, problems);
  if (files.clientCaFile !== undefined && files.certFile === undefined) problems.push(`${flags.ca} needs ${flags.cert} and ${flags.key}: a server asks for client certificates only over TLS`);
  if (problems.length > 0 || !pair) return { problems };
  return { tls: { ...pair, ...(clientCa ? { clientCa } : {}) }, problems };
}

/** A client's TLS from its flags' files: undefined (the system's CAs, no client certificate) when none is given. */
export function readClientTls(files: ClientTlsFiles, flags: TlsFlagNames = CLIENT_TLS_FLAGS): { tls?: ClientTls; problems: string[] } {
  const problems: string[] = [];
  const pair = readPair(files.certFile, files.keyFile, flags, problems);
  const ca = readCa(files.caFile, flags.ca, problems);
  if (problems.length > 0 || (!pair && !ca)) return { problems };
  return { tls: { ...(ca ? { ca } : {}), ...(pair ?? {}) }, problems };
}

/** The TLS files a berth process is given by its flags (each optional). */
export interface TlsFlagFiles extends ServerTlsFiles {
  /** --ca-file: the CA that signed the servers this process calls. */
  caFile?: string | undefined;
  /** --redis-ca-file: the CA that signed Redis' certificate (rediss://). */
  redisCaFile?: string | undefined;
}

/**
 * Everything a process's TLS flags ask for, read once: the server side (--tls-cert, --tls-key,
 * --tls-client-ca), the client side (--ca-file, showing the same certificate when a server asks
 * for one) and the Redis CA. Never throws; each problem names its flag.
 */
export function readTlsFlags(files: TlsFlagFiles): { server?: ServerTls; client?: ClientTls; redisCa?: Buffer; problems: string[] } {
  const server = readServerTls(files);
  const problems = [...server.problems];
  const ca = readCa(files.caFile, CLIENT_TLS_FLAGS.ca, problems);
  const redisCa = readCa(files.redisCaFile, '--redis-ca-file', problems);
  const pair = server.tls ? { cert: server.tls.cert, key: server.tls.key } : undefined;
  const client = ca || pair ? { ...(ca ? { ca } : {}), ...pair } : undefined;
  return { ...(server.tls ? { server: server.tls } : {}), ...(client ? { client } : {}), ...(redisCa ? { redisCa } : {}), problems };
}

/**
 * An HTTP server, or an HTTPS one when tls is given. With a client CA, a client without a
 * certificate it signed is refused during the TLS handshake, before any request is read.
 */
export function createHttpServer(tls: ServerTls | undefined, listener?: RequestListener): Server {
  if (!tls) return createPlainServer(listener);
  const mutual = tls.clientCa ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {};
  return createTlsServer({ cert: tls.cert, key: tls.key, ...mutual }, listener);
}

/** The scheme a server of this TLS serves, for the URLs it prints. */
export const httpScheme = (tls: ServerTls | undefined): 'http' | 'https' => (tls ? 'https' : 'http');

const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
]);

/** How a client is given a CA ("--ca-file FILE") and a certificate, for the messages of tlsAdvice. */
export interface TlsHints {
  caHint: string;
  certHint: string;
}

/** What to do about a TLS failure reaching url, or undefined when err is not one. */
export function tlsAdvice(err: unknown, url: string, hints: TlsHints): string | undefined {
  const e = err as (Error & { code?: string; cause?: unknown }) | undefined;
  if (!e || typeof e !== 'object') return undefined;
  const code = e.code ?? '';
  const message = e.message ?? '';
  if (UNTRUSTED.has(code)) return `the certificate of ${url} is not signed by a CA this client trusts (${code}): give that CA with ${hints.caHint}`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `the certificate of ${url} is not for that host name (${message}): use the name the certificate was made for, or make one with it in subjectAltName`;
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return `the certificate of ${url} is out of its validity period (${code}): renew it`;
  if (/certificate required|alert handshake failure|alert bad certificate|unknown ca/i.test(message)) {
    // OpenSSL's text names its source file and ends in a newline; the alert is what matters.
    const alert = /\b(?:tlsv1\d?|sslv3) alert [a-z ]*[a-z]/i.exec(message)?.[0] ?? message.trim();
    return `${url} refused this client's certificate or asks for one (${alert}): give a certificate signed by the CA it trusts with ${hints.certHint}`;
  }
  if (/wrong version number|packet length too long|http request/i.test(message)) return `${url} does not speak TLS (${message}): use http:// or ws:// for it`;
  if (/^(http|ws):/.test(url) && (code === 'ECONNRESET' || /socket hang up/i.test(message))) {
    return `${url} closed the connection (${message}): if it serves TLS, use https:// or wss://`;
  }
  return e.cause ? tlsAdvice(e.cause, url, hints) : undefined;
}
