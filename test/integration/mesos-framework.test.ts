// An unmodified Mesos framework library (mesos-framework, a real Mesos v1 HTTP scheduler client)
// against a real berth master with a process agent and a Docker agent: offers, a task in Docker
// and command tasks, TASK_RUNNING and TASK_FINISHED, a kill, and a restart of the scheduler with
// its framework id that keeps its tasks.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Mesos, Scheduler, type MesosTaskOptions } from 'mesos-framework';
import t, { type Test } from 'tap';
import { testAgent } from '../helpers/cluster.js';
import { BUSYBOX_IMAGE, ensureBusyboxImage, requireDocker } from '../helpers/docker.js';
import { getState, testMaster } from '../helpers/master.js';
import { until, untilPicked } from '../helpers/poll.js';

interface Update { status: { task_id: { value: string }; state: string; reason?: string; agent_id?: { value: string } } }

/** A mesos-framework scheduler whose updates and errors are recorded. */
class Recorded {
  readonly updates: Update[] = [];
  readonly errors: string[] = [];
  frameworkId = '';
  constructor(readonly scheduler: Scheduler) {
    scheduler.on('update', (u: Update) => this.updates.push(u));
    // The library emits 'error' for every refused call; without a listener an EventEmitter throws.
    scheduler.on('error', (e: unknown) => this.errors.push(typeof e === 'string' ? e : JSON.stringify(e)));
    scheduler.on('subscribed', (s: { frameworkId: string }) => (this.frameworkId = s.frameworkId));
    scheduler.on('ready', () => scheduler.subscribe());
  }

  /** The id of the task launched from a task definition (mesos-framework names them NAME-1). */
  taskId(name: string): Promise<string> {
    return until(`${name} launched`, () => this.scheduler.launchedTasks.find((x) => x.taskId.includes(`.${name}-1.`))?.taskId);
  }

  state(taskId: string, state: string, from = 0): Promise<Update['status']> {
    return untilPicked(`${taskId} ${state}`, this.updates, (u) => (u.status.task_id.value === taskId && u.status.state === state ? u.status : undefined), from, 60_000);
  }

  /** Stops the scheduler as a crash would: its subscription connection drops, nothing is torn down. */
  crash(): void {
    this.scheduler.subscribe = () => undefined;
    this.scheduler.httpRequest.destroy();
  }
}

async function scheduler(t: Test, port: number, tasks: Record<string, MesosTaskOptions>, frameworkId?: string): Promise<Recorded> {
  const logs = await mkdtemp(join(tmpdir(), 'berth-mesos-framework-'));
  t.teardown(() => rm(logs, { recursive: true, force: true }));
  const s = new Scheduler({
    masterUrl: '127.0.0.1',
    port,
    frameworkName: 'berth-mesos-test',
    // Four weeks, as Mesos advises production frameworks (longer than one setTimeout can wait).
    frameworkFailoverTimeout: 2_419_200,
    // The library gives up on a silent stream after this many seconds; the master heartbeats more often.
    masterConnectionTimeout: 30,
    restartStates: [],
    logging: { path: logs, fileName: 'scheduler.log', level: 'error' },
    tasks,
  });
  if (frameworkId) s.frameworkId = frameworkId;
  const recorded = new Recorded(s);
  t.teardown(() => recorded.crash());
  await until('the scheduler subscribed', () => recorded.frameworkId !== '');
  return recorded;
}

const M = Mesos.getMesos() as unknown as {
  CommandInfo: new (...args: unknown[]) => unknown;
  ContainerInfo: (new (...args: unknown[]) => unknown) & { Type: { DOCKER: number }; DockerInfo: (new (...args: unknown[]) => unknown) & { Network: { HOST: number } } };
};
const shell = (command: string): unknown => new M.CommandInfo(null, null, true, command, null, null);
const docker = (): unknown => new M.ContainerInfo(M.ContainerInfo.Type.DOCKER, null, null, new M.ContainerInfo.DockerInfo(BUSYBOX_IMAGE, M.ContainerInfo.DockerInfo.Network.HOST, null, false, null, false, null));

t.test('mesos-framework runs Docker and command tasks on berth, kills one, and fails over keeping its tasks', async (t) => {
  if (!(await requireDocker(t))) return;
  await ensureBusyboxImage();
  const master = await testMaster(t, { mesosHeartbeatIntervalMs: 1_000 });
  // The process agent is too small for the Docker task, so the command tasks land on it first and
  // the Docker task waits for the Docker agent.
  const processAgent = await testAgent(t, master.url, 'process', { hostname: '127.0.0.1', memMb: 256, ports: [31100, 31109] });
  const first = await scheduler(t, master.port, {
    inDocker: { priority: 1, commandInfo: shell('echo from docker'), containerInfo: docker(), resources: { cpus: 0.1, mem: 512, disk: 0, ports: 0 } },
    echo: { priority: 2, commandInfo: shell('echo from a command'), resources: { cpus: 0.1, mem: 32, disk: 0, ports: 0 } },
    sleeper: { priority: 3, commandInfo: shell('sleep 300'), resources: { cpus: 0.1, mem: 32, disk: 0, ports: 0 } },
  });
  const echo = await first.taskId('echo');
  const sleeper = await first.taskId('sleeper');
  await first.state(echo, 'TASK_RUNNING');
  await first.state(echo, 'TASK_FINISHED');
  const running = await first.state(sleeper, 'TASK_RUNNING');
  t.equal(running.agent_id?.value, processAgent.agentId, 'the command tasks run on the process agent');

  const dockerAgent = await testAgent(t, master.url, 'docker', { hostname: '127.0.0.1', ports: [31200, 31209] });
  const inDocker = await first.taskId('inDocker');
  await first.state(inDocker, 'TASK_RUNNING');
  const finished = await first.state(inDocker, 'TASK_FINISHED');
  t.equal(finished.agent_id?.value, dockerAgent.agentId, 'the Docker task ran on the Docker agent');

  let state = await getState(master.httpUrl);
  const fw = state.frameworks.find((f) => f.id === first.frameworkId);
  t.equal(fw?.name, 'berth-mesos-test', 'the Mesos framework is in the state like any other');
  t.equal(state.tasks.find((x) => x.id === sleeper)?.frameworkId, first.frameworkId, 'with its running task');

  // A crash and a restart with the framework id, within the failover timeout, keep the task.
  first.crash();
  await until('the master sees the framework disconnected', async () => (await getState(master.httpUrl)).frameworks.find((f) => f.id === first.frameworkId)?.connected === false);
  const second = await scheduler(t, master.port, {}, first.frameworkId);
  t.equal(second.frameworkId, first.frameworkId, 'the restarted scheduler has its framework id back');
  second.scheduler.reconcile();
  const reconciled = await second.state(sleeper, 'TASK_RUNNING');
  t.equal(reconciled.reason, 'REASON_RECONCILIATION', 'reconciliation reports the task still running');
  state = await getState(master.httpUrl);
  t.equal(state.tasks.find((x) => x.id === sleeper)?.state, 'RUNNING', 'the task survived the failover');

  second.scheduler.kill(sleeper, processAgent.agentId ?? '');
  const killed = await second.state(sleeper, 'TASK_KILLED');
  t.equal(killed.task_id.value, sleeper, 'a kill gives TASK_KILLED');
  t.same([...first.errors, ...second.errors].filter((e) => !e.includes('Long-running connection was closed')), [], 'no call was refused');
});
