// The document reader refuses YAML mappings whose keys are lists or mappings (or aliases of one)
// with a problem naming the path and the rule, and nothing reaches stderr: the parser's own
// "Keys with collection values will be stringified" warning would stand out of place beside a
// command's output.
import t from 'tap';
import { readDocument } from '../../protocol/index.js';

/** Runs `fn`, and returns what it returned with every process warning and stderr write it caused (waiting a tick for warnings emitted late). */
async function quietly<T>(fn: () => T): Promise<{ value: T; noise: string[] }> {
  const noise: string[] = [];
  const onWarning = (w: Error): number => noise.push(`warning: ${w.message}`);
  const write = process.stderr.write.bind(process.stderr);
  process.on('warning', onWarning);
  process.stderr.write = ((chunk: string | Uint8Array) => noise.push(`stderr: ${String(chunk)}`) > 0) as typeof process.stderr.write;
  try {
    const value = fn();
    await new Promise((resolve) => setImmediate(resolve));
    return { value, noise };
  } finally {
    process.stderr.write = write;
    process.off('warning', onWarning);
  }
}

const cases = [
  { name: 'a top-level list key', text: '? [a, b]\n: 1\n', path: '', message: /^spec\.yaml:1:3: a top-level key is a list; keys must be strings$/ },
  { name: 'an explicit key on one line', text: '? [a, b] : 1\n', path: '', message: /^spec\.yaml:1:3: a top-level key is a mapping; keys must be strings$/ },
  { name: 'a top-level flow mapping with a list key', text: '{[a]: 1}\n', path: '', message: /^spec\.yaml:1:2: a top-level key is a list; keys must be strings$/ },
  { name: 'a flow mapping key in a flow mapping', text: 'x: {[a]: 1}\n', path: 'x', message: /^spec\.yaml:1:5: a key in x is a list; keys must be strings$/ },
  { name: 'a mapping key deep in a list', text: 'services:\n  - id: web\n    env:\n      ? {k: v}\n      : 1\n', path: 'services[0].env', message: /^spec\.yaml:4:9: a key in services\[0\]\.env is a mapping; keys must be strings$/ },
  { name: 'an alias of a mapping as a key', text: 'a: &m {x: 1}\nb:\n  *m : 2\n', path: 'b', message: /^spec\.yaml:3:3: a key in b is a mapping; keys must be strings$/ },
];

for (const c of cases) {
  void t.test(`${c.name} is refused, with no warning`, async (t) => {
    const { value, noise } = await quietly(() => readDocument(c.text, { filename: 'spec.yaml' }));
    t.same(noise, [], 'nothing on stderr, no process warning');
    t.equal(value.ok, false, 'refused');
    if (value.ok) return;
    t.equal(value.problems.length, 1);
    t.match(value.problems[0], { path: c.path, rule: 'keys must be strings', message: c.message });
  });
}

void t.test('string, number, boolean and merge keys are read as before', async (t) => {
  const { value, noise } = await quietly(() => readDocument('base: &b {x: 1}\nc:\n  <<: *b\n  y: 2\n1: one\ntrue: yes\n', { filename: 'spec.yaml' }));
  t.same(noise, []);
  t.same(value, { ok: true, document: { base: { x: 1 }, c: { x: 1, y: 2 }, 1: 'one', true: 'yes' } });
});

void t.test('a repeated key is still named', async (t) => {
  const { value } = await quietly(() => readDocument('a: 1\na: 2\n', { filename: 'spec.yaml' }));
  t.match(value, { ok: false, problems: [{ rule: 'invalid YAML', message: /spec\.yaml:2:1: the key "a" appears twice in one mapping/ }] });
});
