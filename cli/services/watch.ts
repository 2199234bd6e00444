// `--wait`: follows the deployments an apply (or scale, restart, rollback) started, polling each
// service, printing a line whenever its progress changes, until every deployment has ended.
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError } from '../http.js';
import { span } from '../output.js';
import type { DeploymentView, HistoryAnswer, ServiceDetail } from './api-types.js';
import type { ServicesClient } from './client.js';

export interface WatchTarget {
  id: string;
  version: number;
}

export type WatchResult = 'succeeded' | 'failed' | 'rolled-back' | 'superseded' | 'removed';

export interface WatchOutcome extends WatchTarget {
  result: WatchResult;
  reason: string;
}

export interface WatchOptions {
  intervalMs: number;
  write: (line: string) => void;
  signal: AbortSignal;
  now?: () => number;
}

type Seen = { over: false; progress: string } | { over: true; result: WatchResult; reason: string };

/** Instances of the target version that run and pass their checks; and all that do (the planner's counts when given). */
function counts(s: ServiceDetail, version: number): { updated: number; healthy: number } {
  if (s.progress && s.version === version) return { updated: s.progress.updated, healthy: s.progress.available };
  const available = s.instances.filter((i) => i.state === 'running' && i.healthy !== false && i.ready !== false);
  return { updated: available.filter((i) => i.version === version).length, healthy: available.length };
}

function progress(s: ServiceDetail, version: number, phase: string): string {
  const c = counts(s, version);
  const reasons = s.reasons.length ? `; ${s.reasons.join('; ')}` : '';
  return `${phase}, updated ${c.updated}/${s.progress?.desired ?? s.spec.instances}, healthy ${c.healthy}${reasons}`;
}

/** How our deployment ended, from the history, when the service has moved past it. */
function fromHistory(h: HistoryAnswer, version: number): Seen | undefined {
  const ours = [...h.deployments].reverse().find((d) => d.toVersion === version);
  if (!ours || ours.phase === 'running') return undefined;
  if (ours.phase === 'superseded') return { over: true, result: 'superseded', reason: `superseded by version ${ours.supersededBy ?? '?'}${ours.reason ? `: ${ours.reason}` : ''}` };
  return { over: true, result: ours.phase, reason: ours.reason ?? '' };
}

function fromDeployment(s: ServiceDetail, d: DeploymentView, version: number): Seen | undefined {
  if (d.rollbackOf === version) return undefined;
  if (d.toVersion !== version) return undefined;
  if (d.phase === 'running') return { over: false, progress: progress(s, version, s.status) };
  if (d.phase === 'superseded') return { over: true, result: 'superseded', reason: `superseded by version ${d.supersededBy ?? '?'}` };
  return { over: true, result: d.phase, reason: d.reason ?? '' };
}

async function look(client: ServicesClient, t: WatchTarget): Promise<Seen> {
  let s: ServiceDetail;
  try {
    s = await client.get(t.id);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return { over: true, result: 'removed', reason: 'the service was removed' };
    throw err;
  }
  const d = s.deployment;
  const seen = d ? fromDeployment(s, d, t.version) : undefined;
  if (seen) return seen;
  // No deployment of ours in sight: a service that needed none, or one past ours (rolled back,
  // superseded), whose end the history tells.
  if (!d && s.version === t.version && s.status === 'stable') return { over: true, result: 'succeeded', reason: '' };
  const ended = fromHistory(await client.history(t.id), t.version);
  if (ended) return ended;
  return { over: false, progress: progress(s, t.version, d?.rollbackOf === t.version ? 'rolling back' : s.status) };
}

function endLine(o: WatchOutcome, elapsed: string): string {
  switch (o.result) {
    case 'succeeded':
      return `${o.id}: version ${o.version} deployed (${elapsed})`;
    case 'rolled-back':
      return `${o.id}: version ${o.version} ROLLED BACK${o.reason ? `: ${o.reason}` : ''} (${elapsed})`;
    case 'failed':
      return `${o.id}: deployment of version ${o.version} FAILED${o.reason ? `: ${o.reason}` : ''} (${elapsed})`;
    case 'superseded':
      return `${o.id}: deployment of version ${o.version} ${o.reason} (${elapsed})`;
    case 'removed':
      return `${o.id}: ${o.reason} before version ${o.version} was deployed (${elapsed})`;
  }
}

/**
 * Polls each target until its deployment ends; resolves with how each ended, or undefined when
 * the signal stopped the watch first (the deployments go on).
 */
export async function watchDeployments(client: ServicesClient, targets: readonly WatchTarget[], o: WatchOptions): Promise<WatchOutcome[] | undefined> {
  const now = o.now ?? Date.now;
  const started = now();
  const last = new Map<string, string>();
  const done = new Map<string, WatchOutcome>();
  while (done.size < targets.length) {
    for (const t of targets) {
      if (done.has(t.id) || o.signal.aborted) continue;
      const seen = await look(client, t);
      const elapsed = span(now() - started);
      if (seen.over) {
        const outcome = { ...t, result: seen.result, reason: seen.reason };
        done.set(t.id, outcome);
        o.write(endLine(outcome, elapsed));
      } else if (last.get(t.id) !== seen.progress) {
        last.set(t.id, seen.progress);
        o.write(`${t.id} v${t.version}: ${seen.progress} (${elapsed})`);
      }
    }
    if (o.signal.aborted) return undefined;
    if (done.size < targets.length) await sleep(o.intervalMs, undefined, { signal: o.signal }).catch(() => undefined);
  }
  return targets.map((t) => done.get(t.id) as WatchOutcome);
}
