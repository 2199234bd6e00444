// The agent's Prometheus metrics (tasks by state, launches, status updates sent and acknowledged,
// usage reports, health check results), read from its parts at scrape time, and the optional
// HTTP listener that serves them at GET /metrics (AgentOptions.metricsPort).
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { Counter, Gauge, Registry } from 'prom-client';
import { createHttpServer, httpScheme, stateName, type ServerTls } from '../protocol/index.js';
import type { StatusUpdateManager } from './status-update-manager.js';
import type { TaskRunner } from './task-runner.js';
import type { UsageReporter } from './usage-reporter.js';

/** The parts of an agent the metrics read. */
export interface AgentMetricsSource {
  runner: Pick<TaskRunner, 'views' | 'counts'>;
  updates: Pick<StatusUpdateManager, 'sent' | 'acknowledged' | 'size'>;
  usage: Pick<UsageReporter, 'sent'>;
  registered(): boolean;
}

export interface AgentMetricsListen {
  /** undefined: no listener; 0: a free port. */
  port?: number | undefined;
  /** Default 127.0.0.1. */
  host?: string | undefined;
  /** Serve https with this certificate. */
  tls?: ServerTls | undefined;
}

export function agentRegistry(source: AgentMetricsSource): Registry {
  const registry = new Registry();
  const counter = (name: string, help: string, read: () => number): void => {
    new Counter({ name, help, registers: [registry], collect() { this.reset(); this.inc(read()); } });
  };
  const counts = source.runner.counts;
  counter('berth_agent_task_launches_total', 'Tasks whose container or process the runtime started.', () => counts.launched);
  counter('berth_agent_task_launch_failures_total', 'Tasks the runtime could not start (they end FAILED or ERROR).', () => counts.launchFailures);
  counter('berth_agent_status_updates_sent_total', 'Status updates sent to the master, re-sends included.', () => source.updates.sent);
  counter('berth_agent_status_updates_acknowledged_total', 'Status updates the master acknowledged.', () => source.updates.acknowledged);
  counter('berth_agent_usage_reports_total', 'Usage reports sent to the master.', () => source.usage.sent);
  new Counter({
    name: 'berth_agent_health_checks_total',
    help: 'Health check results of tasks, by result.',
    labelNames: ['result'],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ result: 'passed' }, counts.healthChecksPassed);
      this.inc({ result: 'failed' }, counts.healthChecksFailed);
    },
  });
  new Gauge({
    name: 'berth_agent_tasks',
    help: 'Tasks this agent runs or reports, by state.',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.reset();
      const byState = new Map<string, number>();
      for (const t of source.runner.views()) byState.set(stateName(t.state), (byState.get(stateName(t.state)) ?? 0) + 1);
      for (const [state, n] of byState) this.set({ state }, n);
    },
  });
  new Gauge({ name: 'berth_agent_status_updates_pending', help: 'Status updates not yet acknowledged by the master.', registers: [registry], collect() { this.set(source.updates.size); } });
  new Gauge({ name: 'berth_agent_registered', help: '1 while registered with a master.', registers: [registry], collect() { this.set(source.registered() ? 1 : 0); } });
  return registry;
}

export class AgentMetrics {
  readonly registry: Registry;
  #listen: AgentMetricsListen;
  #log: Logger;
  #server: Promise<Server> | undefined;

  constructor(source: AgentMetricsSource, listen: AgentMetricsListen, log: Logger) {
    this.registry = agentRegistry(source);
    this.#listen = listen;
    this.#log = log;
  }

  /** Starts the listener when a port is configured; url() tells how it went. */
  listen(): void {
    if (this.#listen.port === undefined || this.#server) return;
    const server = createHttpServer(this.#listen.tls, (req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: 'NOT_FOUND', message: 'the agent serves only GET /metrics' }));
        return;
      }
      this.registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(body),
        (err: unknown) => {
          this.#log.error({ err }, 'metrics scrape failed');
          res.writeHead(500).end();
        },
      );
    });
    this.#server = new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#listen.port, this.#listen.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve(server);
      });
    });
    this.#server.catch((err: unknown) => this.#log.error({ err, port: this.#listen.port }, 'agent metrics listener failed'));
  }

  /** http(s)://host:port/metrics once listening; undefined without a port; rejects if listening failed. */
  async url(): Promise<string | undefined> {
    if (!this.#server) return undefined;
    const address = (await this.#server).address();
    if (typeof address !== 'object' || !address) return undefined;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `${httpScheme(this.#listen.tls)}://${host}:${address.port}/metrics`;
  }

  async close(): Promise<void> {
    const server = await this.#server?.catch(() => undefined);
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
