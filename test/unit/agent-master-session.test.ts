// The agent's connection to the masters over in-memory masters: it registers with the leader a
// standby names, re-registers after a drop, and stops for good when another agent process takes
// its id (REPLACED), leaving its tasks alone.
import t, { type Test } from 'tap';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { CloseCode, resources, type Channel } from '../../protocol/index.js';
import { Agent, HollowRuntime } from '../../agent/index.js';
import { MemoryMaster, MemoryNet } from '../helpers/memory-net.js';
import { until } from '../helpers/poll.js';

const PATH = '/api/v1/agent';

/** A master that registers every agent as agent-1. */
function registering(id: string): MemoryMaster {
  const m = new MemoryMaster(id);
  m.onEnvelope = (e, channel: Channel) => {
    if (e.agentCall?.register) channel.send({ agentEvent: { epoch: 1, registered: { agentId: 'agent-1' } } });
  };
  return m;
}

async function agentOn(t: Test, net: MemoryNet, masterUrl: string): Promise<Agent> {
  const workDir = await mkdtemp(path.join(tmpdir(), 'berth-agent-mem-'));
  const agent = new Agent({
    masterUrl,
    dial: net.dial,
    runtime: new HollowRuntime(),
    log: pino({ level: 'silent' }),
    resources: resources.normalize({ cpus: 1, memMb: 256 }),
    workDir,
    bootId: 'boot-1',
    reconnect: { initialMs: 5, maxMs: 20 },
  });
  t.teardown(async () => {
    await agent.stop();
    await rm(workDir, { recursive: true, force: true });
  });
  return agent;
}

t.test('registers with the leader a standby names in its Refusal, and again after a drop', async (t) => {
  const net = new MemoryNet();
  net.master(`ws://a:1${PATH}`, new MemoryMaster('a')).refuse = { code: CloseCode.NOT_LEADER, reason: 'standby', leaderUrl: 'ws://b:1' };
  const leader = net.master(`ws://b:1${PATH}`, registering('b'));
  const agent = await agentOn(t, net, 'ws://a:1');
  agent.start();
  t.equal(await agent.whenRegistered(), 'agent-1');
  t.equal(leader.received.filter((e) => e.agentCall?.register).length, 1);
  leader.current?.close(CloseCode.SHUTDOWN, 'restarting');
  await until('registered again', () => leader.received.filter((e) => e.agentCall?.register).length === 2 && agent.state === 'registered');
  t.equal(leader.received.filter((e) => e.agentCall?.register)[1]?.agentCall?.register?.agentId, 'agent-1', 'under its id');
});

t.test('REPLACED is final for the agent: it fails and does not reconnect', async (t) => {
  const net = new MemoryNet();
  const master = net.master(`ws://a:1${PATH}`, registering('a'));
  const agent = await agentOn(t, net, 'ws://a:1');
  agent.start();
  await agent.whenRegistered();
  master.current?.close(CloseCode.REPLACED, 'the agent registered again on another connection');
  await until('failed', () => agent.state === 'failed');
  await t.rejects(agent.whenRegistered(), /refused this client for good \(4007\)/);
  t.equal(net.dials.length, 1, 'no second connection');
});

t.test('a URL that answers HTTP 404 fails the agent at once', async (t) => {
  const net = new MemoryNet();
  net.http(`ws://a:1${PATH}`, 404);
  const agent = await agentOn(t, net, 'ws://a:1');
  agent.start();
  await t.rejects(agent.whenRegistered(), /HTTP 404/);
  t.equal(agent.state, 'failed');
  t.equal(net.dials.length, 1);
});

t.test('a malformed master URL is refused when the agent is built', async (t) => {
  const net = new MemoryNet();
  await t.rejects(agentOn(t, net, 'ws://a:1,127.0.0.1:5050'), /masterUrl: "127.0.0.1:5050"/);
});
