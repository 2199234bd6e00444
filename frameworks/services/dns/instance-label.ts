// The DNS label of an instance, the first label of its name INSTANCE-LABEL.NAME.services.berth.
// Instance ids look like `team_web.v3.1a2b3c4d` (the service's slug, the version, random hex):
// the slug repeats what NAME already says, so the label is the rest, `v3-1a2b3c4d`. Any id gets a
// label of a-z, 0-9 and "-" of at most 63 characters; two instances that would share one (or an
// id with nothing usable left) get the cleaned text cut short plus 8 hex characters of the id's
// SHA-256, which tells them apart.
import { createHash } from 'node:crypto';

const MAX_LABEL = 63;

/** The slug the services framework starts its task ids with: /team/web -> team_web. */
function slugOf(serviceId: string): string {
  return serviceId.replace(/^\/+/, '').replace(/\//g, '_');
}

function clean(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-{2,}/g, '-').replace(/^-+|-+$/g, '');
}

function hashed(base: string, id: string): string {
  const hash = createHash('sha256').update(id).digest('hex').slice(0, 8);
  const head = base.slice(0, MAX_LABEL - hash.length - 1).replace(/-+$/, '');
  return head ? `${head}-${hash}` : `i-${hash}`;
}

/** One label per instance id of a service, unique within it, in the order of `ids`. */
export function instanceLabels(serviceId: string, ids: readonly string[]): Map<string, string> {
  const slug = `${slugOf(serviceId)}.`;
  const bases = ids.map((id) => clean(id.startsWith(slug) ? id.slice(slug.length) : id));
  const count = new Map<string, number>();
  for (const b of bases) count.set(b, (count.get(b) ?? 0) + 1);
  const out = new Map<string, string>();
  const used = new Set<string>();
  ids.forEach((id, i) => {
    const base = bases[i] as string;
    let label = base !== '' && base.length <= MAX_LABEL && count.get(base) === 1 ? base : hashed(base, id);
    // A hashed label that meets a clean one (or another hash) is hashed again, with its index.
    for (let k = 1; used.has(label); k++) label = hashed(base, `${id}#${k}`);
    used.add(label);
    out.set(id, label);
  });
  return out;
}
