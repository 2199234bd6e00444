// A complete custom framework on the berth SDK: it runs N copies of a command and exits 0 when
// all of them FINISHED (1 if any ended otherwise). Copy it to start your own.
//   node dist/examples/hello-framework.js --master ws://127.0.0.1:5050 --tasks 5 --cmd 'echo hi'
import { parseArgs } from 'node:util';
import { ContainerType, SchedulerClient, isTerminal, pack, stateName, type TaskInfo } from '../frameworks/sdk/index.js';

const { values: flags } = parseArgs({
  options: {
    master: { type: 'string', default: 'ws://127.0.0.1:5050' },
    tasks: { type: 'string', default: '5' },
    cmd: { type: 'string', default: 'echo hi' },
    image: { type: 'string', default: 'busybox:latest' },
    cpus: { type: 'string', default: '0.1' },
    mem: { type: 'string', default: '32' },
  },
});
const total = Number(flags.tasks);
const shape = { cpus: Number(flags.cpus), memMb: Number(flags.mem) };
if (!Number.isInteger(total) || total < 1 || !(shape.cpus > 0) || !(shape.memMb > 0)) {
  console.error('hello: --tasks must be a whole number >= 1, --cpus and --mem numbers > 0');
  process.exit(2);
}

const client = new SchedulerClient({ masterUrl: flags.master, framework: { name: 'hello', roles: ['*'], failoverTimeoutMs: 10_000 }, maxReconnectAttempts: 5 });
let launched = 0;
const ended = new Map<string, string>();

for await (const event of client.events()) {
  if (event.type === 'subscribed') console.log(`subscribed as ${event.frameworkId}`);
  if (event.type === 'offers') {
    for (const offer of event.offers) {
      const fits = pack(offer, Array(total - launched).fill(shape));
      if (fits.length === 0) {
        client.decline([offer.id ?? ''], 60);
        continue;
      }
      const tasks: TaskInfo[] = fits.map(({ resources }) => {
        const id = `hello-${++launched}`;
        return {
          taskId: id,
          name: id,
          resources,
          command: { value: flags.cmd, shell: true },
          container: { type: ContainerType.DOCKER, image: flags.image },
        };
      });
      client.launch([offer.id ?? ''], tasks);
      if (launched === total) client.suppress();
    }
  }
  if (event.type === 'update') {
    const { state, agentId, message } = event.status;
    const taskId = event.status.taskId ?? '';
    console.log(`${taskId} ${stateName(state)} on ${agentId}${message ? ` (${message})` : ''}`);
    if (isTerminal(state ?? 0)) ended.set(taskId, stateName(state));
    if (ended.size === total) break;
  }
  if (event.type === 'error') console.error(`error ${event.error.code}: ${event.error.message}`);
  if (event.type === 'disconnected') console.error(`disconnected (${event.code}) ${event.reason}`);
}

const finished = [...ended.values()].filter((s) => s === 'FINISHED').length;
console.log(`${finished} of ${total} tasks finished`);
client.teardown();
await client.close();
process.exit(finished === total ? 0 : 1);
