// What one health check probe is: an attempt that succeeds or fails with a message a person reads.

export interface CheckResult {
  ok: boolean;
  /** What was found: "GET /health answered 503", "connection refused". */
  message: string;
}

/** One attempt; it must settle within timeoutMs (the scheduler does not wait longer). */
export type HealthProbe = (timeoutMs: number) => Promise<CheckResult>;

/** The only address probes go to: a task's ports are on the agent's host (host networking). */
export const PROBE_HOST = '127.0.0.1';
