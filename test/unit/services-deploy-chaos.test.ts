// A property over random histories: crashes, drains, memory pressure, new versions and scales,
// with random health timings. Whatever happens, a plan's kills never take the available
// instances below the floor (or below what was available, if that was already less), its
// launches never take the live ones above the ceiling, and once the chaos stops the service
// converges on the target with nothing left on an agent it should leave.
import t from 'tap';
import fc from 'fast-check';
import { fillDefaults, type Instance, type ServiceSpec } from '../../frameworks/services/index.js';
import { ServicesSim, simAgents } from '../helpers/services-sim.js';

type Event =
  | { kind: 'crash'; pick: number }
  | { kind: 'drain' | 'pressure'; agent: number }
  | { kind: 'image' }
  | { kind: 'scale'; instances: number };

const eventArb: fc.Arbitrary<Event> = fc.oneof(
  fc.record({ kind: fc.constant('crash' as const), pick: fc.nat(50) }),
  fc.record({ kind: fc.constantFrom('drain' as const, 'pressure' as const), agent: fc.nat(4) }),
  fc.record({ kind: fc.constant('image' as const) }),
  fc.record({ kind: fc.constant('scale' as const), instances: fc.integer({ min: 0, max: 8 }) }),
);

function spec(mHC: number, mOC: number): ServiceSpec {
  return fillDefaults({
    id: '/t/chaos', instances: 5, container: { image: 'app:0' }, resources: { cpus: 0.5, memMb: 64, ports: [{ name: 'http' }] },
    healthChecks: [{ protocol: 'TCP', portName: 'http' }], upgradeStrategy: { minimumHealthCapacity: mHC, maximumOverCapacity: mOC },
    backoff: { initialSeconds: 1, factor: 2, maxSeconds: 4 }, deploymentDeadlineSeconds: 20,
  });
}

t.test('property: kills keep the floor, launches keep the ceiling, and the service converges', async (t) => {
  const prop = fc.property(
    fc.constantFrom(0, 0.5, 0.8, 1),
    fc.constantFrom(0, 0.2, 0.5, 1),
    fc.array(fc.option(eventArb, { freq: 3 }), { minLength: 30, maxLength: 30 }),
    fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 30, maxLength: 30 }),
    (mHC, mOC, events, delays) => {
      const agents = simAgents(5);
      const sim = new ServicesSim(spec(mHC, mOC), agents);
      sim.run();
      const crash = new Set<string>();
      const healthyAt = new Map<string, number>();
      let launches = 0;
      let calm = false;
      sim.health = (i: Instance, s) => {
        if (crash.has(i.id)) return 'crash';
        if (!healthyAt.has(i.id)) healthyAt.set(i.id, s.ticks + (calm ? 0 : delays[launches++ % delays.length]!));
        return s.ticks >= healthyAt.get(i.id)! ? true : undefined;
      };
      let before = { available: 0, live: 0 };
      const available = (s: ServicesSim) => s.instances.filter((i) => i.state === 'running' && i.healthy === true).length;
      sim.onStep = (s, when) => {
        if (when === 'observed') {
          before = { available: available(s), live: s.live() };
          return;
        }
        const { minAvailable, maxLive } = s.plans.at(-1)!.deployment;
        const after = available(s);
        if (after < Math.min(minAvailable, before.available)) throw new Error(`tick ${s.ticks}: kills took available from ${before.available} to ${after} (floor ${minAvailable})`);
        if (s.live() > Math.max(maxLive, before.live)) throw new Error(`tick ${s.ticks}: launches took live from ${before.live} to ${s.live()} (ceiling ${maxLive})`);
      };
      let version = 0;
      for (const e of events) {
        if (e?.kind === 'crash') {
          const running = sim.instances.filter((i) => i.state === 'running');
          if (running.length > 0) crash.add(running[e.pick % running.length]!.id);
        } else if (e?.kind === 'drain') agents[e.agent]!.draining = !agents[e.agent]!.draining;
        else if (e?.kind === 'pressure') agents[e.agent]!.underPressure = !agents[e.agent]!.underPressure;
        else if (e?.kind === 'image') {
          const cur = sim.state.versions.find((v) => v.version === sim.state.targetVersion)!.spec;
          sim.apply({ ...cur, container: { ...cur.container, image: `app:${++version}` } });
        } else if (e?.kind === 'scale') {
          const cur = sim.state.versions.find((v) => v.version === sim.state.targetVersion)!.spec;
          sim.apply({ ...cur, instances: e.instances });
        }
        sim.tick();
      }
      calm = true;
      crash.clear();
      for (const a of agents) a.draining = a.underPressure = false;
      for (const [id, at] of healthyAt) if (at > sim.ticks) healthyAt.set(id, sim.ticks);
      const end = sim.run(400);
      const n = sim.state.versions.find((v) => v.version === end.state.targetVersion)!.spec.instances;
      const running = sim.instances.filter((i) => i.state === 'running');
      if (running.length !== n) throw new Error(`converged on ${running.length} running, want ${n}`);
    },
  );
  t.doesNotThrow(() => fc.assert(prop, { numRuns: 80, seed: 7 }));
});
