// A busybox httpd service for the services framework's Docker tests: its page names the instance
// (BERTH_INSTANCE_ID, which the framework sets) and a tag, so a GET tells which instance of which
// version answered. Specs go through the real parser, so every default is the framework's own.
import { parseServiceDocument, type ServiceSpec } from '../../frameworks/services/index.js';
import { BUSYBOX_IMAGE } from './docker.js';

export interface HttpdOptions {
  id: string;
  instances: number;
  /** Shown on the page; a new tag is a new configuration (new instances). Default 'v1'. */
  tag?: string;
  /** The health check's path; '/missing' makes every check fail (404). Default '/'. */
  healthPath?: string;
  constraints?: { field: string; operator: string; value?: string }[];
  upgradeStrategy?: { minimumHealthCapacity?: number; maximumOverCapacity?: number };
  deploymentDeadlineSeconds?: number;
  /** Health check failures in a row before the agent kills the instance. Default 3. */
  maxConsecutiveFailures?: number;
  /** Adds a readiness check on /ready, which the instance starts answering this long after it started. */
  readyAfterSeconds?: number;
  /** The container exits at once (code 3) instead of serving: a crash loop. */
  crash?: boolean;
  /** The load balancer's port for the http port (omitted: none). */
  servicePort?: number;
  /** How long an instance is out of rotation before its kill (omitted: the framework's default). */
  shutdownDelaySeconds?: number;
  /** Adds SLOW_PATH, which answers the page this long after the request came (a request in flight for a while). */
  slowSeconds?: number;
  /**
   * The instance exits at once on SIGTERM, cutting off what it is serving (a server without a
   * graceful shutdown); by default httpd is PID 1, which ignores SIGTERM until the SIGKILL.
   */
  exitOnTerm?: boolean;
}

/** The path of the slow page (`slowSeconds`). */
export const SLOW_PATH = '/cgi-bin/slow';

/** The page's first line: `instance <task id> tag <tag>`. */
const PAGE = /^instance (\S+) tag (\S+)/;

/** The service as a user writes it in a file (JSON): an httpd with a fast HTTP health check. */
export function httpdDocument(o: HttpdOptions): Record<string, unknown> {
  const page = 'mkdir -p /www && echo "instance $BERTH_INSTANCE_ID tag $PAGE_TAG" > /www/index.html';
  // `a && b & c` would put all of `a && b` in the background: the page is written first, then
  // only the readiness marker waits in the background.
  const ready = o.readyAfterSeconds === undefined ? '' : `(sleep ${o.readyAfterSeconds}; echo ready > /www/ready) & `;
  // A CGI script: it says nothing until its sleep is over, so a request cut off in flight fails.
  const slow = o.slowSeconds === undefined
    ? ''
    : `mkdir -p /www/cgi-bin && printf '#!/bin/sh\nsleep ${o.slowSeconds}\nprintf "Content-Type: text/plain\\r\\n\\r\\n"\ncat /www/index.html\n' > /www${SLOW_PATH} && chmod +x /www${SLOW_PATH} || exit 1; `;
  const httpd = 'httpd -f -p 127.0.0.1:$PORT_HTTP -h /www';
  // The shell is PID 1 then: it exits on TERM, and the kernel kills httpd and its CGI children with it.
  const serve = o.exitOnTerm ? `trap 'exit 143' TERM; ${httpd} & wait` : `exec ${httpd}`;
  return {
    id: o.id,
    instances: o.instances,
    container: {
      image: BUSYBOX_IMAGE,
      command: o.crash ? 'echo "instance $BERTH_INSTANCE_ID crashes"; exit 3' : `${page} || exit 1; ${slow}${ready}${serve}`,
      env: { PAGE_TAG: o.tag ?? 'v1' },
    },
    resources: { cpus: 0.1, memMb: 32, ports: [{ name: 'http', ...(o.servicePort === undefined ? {} : { servicePort: o.servicePort }) }] },
    constraints: o.constraints ?? [],
    healthChecks: [{
      protocol: 'HTTP',
      portName: 'http',
      path: o.healthPath ?? '/',
      delaySeconds: 0,
      intervalSeconds: 0.3,
      timeoutSeconds: 0.3,
      // A loaded machine may take a while to start a container: early failures do not count.
      gracePeriodSeconds: 10,
      maxConsecutiveFailures: o.maxConsecutiveFailures ?? 3,
    }],
    ...(o.readyAfterSeconds === undefined ? {} : { readinessCheck: { portName: 'http', path: '/ready', intervalSeconds: 0.3 } }),
    upgradeStrategy: o.upgradeStrategy ?? {},
    backoff: { initialSeconds: 0.2, factor: 2, maxSeconds: 2 },
    killGracePeriodSeconds: 1,
    ...(o.shutdownDelaySeconds === undefined ? {} : { shutdownDelaySeconds: o.shutdownDelaySeconds }),
    deploymentDeadlineSeconds: o.deploymentDeadlineSeconds ?? 90,
  };
}

/** The spec of httpdDocument(o), every default filled; throws if the parser refuses it. */
export function httpdSpec(o: HttpdOptions): ServiceSpec {
  const parsed = parseServiceDocument(httpdDocument(o));
  if (!parsed.ok) throw new Error(`httpdSpec(${o.id}) refused: ${parsed.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  const [spec] = parsed.services;
  if (!spec) throw new Error(`httpdSpec(${o.id}): the parser returned no service`);
  return spec;
}

/** What one GET found: the page (when it names an instance), or why not. */
export type PageResult = { ok: true; taskId: string; tag: string } | { ok: false; why: string };

/** GETs `path` on 127.0.0.1:port: the page's instance and tag, or why there is none. */
export async function getPage(port: number, path = '/', timeoutMs = 1_000): Promise<PageResult> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    if (!res.ok) return { ok: false, why: `${path} answered ${res.status}` };
    const m = PAGE.exec(text);
    return m ? { ok: true, taskId: m[1] ?? '', tag: m[2] ?? '' } : { ok: true, taskId: '', tag: '' };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    return { ok: false, why: `${path}: ${e.cause?.code ?? e.name}` };
  }
}

/** What an instance's page says, or undefined when nothing (or something else) answers. */
export async function readPage(port: number, timeoutMs = 1_000): Promise<{ taskId: string; tag: string } | undefined> {
  const r = await getPage(port, '/', timeoutMs);
  return r.ok && r.taskId !== '' ? { taskId: r.taskId, tag: r.tag } : undefined;
}
