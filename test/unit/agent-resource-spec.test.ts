import t from 'tap';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { detectResources, parseResourceSpec } from '../../agent/index.js';

t.test('parses every field', async (t) => {
  t.same(parseResourceSpec('cpus:4;mem:8192;disk:10000;gpus:1;ports:31000-32000'), {
    cpus: 4,
    memMb: 8192,
    diskMb: 10000,
    gpus: 1,
    ports: [{ begin: 31000, end: 32000 }],
  });
});

t.test('any subset, any order, spaces and empty items allowed', async (t) => {
  t.same(parseResourceSpec(' mem : 512 ; ; cpus:0.5 ;'), { memMb: 512, cpus: 0.5 });
  t.same(parseResourceSpec(''), {});
  t.same(parseResourceSpec('ports:8080,9000-9001'), { ports: [{ begin: 8080, end: 8080 }, { begin: 9000, end: 9001 }] });
});

t.test('errors name each bad field, all at once', async (t) => {
  let message = '';
  try {
    parseResourceSpec('cpus:x;mem:-1;bogus:3;ports:9-1;disk');
  } catch (err) {
    message = (err as Error).message;
  }
  t.match(message, /cpus must be a non-negative number, got "x"/);
  t.match(message, /mem must be a non-negative number, got "-1"/);
  t.match(message, /unknown resource "bogus"/);
  t.match(message, /ports "9-1"/);
  t.match(message, /"disk" must be NAME:VALUE/);
  t.throws(() => parseResourceSpec('cpus:1;cpus:2'), /cpus is given twice/);
  t.throws(() => parseResourceSpec('gpus:1.5'), /gpus must be a whole number/);
});

t.test('detection fills every field and the spec overrides it', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'berth-detect-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const detected = await detectResources({ workDir: dir });
  t.ok(detected.cpus >= 1);
  t.ok(detected.memMb >= 256);
  t.ok(detected.diskMb > 0);
  t.same(detected.ports, [{ begin: 31000, end: 32000 }]);
  const overridden = await detectResources({ workDir: dir, spec: 'cpus:3;ports:40000-40009' });
  t.equal(overridden.cpus, 3);
  t.equal(overridden.memMb, detected.memMb);
  t.same(overridden.ports, [{ begin: 40000, end: 40009 }]);
});
