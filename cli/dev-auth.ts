// berth dev's credentials: a random token for each process it starts and an admin one for the
// person at the terminal, written as an auth file (mode 0600) in its data directory, so that even
// a laptop cluster answers only those who hold a token (docs/security.md, "berth dev").
import { randomBytes } from 'node:crypto';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { parseAuthConfig, type AuthConfig } from '../protocol/auth/index.js';

export const DEV_PRINCIPALS = ['admin', 'agent', 'services', 'batch', 'lb', 'dns'] as const;
export type DevPrincipal = (typeof DEV_PRINCIPALS)[number];

export interface DevCredentials {
  /** Where the auth file was written. */
  file: string;
  config: AuthConfig;
  tokens: Readonly<Record<DevPrincipal, string>>;
}

export const DEV_AUTH_FILE = 'auth.yaml';

/**
 * What each principal may do: the person everything; agents register; the frameworks register
 * and launch in any role and read the master (the services framework also reads the load
 * balancer's stats, for the autoscaler); the load balancer and DNS read the services' endpoints.
 */
const DEV_ACLS = [
  { principals: ['admin'], actions: ['*'], allow: true },
  { principals: ['agent'], actions: ['register_agent'], allow: true },
  { principals: ['services'], actions: ['register_framework', 'launch', 'read', 'lb.read'], allow: true },
  { principals: ['batch'], actions: ['register_framework', 'launch', 'read'], allow: true },
  { principals: ['lb', 'dns'], actions: ['services.read'], allow: true },
];

/**
 * 24 random bytes, base64url: 32 characters, never starting with '-', which `--token -x` would
 * read as a flag.
 */
function newToken(): string {
  for (;;) {
    const token = randomBytes(24).toString('base64url');
    if (!token.startsWith('-')) return token;
  }
}

/** Writes `dir`/auth.yaml with new tokens (replacing an older one) and returns them with the parsed file. */
export async function writeDevAuth(dir: string): Promise<DevCredentials> {
  const tokens = Object.fromEntries(DEV_PRINCIPALS.map((name) => [name, newToken()])) as Record<DevPrincipal, string>;
  const doc = { principals: DEV_PRINCIPALS.map((name) => ({ name, token: tokens[name] })), acls: DEV_ACLS };
  const file = join(dir, DEV_AUTH_FILE);
  const text = `# Written by berth dev at each start: its processes' tokens and the admin one it prints.\n${stringify(doc)}`;
  await writeFile(file, text, { mode: 0o600 });
  // The mode of writeFile applies only to a file it creates.
  await chmod(file, 0o600);
  return { file, config: parseAuthConfig(doc, file), tokens };
}
