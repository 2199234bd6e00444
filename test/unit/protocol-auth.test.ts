// The auth file is checked field by field; tokens authenticate principals (in the header or a
// browser's subprotocol), ACLs deny by default with the first match deciding, and each principal
// has its own token bucket.
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { BerthError, ErrorCode } from '../../protocol/index.js';
import {
  ANONYMOUS,
  Action,
  Authenticator,
  RateLimitedError,
  RateLimiter,
  authSubprotocol,
  bearerHeaders,
  bearerToken,
  httpAnswer,
  loadAuthFile,
  parseAuthConfig,
  pickSubprotocol,
  rawHttpAnswer,
  tokenProblem,
} from '../../protocol/auth/index.js';

const ADMIN = 'admin-token-0123456789abcdef';
const WEB = 'web-team-token-0123456789ab';
const VIEWER = 'viewer-token-0123456789abcd';

const doc = () => ({
  principals: [
    { name: 'admin', token: ADMIN },
    { name: 'web-team', tokenSha256: createHash('sha256').update(WEB).digest('hex'), rateLimit: { perSecond: 2, burst: 3 } },
    { name: 'viewer', token: VIEWER },
  ],
  acls: [
    { principals: ['admin'], actions: ['*'], allow: true },
    { principals: ['web-team'], actions: ['launch'], users: ['root'], allow: false },
    { principals: ['web-team'], actions: ['register_framework', 'launch'], roles: ['web', 'web/*'], users: ['nobody'], allow: true },
    { principals: ['*'], actions: ['read'], allow: true },
  ],
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function problems(input: unknown): string {
  try {
    parseAuthConfig(input, 'auth.yaml');
  } catch (err) {
    if (err instanceof BerthError && err.code === ErrorCode.BAD_REQUEST) return err.message;
    throw err;
  }
  throw new Error('expected the file to be refused');
}

t.test('a good file parses; the token itself is not kept', (t) => {
  const config = parseAuthConfig(doc(), 'auth.yaml');
  t.same(config.principals.map((p) => p.name), ['admin', 'web-team', 'viewer']);
  t.same(config.principals[1]?.rateLimit, { perSecond: 2, burst: 3 });
  t.notMatch(JSON.stringify(config), ADMIN);
  t.end();
});

t.test('every problem names its field path and rule, all in one error', (t) => {
  const bad = doc() as Record<string, unknown> & ReturnType<typeof doc>;
  const principals = [...bad.principals, { name: 'Bad Name', token: 'short' }, { name: 'admin', token: ADMIN, tokenSha256: 'ab' }] as unknown[];
  const message = problems({ ...bad, principals, colour: 'red' });
  t.match(message, /^auth\.yaml: /);
  t.match(message, /principals\[3\]\.token: at least 24 characters/);
  t.match(message, /principals\[3\]\.name: 1 to 63 characters/);
  t.match(message, /principals\[4\]\.tokenSha256: 64 hexadecimal digits/);
  t.match(message, /colour: unknown field/);
  t.end();
});

t.test('cross-field rules: one secret per principal, unique names, known principals, known actions', (t) => {
  const base = doc();
  t.match(problems({ ...base, principals: [...base.principals, { name: 'admin', token: ADMIN }] }), /principals\[3\]\.name: "admin" is given twice/);
  t.match(problems({ ...base, principals: [{ name: 'x' }] }), /principals\[0\]: exactly one of token or tokenSha256/);
  t.match(problems({ ...base, acls: [{ principals: ['ghost'], actions: ['read'], allow: true }] }), /acls\[0\]\.principals\[0\]: "ghost" is not a principal/);
  t.match(problems({ ...base, acls: [{ principals: ['admin'], actions: ['reboot'], allow: true }] }), /acls\[0\]\.actions\[0\]: must be one of \*, register_agent/);
  t.match(problems({ ...base, acls: [{ principals: ['admin'], actions: [], allow: true }] }), /acls\[0\]\.actions: at least one action/);
  t.match(problems({ ...base, acls: [{ principals: ['admin'], actions: ['read'] }] }), /acls\[0\]\.allow: required/);
  t.match(problems([]), /the file: must be an object/);
  t.end();
});

t.test('loadAuthFile reads YAML and JSON and names the file in its errors', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-auth-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const yamlPath = join(dir, 'auth.yaml');
  await writeFile(yamlPath, `principals:\n  - name: admin\n    token: "${ADMIN}"\nacls:\n  - principals: ["admin"]\n    actions: ["*"]\n    allow: true\n`);
  t.same((await loadAuthFile(yamlPath)).principals.map((p) => p.name), ['admin']);
  const jsonPath = join(dir, 'auth.json');
  await writeFile(jsonPath, JSON.stringify({ principals: [{ name: 'a', token: 'x' }], acls: [] }));
  await t.rejects(loadAuthFile(jsonPath), { code: ErrorCode.BAD_REQUEST, message: /auth\.json: principals\[0\]\.token: at least 24 characters/ });
  await t.rejects(loadAuthFile(join(dir, 'missing.yaml')), { code: ErrorCode.BAD_REQUEST, message: /cannot read the auth file .*missing\.yaml/ });
  const broken = join(dir, 'broken.yaml');
  await writeFile(broken, 'principals: [\n');
  await t.rejects(loadAuthFile(broken), { message: /broken\.yaml:2:1: .*must be sufficiently indented/ });
  const listKey = join(dir, 'list-key.yaml');
  await writeFile(listKey, 'principals: []\nacls: []\n? [a, b]\n: 1\n');
  await t.rejects(loadAuthFile(listKey), { code: ErrorCode.BAD_REQUEST, message: /list-key\.yaml.*keys must be strings/ });
});

t.test('authenticate: header, browser subprotocol, never a bad or missing token', (t) => {
  const auth = new Authenticator(parseAuthConfig(doc(), 'auth.yaml'));
  t.equal(auth.enabled, true);
  t.equal(auth.authenticate(bearer(ADMIN)).name, 'admin');
  t.equal(auth.authenticate(bearer(WEB)).name, 'web-team', 'a tokenSha256 principal');
  t.equal(auth.authenticate({ 'sec-websocket-protocol': `berth, ${authSubprotocol(VIEWER)}` }).name, 'viewer');
  t.throws(() => auth.authenticate({}), { code: ErrorCode.UNAUTHENTICATED, message: /give a token with --token or BERTH_TOKEN/ });
  t.throws(() => auth.authenticate(bearer(`${ADMIN}x`)), { code: ErrorCode.UNAUTHENTICATED, message: /token is not valid/ });
  t.throws(() => auth.authenticate({ authorization: `Basic ${ADMIN}` }), { code: ErrorCode.UNAUTHENTICATED, message: /not "Bearer TOKEN"/ });
  t.end();
});

t.test('bearerToken reads the header first, then the subprotocol', (t) => {
  t.equal(bearerToken({ authorization: 'bearer abc' }), 'abc');
  t.equal(bearerToken({ authorization: 'Bearer abc', 'sec-websocket-protocol': authSubprotocol('zzz') }), 'abc');
  t.equal(bearerToken({ 'sec-websocket-protocol': 'berth' }), undefined);
  t.equal(bearerToken({ 'sec-websocket-protocol': authSubprotocol('tok/with+odd=chars') }), 'tok/with+odd=chars');
  t.end();
});

t.test('authorize: first match wins, no match denies, roles and users narrow a rule', (t) => {
  const auth = new Authenticator(parseAuthConfig(doc(), 'auth.yaml'));
  const admin = { name: 'admin' };
  const web = { name: 'web-team' };
  const viewer = { name: 'viewer' };
  t.doesNotThrow(() => auth.authorize(admin, Action.DRAIN, { describe: 'agent a-1' }));
  t.throws(() => auth.authorize(web, Action.DRAIN, { describe: 'agent a-1' }), { code: ErrorCode.FORBIDDEN, message: 'principal web-team may not drain agent a-1' });
  t.doesNotThrow(() => auth.authorize(web, Action.REGISTER_FRAMEWORK, { role: 'web' }));
  t.doesNotThrow(() => auth.authorize(web, Action.REGISTER_FRAMEWORK, { role: 'web/api' }));
  t.throws(() => auth.authorize(web, Action.REGISTER_FRAMEWORK, { role: 'webx' }), { message: 'principal web-team may not register a framework in role webx' });
  t.throws(() => auth.authorize(web, Action.REGISTER_FRAMEWORK, {}), { code: ErrorCode.FORBIDDEN }, 'a role rule does not match an object without a role');
  t.doesNotThrow(() => auth.authorize(web, Action.LAUNCH, { role: 'web', user: 'nobody' }));
  t.throws(() => auth.authorize(web, Action.LAUNCH, { role: 'web', user: 'root' }), { code: ErrorCode.FORBIDDEN }, 'the deny before the allow wins');
  t.throws(() => auth.authorize(web, Action.LAUNCH, { role: 'web', user: '' }), { message: /as user nobody|as user \(the default\)/ });
  t.doesNotThrow(() => auth.authorize(viewer, Action.READ));
  t.doesNotThrow(() => auth.authorize(web, Action.READ), '"*" is any principal');
  t.throws(() => auth.authorize(viewer, Action.SET_ROLES), { code: ErrorCode.FORBIDDEN });
  t.equal(auth.may(viewer, Action.READ), true);
  t.equal(auth.may(viewer, Action.TEARDOWN), false);
  t.end();
});

t.test('without a config everything is open and anonymous', (t) => {
  const auth = new Authenticator(undefined);
  t.equal(auth.enabled, false);
  t.equal(auth.authenticate({}), ANONYMOUS);
  t.doesNotThrow(() => auth.authorize(ANONYMOUS, Action.DRAIN));
  t.end();
});

t.test('rate limits: a bucket per principal, refilled by the clock', (t) => {
  let now = 1_000;
  const auth = new Authenticator(parseAuthConfig(doc(), 'auth.yaml'), { now: () => now });
  for (let i = 0; i < 3; i++) t.equal(auth.authenticate(bearer(WEB)).name, 'web-team', `call ${i + 1} of the burst`);
  let caught: unknown;
  try {
    auth.authenticate(bearer(WEB));
  } catch (err) {
    caught = err;
  }
  t.ok(caught instanceof RateLimitedError);
  t.equal((caught as RateLimitedError).code, ErrorCode.RATE_LIMITED);
  t.equal((caught as RateLimitedError).retryAfterSeconds, 1);
  t.equal(auth.authenticate(bearer(ADMIN)).name, 'admin', 'another principal has its own bucket (none)');
  now += 500;
  t.equal(auth.authenticate(bearer(WEB)).name, 'web-team', 'one token back after 1/perSecond');
  t.throws(() => auth.authenticate(bearer(WEB)), { code: ErrorCode.RATE_LIMITED });
  const limiter = new RateLimiter(() => 0);
  t.equal(limiter.take('a', { perSecond: 0.5, burst: 1 }), 0);
  t.equal(limiter.take('a', { perSecond: 0.5, burst: 1 }), 2000, 'the wait until the next token, in ms');
  t.end();
});

t.test('refusals answer with the status, the JSON body and the auth headers', (t) => {
  const a401 = httpAnswer(new BerthError(ErrorCode.UNAUTHENTICATED, 'give a token'));
  t.equal(a401.status, 401);
  t.equal(a401.headers['www-authenticate'], 'Bearer realm="berth"');
  t.same(JSON.parse(a401.body), { code: 'UNAUTHENTICATED', message: 'give a token' });
  const a429 = httpAnswer(new RateLimitedError('web-team', 2500));
  t.equal(a429.status, 429);
  t.equal(a429.headers['retry-after'], '3');
  const raw = rawHttpAnswer(new BerthError(ErrorCode.FORBIDDEN, 'no'));
  t.match(raw, /^HTTP\/1\.1 403 Forbidden\r\n/);
  t.match(raw, /content-length: 35\r\n/);
  t.match(raw, /\r\n\r\n\{"code":"FORBIDDEN","message":"no"\}$/);
  t.end();
});

t.test('throttle counts calls of an authenticated principal; clients check and send their tokens', (t) => {
  const auth = new Authenticator(parseAuthConfig(doc(), 'auth.yaml'), { now: () => 0 });
  const web = { name: 'web-team' };
  for (let i = 0; i < 3; i++) auth.throttle(web);
  t.throws(() => auth.throttle(web), { code: ErrorCode.RATE_LIMITED });
  t.doesNotThrow(() => auth.throttle({ name: 'admin' }), 'no limit, no count');
  t.equal(tokenProblem('abc'), undefined);
  t.match(tokenProblem('has space'), /token must be 1 to 4096 printable ASCII characters without spaces/);
  t.match(tokenProblem(''), /printable/);
  t.match(tokenProblem(42, 'options.token'), /^options\.token must be a string/);
  t.same(bearerHeaders('abc'), { authorization: 'Bearer abc' });
  t.same(bearerHeaders(undefined), {});
  t.equal(pickSubprotocol(new Set(['berth', authSubprotocol('x')])), 'berth');
  t.equal(pickSubprotocol(new Set([authSubprotocol('x')])), false, 'the token subprotocol is never chosen');
  t.end();
});
