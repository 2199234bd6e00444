// A task's stdout and stderr, read through the master's HTTP API (and `berth tasks logs`), from a
// real agent: of a finished task, of a running one, and followed as new lines come.
import t from 'tap';
import { TaskState } from '../../protocol/index.js';
import { testCluster, testFramework } from '../helpers/cluster.js';
import { until } from '../helpers/poll.js';

t.test('logs of a finished and of a running task; follow streams new lines', async (t) => {
  const { master } = await testCluster(t, 'process', { allocationIntervalMs: 50 });
  const fw = await testFramework(t, master.url);
  const offer = await fw.next('an offer', (e) => (e.type === 'offers' ? e.offers[0] : undefined));
  fw.client.launch([offer.id], [
    { taskId: 'done', resources: { cpus: 0.1, memMb: 32 }, command: { value: 'echo one; echo two >&2; echo three', shell: true } },
    { taskId: 'ticker', resources: { cpus: 0.1, memMb: 32 }, command: { value: 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done', shell: true } },
  ]);
  await fw.next('done FINISHED', (e) => (e.type === 'update' && e.status.taskId === 'done' && e.status.state === TaskState.TASK_FINISHED ? true : undefined));
  await fw.next('ticker RUNNING', (e) => (e.type === 'update' && e.status.taskId === 'ticker' && e.status.state === TaskState.TASK_RUNNING ? true : undefined));

  const finished = await until('the finished task\'s logs', async () => {
    const text = await (await fetch(`${master.httpUrl}/api/v1/tasks/done/logs`)).text();
    return /three/.test(text) ? text : undefined;
  });
  for (const line of ['one', 'two', 'three']) t.match(finished, new RegExp(`^${line}$`, 'm'), `has "${line}" (stdout and stderr)`);

  const tail = await until('the running task\'s last lines', async () => {
    const text = await (await fetch(`${master.httpUrl}/api/v1/tasks/ticker/logs?tail=2`)).text();
    return text.trim().split('\n').length === 2 ? text : undefined;
  });
  t.match(tail, /^tick \d+\ntick \d+\n$/);

  // Follow: lines that appear after the request started keep coming.
  const stop = new AbortController();
  const res = await fetch(`${master.httpUrl}/api/v1/tasks/ticker/logs?follow=1&tail=1`, { signal: stop.signal });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  let text = '';
  const seen = new Set<string>();
  while (seen.size < 4) {
    const { value, done } = await reader.read();
    if (done) break;
    text += Buffer.from(value).toString();
    for (const m of text.matchAll(/tick (\d+)/g)) seen.add(m[1] as string);
  }
  stop.abort();
  const numbers = [...seen].map(Number).sort((a, b) => a - b);
  t.ok(numbers.length >= 4 && (numbers.at(-1) as number) - (numbers[0] as number) >= 3, `new lines streamed: ${numbers.join(',')}`);
  await until('the relay let go of the stream', () => master.master.logs.open === 0);

  const unknown = await fetch(`${master.httpUrl}/api/v1/tasks/nope/logs`);
  t.equal(unknown.status, 404);
  t.equal(((await unknown.json()) as { code: string }).code, 'TASK_UNKNOWN');
});
