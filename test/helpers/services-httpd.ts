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
}

/** The page's first line: `instance <task id> tag <tag>`. */
const PAGE = /^instance (\S+) tag (\S+)/;

/** The service as a user writes it in a file (JSON): an httpd with a fast HTTP health check. */
export function httpdDocument(o: HttpdOptions): Record<string, unknown> {
  return {
    id: o.id,
    instances: o.instances,
    container: {
      image: BUSYBOX_IMAGE,
      command: 'mkdir -p /www && echo "instance $BERTH_INSTANCE_ID tag $PAGE_TAG" > /www/index.html && exec httpd -f -p 127.0.0.1:$PORT_HTTP -h /www',
      env: { PAGE_TAG: o.tag ?? 'v1' },
    },
    resources: { cpus: 0.1, memMb: 32, ports: [{ name: 'http' }] },
    constraints: o.constraints ?? [],
    healthChecks: [{
      protocol: 'HTTP',
      portName: 'http',
      path: o.healthPath ?? '/',
      delaySeconds: 0,
      intervalSeconds: 0.3,
      timeoutSeconds: 0.3,
      gracePeriodSeconds: 0,
      maxConsecutiveFailures: o.maxConsecutiveFailures ?? 3,
    }],
    upgradeStrategy: o.upgradeStrategy ?? {},
    backoff: { initialSeconds: 0.2, factor: 2, maxSeconds: 2 },
    killGracePeriodSeconds: 1,
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

/** What an instance's page says, or undefined when nothing (or something else) answers. */
export async function readPage(port: number, timeoutMs = 500): Promise<{ taskId: string; tag: string } | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(timeoutMs) });
    const m = PAGE.exec(await res.text());
    return res.ok && m ? { taskId: m[1] ?? '', tag: m[2] ?? '' } : undefined;
  } catch {
    return undefined;
  }
}
