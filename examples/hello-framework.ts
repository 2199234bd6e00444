// A complete custom framework on the berth SDK's task queue: it runs N copies of a command and
// exits 0 when all of them FINISHED (1 if any ended otherwise). Copy it to start your own.
//   node dist/examples/hello-framework.js --master ws://127.0.0.1:5050 --tasks 5 --cmd 'echo hi'
// With authentication on it sends --token, or BERTH_TOKEN (berth dev prints one).
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ContainerType, SchedulerClient, TaskQueue, stateName } from '../frameworks/sdk/index.js';

const flag = (fallback: string) => ({ type: 'string', default: fallback }) as const;
const { values: f } = parseArgs({ options: { master: flag('ws://127.0.0.1:5050'), tasks: flag('5'), cmd: flag('echo hi'), image: flag('busybox:latest'), cpus: flag('0.1'), mem: flag('32'), token: { type: 'string' } } });
const token = f.token ?? process.env.BERTH_TOKEN;
const [total, cpus, memMb] = [Number(f.tasks), Number(f.cpus), Number(f.mem)];
if (!Number.isInteger(total) || total < 1 || !(cpus > 0) || !(memMb > 0)) {
  console.error('hello: --tasks must be a whole number >= 1, --cpus and --mem numbers > 0');
  process.exit(2);
}

// With a failover timeout the master keeps our tasks while we reconnect (to it, or to a new leader).
const client = new SchedulerClient({ masterUrl: f.master, framework: { name: 'hello', failoverTimeoutMs: 60_000 }, maxReconnectAttempts: 30, ...(token ? { token } : {}) });
const queue = new TaskQueue(client);
const run = randomUUID().slice(0, 8); // task ids must not collide with those of an earlier run
for (let i = 1; i <= total; i++) {
  queue.add({ id: `hello-${run}-${i}`, resources: { cpus, memMb }, command: { value: f.cmd, shell: true }, container: { type: ContainerType.DOCKER, image: f.image } });
}
// Ctrl-C tears the framework down (its tasks are killed); the loop below then ends.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void client.teardown().then(() => client.close(), () => client.close()));

for await (const e of queue.run({ stopWhenDrained: true })) {
  if (e.type === 'subscribed') console.log(`subscribed as ${e.frameworkId}`);
  if (e.type === 'task') console.log(`${e.status.taskId} ${stateName(e.status.state)} on ${e.status.agentId}${e.status.message ? ` (${e.status.message})` : ''}`);
  if (e.type === 'requeued') console.log(`${e.task.id} queued again: ${e.reason}`);
  if (e.type === 'disconnected') console.error(`disconnected (${e.code}) ${e.reason}`);
}
const { finished } = queue.counts;
console.log(`${finished} of ${total} tasks finished`);
await client.teardown().catch(() => undefined);
await client.close();
process.exit(finished === total ? 0 : 1);
