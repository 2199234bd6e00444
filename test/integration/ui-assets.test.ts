// The master serves the web UI: the index at / and at client-side routes, the bundle under /ui/,
// JSON errors still on API paths, the framework links, and a read-only proxy to a framework API.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { checkFrameworkLinks } from '../../master/index.js';
import { testMaster } from '../helpers/master.js';

async function uiDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-ui-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'index.html'), '<!doctype html><div id="app"></div>');
  await writeFile(join(dir, 'app.js'), 'console.log("ui")');
  await writeFile(join(dir, 'app.css'), 'body{}');
  return dir;
}

t.test('GET / and client-side routes answer with the UI; API paths keep JSON errors', async (t) => {
  const { httpUrl } = await testMaster(t, { uiDir: await uiDir(t) });
  for (const path of ['/', '/tasks/some-task', '/agents']) {
    const res = await fetch(`${httpUrl}${path}`);
    t.equal(res.status, 200, `${path} answers`);
    t.match(res.headers.get('content-type'), /^text\/html/, `${path} is HTML`);
    t.match(await res.text(), /id="app"/);
  }
  const js = await fetch(`${httpUrl}/ui/app.js`);
  t.match(js.headers.get('content-type'), /javascript/);
  t.equal(await js.text(), 'console.log("ui")');
  t.equal((await fetch(`${httpUrl}/ui/app.css`)).status, 200);
  t.equal((await fetch(`${httpUrl}/ui/secret.txt`)).status, 404, 'only the bundle\'s files are served');

  const api = await fetch(`${httpUrl}/api/v1/nope`);
  t.equal(api.status, 404);
  t.equal(((await api.json()) as { code: string }).code, 'NOT_FOUND');
  const post = await fetch(`${httpUrl}/tasks`, { method: 'POST' });
  t.equal(post.status, 404, 'only GET gets the UI');
  t.same(await (await fetch(`${httpUrl}/ui/links.json`)).json(), { frameworks: {} });
});

t.test('without a bundle, GET / says how to build it (HTML, not a JSON 404)', async (t) => {
  const empty = await mkdtemp(join(tmpdir(), 'berth-ui-empty-'));
  t.teardown(() => rm(empty, { recursive: true, force: true }));
  const { httpUrl } = await testMaster(t, { uiDir: empty });
  const res = await fetch(`${httpUrl}/`);
  t.equal(res.status, 503);
  t.match(res.headers.get('content-type'), /^text\/html/);
  t.match(await res.text(), /build-ui/);
});

t.test('the framework proxy forwards GETs to the linked API and refuses the rest', async (t) => {
  const seen: string[] = [];
  const fake = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ services: [{ id: '/web' }] }));
  });
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => fake.close(() => resolve())));
  const port = (fake.address() as { port: number }).port;
  const { httpUrl } = await testMaster(t, { uiDir: await uiDir(t), frameworkLinks: { services: `http://127.0.0.1:${port}/` } });

  t.same(await (await fetch(`${httpUrl}/ui/links.json`)).json(), { frameworks: { services: `http://127.0.0.1:${port}` } });
  const got = await fetch(`${httpUrl}/ui/proxy/services/api/v1/services/team%2Fweb?x=1`);
  t.equal(got.status, 200);
  t.same(await got.json(), { services: [{ id: '/web' }] });
  t.same(seen, ['GET /api/v1/services/team%2Fweb?x=1'], 'path, encoding and query pass through');

  const post = await fetch(`${httpUrl}/ui/proxy/services/api/v1/services`, { method: 'POST', body: '{}' });
  t.equal(post.status, 400);
  t.match(((await post.json()) as { message: string }).message, /read-only/);
  t.equal(seen.length, 1, 'nothing but GET reaches the framework');
  const unknown = await fetch(`${httpUrl}/ui/proxy/batch/api/v1/jobs`);
  t.equal(unknown.status, 404);
  t.match(((await unknown.json()) as { message: string }).message, /no framework link "batch"/);
});

t.test('the proxy answers 502 when the framework is down', async (t) => {
  const { httpUrl } = await testMaster(t, { uiDir: await uiDir(t), frameworkLinks: { batch: 'http://127.0.0.1:1' } });
  const res = await fetch(`${httpUrl}/ui/proxy/batch/api/v1/jobs`);
  t.equal(res.status, 502);
  t.match(((await res.json()) as { message: string }).message, /batch at http:\/\/127\.0\.0\.1:1 did not answer/);
});

t.test('framework links are checked, naming the field and the rule', async (t) => {
  t.throws(() => checkFrameworkLinks({ services: 'ftp://x' }), { field: 'frameworkLinks.services', message: /must be an http:\/\/ or https:\/\/ URL/ });
  t.throws(() => checkFrameworkLinks({ services: 'not a url' }), { field: 'frameworkLinks.services', message: /got "not a url"/ });
  t.throws(() => checkFrameworkLinks({ web: 'http://127.0.0.1:1' }), { field: 'frameworkLinks.web', message: /unknown; the links are services, batch/ });
  t.throws(() => checkFrameworkLinks('http://x'), { field: 'frameworkLinks', message: /must be an object/ });
  t.same(checkFrameworkLinks({ batch: 'http://127.0.0.1:5080/', services: '' }), { batch: 'http://127.0.0.1:5080' });
  t.same(checkFrameworkLinks(undefined), {});
});
