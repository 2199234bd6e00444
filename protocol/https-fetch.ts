// A fetch for https:// URLs that trusts a given CA and shows a client certificate (the global fetch
// cannot be told either without another package). Plain http:// goes to the global fetch.
import { request } from 'node:https';
import { Readable } from 'node:stream';
import type { ClientTls } from './tls.js';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 3;

function headersOf(raw: Record<string, string | string[] | undefined>): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(raw)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
  return h;
}

function once(url: URL, init: RequestInit | undefined, tls: ClientTls): Promise<Response> {
  return new Promise((resolve, reject) => {
    const method = init?.method ?? 'GET';
    const body = init?.body;
    if (body !== undefined && body !== null && typeof body !== 'string') {
      reject(new TypeError('this fetch sends string bodies only'));
      return;
    }
    const req = request(url, { method, headers: Object.fromEntries(new Headers(init?.headers)), ...tls, ...(init?.signal ? { signal: init.signal } : {}) }, (res) => {
      const status = res.statusCode ?? 0;
      const empty = status === 204 || status === 304 || method === 'HEAD';
      if (empty) res.resume();
      resolve(new Response(empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status, statusText: res.statusMessage ?? '', headers: headersOf(res.headers) }));
    });
    // The shape of the global fetch's failures: a TypeError whose cause is the socket's error.
    req.on('error', (err) => reject(init?.signal?.aborted ? err : Object.assign(new TypeError('fetch failed'), { cause: err })));
    req.end(body ?? undefined);
  });
}

/** The global fetch, or with tls one that uses it for https:// URLs, following redirects as fetch does. */
export function fetchWithTls(tls: ClientTls | undefined): typeof fetch {
  if (!tls) return fetch;
  const go = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    let url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    for (let hops = 0; ; hops++) {
      const res = url.protocol === 'https:' ? await once(url, init, tls) : await fetch(url, init);
      const location = res.headers.get('location');
      if (!REDIRECTS.has(res.status) || !location || hops >= MAX_REDIRECTS || url.protocol !== 'https:') return res;
      await res.body?.cancel();
      url = new URL(location, url);
    }
  };
  return go as typeof fetch;
}
