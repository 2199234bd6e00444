// The clients' side of authentication: berth dev's auth file (its mode, a token per principal, what
// each may do), the web UI's subprotocol encoding (the one the servers decode), and --token's rule.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { DEV_PRINCIPALS, writeDevAuth } from '../../cli/dev-auth.js';
import { Problems, tokenOf } from '../../cli/flags.js';
import { base64url } from '../../master/ui/src/auth.js';
import { Authenticator, authSubprotocol, bearerToken, type Action } from '../../protocol/auth/index.js';

void t.test("berth dev's auth file", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-dev-auth-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const first = await writeDevAuth(dir);
  t.equal((await stat(first.file)).mode & 0o777, 0o600, 'readable by its owner only');
  t.equal(new Set(Object.values(first.tokens)).size, DEV_PRINCIPALS.length, 'a token of its own for each principal');
  t.ok(Object.values(first.tokens).every((tok) => /^[A-Za-z0-9_-]{32}$/.test(tok)), '24 random bytes in base64url each');
  const many = await Promise.all(Array.from({ length: 20 }, () => writeDevAuth(dir)));
  t.notOk(many.flatMap((c) => Object.values(c.tokens)).some((tok) => tok.startsWith('-')), "none starts with '-', which --token would read as a flag");
  const second = await writeDevAuth(dir);
  t.not(second.tokens.admin, first.tokens.admin, 'new tokens at each start');

  const auth = new Authenticator(second.config);
  const may = (name: string, action: Action) => auth.may(auth.authenticate({ authorization: `Bearer ${second.tokens[name as keyof typeof second.tokens]}` }), action);
  t.throws(() => auth.authenticate({ authorization: `Bearer ${first.tokens.admin}` }), { code: 'UNAUTHENTICATED' }, 'the old tokens are gone');
  const table = (['drain', 'register_agent', 'register_framework', 'launch', 'read', 'services.read', 'services.write', 'jobs.write', 'lb.read'] as const)
    .map((action) => [action, ...DEV_PRINCIPALS.map((name) => (may(name, action) ? 'y' : '-'))].join(' '));
  t.same(table, [
    // action            admin agent services batch lb dns
    'drain y - - - - -',
    'register_agent y y - - - -',
    'register_framework y - y y - -',
    'launch y - y y - -',
    'read y - y y - -',
    'services.read y - - - y y',
    'services.write y - - - - -',
    'jobs.write y - - - - -',
    'lb.read y - y - - -',
  ], 'each principal may do what its process needs, and no more');
});

void t.test("the web UI's subprotocol is the one the servers read", async (t) => {
  for (const token of ['plain-token-0123456789abcdef', 'ünïcødé-and/slashes+plus==', '~'.repeat(100)]) {
    t.equal(`berth.bearer.${base64url(token)}`, authSubprotocol(token), `encoded as the servers expect: ${token.slice(0, 12)}`);
    t.equal(bearerToken({ 'sec-websocket-protocol': `berth, berth.bearer.${base64url(token)}` }), token, 'and read back');
  }
});

void t.test('--token must fit in a header', async (t) => {
  const problems = new Problems('state');
  t.equal(tokenOf({ token: 'abc-DEF_123' }, problems), 'abc-DEF_123');
  t.equal(tokenOf({}, problems), undefined, 'absent: no token');
  for (const bad of ['has space', 'new\nline', '']) tokenOf({ token: bad }, problems);
  t.throws(() => problems.throwIfAny(), /--token must be 1 to 4096 printable ASCII characters without spaces/);
});
