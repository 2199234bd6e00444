// Docker for integration tests: find the engine (skip on a laptop without one, fail in CI),
// make sure the busybox test image exists, and remove what a test created.
import Docker from 'dockerode';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const BUSYBOX_IMAGE = 'busybox:latest';
const SOCKET = '/var/run/docker.sock';

const HOW_TO_START =
  'install and start a Docker engine: apt-get install -y docker.io busybox-static, then ' +
  'dockerd --bridge=none --iptables=false --ip-masq=false &';

/** The minimal test context the helpers need (a tap Test). */
interface TestLike {
  fail(message: string): unknown;
  plan(n: number, comment?: string): unknown;
  teardown(fn: () => unknown): unknown;
}

export function dockerClient(): Docker {
  return new Docker({ socketPath: SOCKET });
}

let answered: Promise<string | undefined> | undefined;

/** Why Docker cannot be used here, or undefined when the engine answers. */
export function dockerProblem(): Promise<string | undefined> {
  answered ??= dockerClient()
    .ping()
    .then(
      () => undefined,
      (err: Error) => `no Docker engine answers on ${SOCKET} (${err.message})`,
    );
  return answered;
}

/**
 * True when the engine answers. Otherwise the test fails when CI=true (a missing dependency is a
 * failure there) or, outside CI, is skipped with the reason, and false is returned: `if (!(await requireDocker(t))) return;`
 */
export async function requireDocker(t: TestLike): Promise<boolean> {
  const problem = await dockerProblem();
  if (!problem) return true;
  if (process.env.CI === 'true') t.fail(`${problem}; CI needs Docker: ${HOW_TO_START}`);
  // Not CI (a laptop without Docker): no assertions, with the reason (as the Redis helper does);
  // under CI=true the line above failed instead. Callers call this before any assertion.
  else t.plan(0, `${problem}; to run them, ${HOW_TO_START}`);
  return false;
}

/**
 * Builds busybox:latest FROM scratch out of the host's static busybox (Debian busybox-static)
 * when the engine does not have it; nothing is pulled.
 */
export async function ensureBusyboxImage(docker: Docker = dockerClient()): Promise<void> {
  try {
    await docker.getImage(BUSYBOX_IMAGE).inspect();
    return;
  } catch {
    // Missing: build it below.
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'berth-busybox-'));
  try {
    await copyFile('/bin/busybox', path.join(dir, 'busybox'));
    await writeFile(
      path.join(dir, 'Dockerfile'),
      'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n',
    );
    const stream = await docker.buildImage({ context: dir, src: ['Dockerfile', 'busybox'] }, { t: BUSYBOX_IMAGE, networkmode: 'host' });
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (err: Error | null, output: { error?: string }[]) => {
        const failed = err ?? output.find((o) => o.error);
        if (failed) reject(new Error(`building ${BUSYBOX_IMAGE} failed: ${err ? err.message : String((failed as { error?: string }).error)}`));
        else resolve();
      }),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Removes (forcibly) every container carrying label=value. */
export async function removeContainersLabelled(label: string, value: string, docker: Docker = dockerClient()): Promise<number> {
  const found = await docker.listContainers({ all: true, filters: { label: [`${label}=${value}`] } });
  await Promise.all(found.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  return found.length;
}

/** Registers a teardown that removes every container of this agent id. */
export function cleanUpAgentContainers(t: TestLike, agentId: string): void {
  t.teardown(() => removeContainersLabelled('berth.agent_id', agentId));
}
