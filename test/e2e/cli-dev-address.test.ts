// `berth dev --advertise-address` through the built binary: its agents register with that
// address, and the master shows it as agents[].address.
import { existsSync } from 'node:fs';
import t from 'tap';
import { CLI, dev } from '../helpers/cli.js';
import { until } from '../helpers/poll.js';

t.before(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build dist/ first (npx tsc -p tsconfig.json && node scripts/copy-assets.mjs)`);
});

t.test("berth dev's agents advertise the address they are given", async (t) => {
  const cluster = await dev(t, ['--runtime', 'process', '--agents', '2', '--advertise-address', '127.0.0.5']);
  const agents = await until('both agents registered', async () => {
    const state = (await (await fetch(`${cluster.http}/api/v1/state`, { headers: cluster.headers })).json()) as { agents: { hostname: string; address: string }[] };
    return state.agents.length === 2 && state.agents;
  });
  t.same(agents.map((a) => [a.hostname, a.address]).sort(), [['dev-agent-1', '127.0.0.5'], ['dev-agent-2', '127.0.0.5']]);
});
