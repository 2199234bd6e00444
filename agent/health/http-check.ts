// HTTP health probe: GET http://127.0.0.1:<port><path>; a 2xx or 3xx answer is healthy.
import http from 'node:http';
import { PROBE_HOST, type HealthProbe } from './check.js';

export function httpProbe(port: number, path: string): HealthProbe {
  const target = path.startsWith('/') ? path : `/${path}`;
  return (timeoutMs) =>
    new Promise((resolve) => {
      let settled = false;
      const done = (ok: boolean, message: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        resolve({ ok, message });
      };
      // No keep-alive agent: every probe is a fresh connection, as a new client would make.
      const req = http.get({ host: PROBE_HOST, port, path: target, agent: false, headers: { 'user-agent': 'berth-health/1' } }, (res) => {
        const code = res.statusCode ?? 0;
        res.resume();
        done(code >= 200 && code < 400, `GET ${target} on port ${port} answered ${code}`);
      });
      req.on('error', (err) => done(false, `GET ${target} on port ${port} failed: ${err.message}`));
      const timer = setTimeout(() => done(false, `GET ${target} on port ${port} did not answer within ${timeoutMs} ms`), timeoutMs);
    });
}
