// The UI's credentials: the token a person types once when an API answers 401, kept in
// sessionStorage (this tab's browser session), sent as `Authorization: Bearer` on every fetch and
// as the `berth.bearer.<base64url>` subprotocol on WebSockets, where browsers cannot set headers.
const KEY = 'berth.token';

const listeners = new Set<() => void>();
let needed = false;

export function storedToken(): string | undefined {
  try {
    return sessionStorage.getItem(KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function saveToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

/** An API answered 401: the token form is shown from now on. */
export function tokenNeeded(): boolean {
  return needed;
}

export function onTokenNeeded(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function markNeeded(): void {
  if (needed) return;
  needed = true;
  for (const fn of listeners) fn();
}

/** fetch with the token; a 401 answer asks for one. */
export async function authFetch(input: string, init: RequestInit = {}): Promise<Response> {
  const token = storedToken();
  const headers = new Headers(init.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  const res = await fetch(input, { ...init, headers });
  if (res.status === 401) markNeeded();
  return res;
}

/** base64url of the text's UTF-8 bytes, without padding (the subprotocol's form). */
export function base64url(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The subprotocols of a WebSocket: `berth` (which the server echoes) and the token's, or none without a token. */
export function wsProtocols(): string[] {
  const token = storedToken();
  return token ? ['berth', `berth.bearer.${base64url(token)}`] : [];
}
