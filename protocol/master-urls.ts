// The masters a client may talk to, given as one URL, a list, or a comma-separated string, checked
// once: each must be a ws:// or wss:// URL (http:// and https:// are taken as their WebSocket
// twins, since a master serves both on one port).

const SCHEMES: Record<string, string> = { 'ws:': 'ws:', 'wss:': 'wss:', 'http:': 'ws:', 'https:': 'wss:' };

export type MasterUrlCheck = { ok: true; url: string } | { ok: false; problem: string };

/**
 * One master's base URL (ws://host:port, plus any path prefix a proxy needs), without a trailing
 * slash or the endpoint path `endpoint` when the user included it.
 */
export function checkMasterUrl(raw: string, endpoint = ''): MasterUrlCheck {
  const text = raw.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, problem: `"${text}" is not a URL; expected ws://HOST:PORT` };
  }
  const scheme = SCHEMES[url.protocol];
  if (!scheme) return { ok: false, problem: `"${text}" has the scheme ${url.protocol.replace(/:$/, '')}; a master is reached with ws:// or wss://` };
  if (url.search || url.hash) return { ok: false, problem: `"${text}" has a query or fragment; give the master's base URL, ws://HOST:PORT` };
  let path = url.pathname.replace(/\/+$/, '');
  if (endpoint && path.endsWith(endpoint)) path = path.slice(0, -endpoint.length);
  return { ok: true, url: `${scheme}//${url.host}${path}` };
}

/** Every configured master's base URL; throws a RangeError listing every problem. */
export function parseMasterUrls(value: string | readonly string[], endpoint = ''): string[] {
  const list = (typeof value === 'string' ? value.split(',') : value).map((u) => u.trim()).filter(Boolean);
  if (list.length === 0) throw new RangeError('masterUrl: name at least one master, for example ws://127.0.0.1:5050');
  const urls: string[] = [];
  const problems: string[] = [];
  for (const raw of list) {
    const checked = checkMasterUrl(raw, endpoint);
    if (checked.ok) urls.push(checked.url);
    else problems.push(checked.problem);
  }
  if (problems.length > 0) throw new RangeError(`masterUrl: ${problems.join('; ')}`);
  return [...new Set(urls)];
}
