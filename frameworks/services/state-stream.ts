// GET /api/v1/stream on the services API (WebSocket): `{ services, details, endpoints }` as a
// snapshot, then versioned JSON Patch deltas, with the master's stream's frames, resume and
// compression (protocol/state-stream-route.ts). Query: `include` (services, endpoints, details;
// default services,endpoints), `service` (only that service; needed by details), `stream` + `since`.
import { parseInclude, parseResume, publisherRoute, type StatePublisher, type StreamQuery, type StreamView, type TextRoute } from '../../protocol/index.js';
import type { ServicesView } from './control.js';
import { allEndpoints } from './endpoints.js';
import { detailOf, summaryOf, type ServiceDetail } from './service-views.js';

export const SERVICES_STREAM_KEYS = ['services', 'endpoints', 'details'] as const;
const DEFAULT_KEYS = ['services', 'endpoints'];
const SERVICE_ID = /^(\/[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** What the publisher reads each tick: the lists every view filters, and details on demand. */
export function streamDocument(view: ServicesView): Record<string, unknown> {
  const states = [...view.states.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    services: states.map((s) => summaryOf(s, view)),
    endpoints: allEndpoints(view),
    detail: (id: string): ServiceDetail | undefined => {
      const state = view.states.get(id);
      return state ? detailOf(state, view) : undefined;
    },
  };
}

export function parseServicesStreamQuery(q: URLSearchParams): StreamQuery {
  const include = parseInclude(q, SERVICES_STREAM_KEYS, DEFAULT_KEYS);
  if (!include.ok) return include;
  const resume = parseResume(q);
  if (!resume.ok) return resume;
  const service = q.get('service');
  if (service !== null && !SERVICE_ID.test(service)) return { ok: false, field: 'service', message: `service: must be a service id like /team/web, got ${JSON.stringify(service)}` };
  const chosen = include.keys;
  if (chosen.has('details') && service === null) return { ok: false, field: 'include', message: 'include: details needs service=ID (the details of one service)' };
  const only = <T extends { id: string }>(list: T[]): T[] => (service === null ? list : list.filter((x) => x.id === service));
  const view: StreamView = {
    key: `${[...chosen].sort().join(',')}|${service ?? ''}`,
    select(doc) {
      const out: Record<string, unknown> = {};
      if (chosen.has('services')) out.services = only(doc.services as { id: string }[]);
      if (chosen.has('endpoints')) out.endpoints = only(doc.endpoints as { id: string }[]);
      if (chosen.has('details') && service !== null) {
        const detail = (doc.detail as (id: string) => ServiceDetail | undefined)(service);
        out.details = detail ? [detail] : [];
      }
      return out;
    },
  };
  return { ok: true, view, since: resume.since };
}

export function servicesStreamRoute(publisher: StatePublisher): TextRoute {
  return publisherRoute(publisher, { parse: parseServicesStreamQuery });
}
