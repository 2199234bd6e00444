// TCP health probe: healthy when a connection to 127.0.0.1:<port> opens.
import net from 'node:net';
import { PROBE_HOST, type HealthProbe } from './check.js';

export function tcpProbe(port: number): HealthProbe {
  return (timeoutMs) =>
    new Promise((resolve) => {
      const socket = net.connect({ host: PROBE_HOST, port });
      let settled = false;
      const done = (ok: boolean, message: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        resolve({ ok, message });
      };
      socket.once('connect', () => done(true, `port ${port} accepted a connection`));
      socket.once('error', (err) => done(false, `connecting to port ${port} failed: ${err.message}`));
      const timer = setTimeout(() => done(false, `connecting to port ${port} took longer than ${timeoutMs} ms`), timeoutMs);
    });
}
